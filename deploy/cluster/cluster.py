"""The deployment of deploy/README.md on one machine, with real servers: `make cluster`.

    python deploy/cluster/cluster.py start        # idempotent: starts whatever is not running
    python deploy/cluster/cluster.py stop         # stops everything and deletes its data
    python deploy/cluster/cluster.py status
    python deploy/cluster/cluster.py stop-web 8101 | start-web 8101
    python deploy/cluster/cluster.py stop-worker | kill-worker | start-worker
    python deploy/cluster/cluster.py stop-redis | start-redis
    python deploy/cluster/cluster.py stop-primary | start-primary | restart-primary

What runs (all on 127.0.0.1, none of it shared with the tests of other engineers: never the
PostgreSQL of port 5432 nor the Redis of port 6379):

- PostgreSQL: a primary cluster `perchoir_primary` (pg_createcluster, port 5433) and a streaming
  replica `perchoir_replica` (port 5434) made with pg_basebackup -R through a replication slot;
- Redis on port 6380; SeaweedFS (S3 on port 8333) holding the media bucket;
- two web processes (`perchoir serve`, ports 8101 and 8102) and one worker (`perchoir
  worker`), configured only by the environment file `STATE/perchoir.env`, written from
  deploy/perchoir.env.example;
- Debian's nginx on port 8080 with deploy/nginx/perchoir.conf, rendered for this machine (plain
  HTTP on 8080 instead of TLS on 443, this folder's static files).

State lives in PERCHOIR_CLUSTER_DIR (default /tmp/perchoir-cluster); logs in its `log/`.
"""

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
STATE = Path(os.environ.get("PERCHOIR_CLUSTER_DIR", "/tmp/perchoir-cluster"))  # noqa: S108
PYTHON = Path(os.environ.get("PERCHOIR_PYTHON", ROOT / ".venv" / "bin" / "python"))
WEED = PYTHON.parent / "weed"

PRIMARY, REPLICA = "perchoir_primary", "perchoir_replica"
PRIMARY_PORT, REPLICA_PORT = 5433, 5434
REDIS_PORT = 6380
NGINX_PORT = 8080
WEB_PORTS = (8101, 8102)
S3_PORT = 8333
# SeaweedFS's other servers; their gRPC ports too, so as not to meet another instance's defaults.
WEED_PORTS = {
    "master.port": 8340, "master.port.grpc": 18340,
    "volume.port": 8341, "volume.port.grpc": 18341,
    "filer.port": 8342, "filer.port.grpc": 18342,
    "s3.port": S3_PORT, "s3.port.grpc": 18333,
    "s3.port.iceberg": 0, "s3.port.lance": 0,  # 0: off
}  # fmt: skip
BUCKET = "perchoir"
SITE_URL = f"http://127.0.0.1:{NGINX_PORT}"
DATABASE_PASSWORD_FILE = STATE / "secrets" / "database"


def log(message: str) -> None:
    print(f"cluster: {message}", flush=True)


def run(*command: str, check: bool = True, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, check=check, text=True, **kwargs)  # type: ignore[call-overload]  # noqa: S603


def as_postgres(*command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return run("runuser", "-u", "postgres", "--", *command, check=check, capture_output=True)


def wait_for(what: str, ready: object, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready():  # type: ignore[operator]
            return
        time.sleep(0.3)
    raise SystemExit(f"cluster: {what} is not ready after {seconds:g} s (logs: {STATE / 'log'})")


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def http_status(url: str, timeout: float = 5) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (loopback)
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def secret(name: str) -> str:
    """A password made on first start and kept with the state."""
    path = STATE / "secrets" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(24))
        path.chmod(0o600)
    return path.read_text().strip()


# --- PostgreSQL: a primary and its streaming replica --------------------------------------------


def pg_version() -> str:
    versions = sorted(os.listdir("/usr/lib/postgresql"), key=int)
    return versions[-1]


def pg_clusters() -> dict[str, str]:
    """{name: status} of this machine's clusters of our version."""
    output = run("pg_lsclusters", "--no-header", capture_output=True).stdout
    found = {}
    for line in output.splitlines():
        version, name, _port, status, *_ = line.split()
        if version == pg_version():
            found[name] = status
    return found


def pg_ctl(name: str, action: str) -> None:
    run("pg_ctlcluster", "--skip-systemctl-redirect", pg_version(), name, action)


def pg_ready(port: int) -> bool:
    return run("pg_isready", "-q", "-h", "127.0.0.1", "-p", str(port), check=False).returncode == 0


def psql(port: int, sql: str, database: str = "postgres") -> str:
    return as_postgres("psql", "-p", str(port), "-d", database, "-Atqc", sql).stdout.strip()


def pg_create(name: str, port: int) -> Path:
    data = STATE / "pg" / name
    data.parent.mkdir(parents=True, exist_ok=True)
    shutil.chown(data.parent, "postgres", "postgres")
    run(
        "pg_createcluster", pg_version(), name, "-p", str(port), "-d", str(data),
        "--start-conf", "manual",  # listens on localhost, the default
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return data


def postgres_start() -> None:
    clusters = pg_clusters()
    database_password = secret("database")
    if PRIMARY not in clusters:
        log(f"creating the PostgreSQL primary {PRIMARY} on port {PRIMARY_PORT}")
        pg_create(PRIMARY, PRIMARY_PORT)
    if not clusters.get(PRIMARY, "").startswith("online"):
        pg_ctl(PRIMARY, "start")
    wait_for("the PostgreSQL primary", lambda: pg_ready(PRIMARY_PORT))
    if psql(PRIMARY_PORT, "SELECT 1 FROM pg_roles WHERE rolname = 'perchoir'") != "1":
        replication_password = secret("replication")
        psql(PRIMARY_PORT, f"CREATE ROLE perchoir LOGIN PASSWORD '{database_password}'")
        psql(PRIMARY_PORT, "CREATE DATABASE perchoir OWNER perchoir")
        psql(
            PRIMARY_PORT,
            f"CREATE ROLE replicator REPLICATION LOGIN PASSWORD '{replication_password}'",
        )
        psql(PRIMARY_PORT, f"SELECT pg_create_physical_replication_slot('{REPLICA}')")
    if REPLICA not in clusters:
        log(f"creating the streaming replica {REPLICA} on port {REPLICA_PORT} (pg_basebackup -R)")
        data = pg_create(REPLICA, REPLICA_PORT)
        shutil.rmtree(data)
        source = (
            f"host=127.0.0.1 port={PRIMARY_PORT} user=replicator password={secret('replication')}"
        )
        as_postgres(
            "pg_basebackup", "-d", source, "-D", str(data), "-R", "-S", REPLICA, "-X", "stream",
            "--checkpoint=fast",  # a spread checkpoint would take minutes on an idle primary
        )  # fmt: skip
    if not pg_clusters().get(REPLICA, "").startswith("online"):  # "online,recovery"
        pg_ctl(REPLICA, "start")
    wait_for("the PostgreSQL replica", lambda: pg_ready(REPLICA_PORT))


def postgres_stop() -> None:
    for name in (REPLICA, PRIMARY):
        if name in pg_clusters():
            log(f"dropping the PostgreSQL cluster {name}")
            run("pg_dropcluster", "--stop", pg_version(), name)


# --- Redis --------------------------------------------------------------------------------------


def redis_ping() -> bool:
    command = ("redis-cli", "-h", "127.0.0.1", "-p", str(REDIS_PORT), "ping")
    return run(*command, check=False, capture_output=True).stdout.strip() == "PONG"


def redis_start() -> None:
    if redis_ping():
        return
    (STATE / "redis").mkdir(parents=True, exist_ok=True)
    run(
        "redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", str(REDIS_PORT),
        "--dir", str(STATE / "redis"), "--pidfile", str(STATE / "run" / "redis.pid"),
        "--logfile", str(STATE / "log" / "redis.log"), "--save", "", "--appendonly", "no",
    )  # fmt: skip
    wait_for("Redis", redis_ping)


def redis_stop() -> None:
    if redis_ping():
        run(
            "redis-cli", "-h", "127.0.0.1", "-p", str(REDIS_PORT), "shutdown", "nosave", check=False
        )
        wait_for("Redis to stop", lambda: not port_open(REDIS_PORT))


# --- Processes this script starts: SeaweedFS, the web processes, the worker ---------------------


def pidfile(name: str) -> Path:
    return STATE / "run" / f"{name}.pid"


def running_pid(name: str) -> int | None:
    """The pid in NAME's pidfile, if that process still runs (and is still ours)."""
    path = pidfile(name)
    if not path.exists():
        return None
    pid = int(path.read_text())
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return pid if str(ROOT).encode() in cmdline or str(WEED).encode() in cmdline else None


def spawn(name: str, command: list[str], env: dict[str, str]) -> None:
    with (STATE / "log" / f"{name}.log").open("ab") as output:
        process = subprocess.Popen(  # noqa: S603
            command, env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
    pidfile(name).write_text(str(process.pid))


def terminate(name: str, seconds: float = 15) -> None:
    """SIGTERM, as a process manager would; SIGKILL to its own session if it does not end."""
    pid = running_pid(name)
    if pid is None:
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and running_pid(name) == pid:
        with suppress(OSError):
            if Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z":  # ended, not yet reaped
                break
        time.sleep(0.2)
    if running_pid(name) == pid:
        log(f"{name} did not stop within {seconds:g} s: killing it")
        with suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
    pidfile(name).unlink(missing_ok=True)


def weed_start() -> None:
    if running_pid("seaweedfs"):
        return
    data = STATE / "seaweedfs"
    data.mkdir(parents=True, exist_ok=True)
    env = read_env_file()
    config = data / "s3.json"

    def identity(name: str, actions: list[str], key: str = "", secret_key: str = "") -> dict:
        found: dict[str, object] = {"name": name, "actions": actions}
        if key:
            found["credentials"] = [{"accessKey": key, "secretKey": secret_key}]
        return found

    site_actions = [
        f"{action}:{BUCKET}" for action in ("Admin", "Read", "Write", "List", "Tagging")
    ]
    identities = [
        # The site's key may do anything in its bucket, and only there.
        identity(
            "perchoir",
            site_actions,
            env["PERCHOIR_S3_ACCESS_KEY_ID"],
            env["PERCHOIR_S3_SECRET_ACCESS_KEY"],
        ),
        # The operator's own key, for what the site may not do (a bucket to restore into).
        identity("operator", ["Admin", "Read", "Write", "List"], "operator", secret("s3-operator")),
        # Anyone may read media, and nothing else (not the members' data exports).
        identity("anonymous", [f"Read:{BUCKET}/media/*"]),
    ]
    config.write_text(json.dumps({"identities": identities}, indent=2))
    ports = [f"-{name}={port}" for name, port in WEED_PORTS.items()]
    command = [
        str(WEED), "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-dir={data}", "-filer",
        "-s3", f"-s3.config={config}", "-volume.max=100", "-master.volumeSizeLimitMB=64", *ports,
    ]  # fmt: skip
    spawn("seaweedfs", command, dict(os.environ))
    wait_for("SeaweedFS", lambda: http_status(f"http://127.0.0.1:{S3_PORT}/") in {200, 403})
    bucket_create(env)


def bucket_create(env: dict[str, str]) -> None:
    """The bucket, once (a new S3 server answers 503 for a few seconds while it elects a master)."""
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=env["PERCHOIR_S3_ENDPOINT_URL"],
        aws_access_key_id=env["PERCHOIR_S3_ACCESS_KEY_ID"],
        aws_secret_access_key=env["PERCHOIR_S3_SECRET_ACCESS_KEY"],
        region_name=env["PERCHOIR_S3_REGION"],
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            names = {bucket["Name"] for bucket in client.list_buckets()["Buckets"]}
            if BUCKET not in names:
                client.create_bucket(Bucket=BUCKET)
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def site_env() -> dict[str, str]:
    """The environment of Perchoir's processes: the environment file, and nothing else of ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PERCHOIR_", "DJANGO_"))}
    return env | read_env_file()


def perchoir(*arguments: str) -> str:
    """A management command against the cluster, as an operator runs it."""
    command = [str(PYTHON), "-m", "perchoir", *arguments]
    return run(*command, env=site_env(), cwd=ROOT, capture_output=True).stdout


def unit_command(unit: str, instance: str = "") -> list[str]:
    """The ExecStart of one of deploy/systemd/'s units, run from this checkout: the cluster starts
    exactly what the units start."""
    text = (DEPLOY / "systemd" / unit).read_text()
    match = re.search(r"^ExecStart=(.+)$", text, re.MULTILINE)
    if match is None:
        raise SystemExit(f"cluster: deploy/systemd/{unit} has no ExecStart")
    program, *arguments = match.group(1).replace("%i", instance).split()
    if program != "/srv/perchoir/.venv/bin/perchoir":
        raise SystemExit(f"cluster: deploy/systemd/{unit} starts {program}, not perchoir")
    return [str(PYTHON), "-m", "perchoir", *arguments]


def web_start(port: int) -> None:
    name = f"web-{port}"
    if not running_pid(name):
        spawn(name, unit_command("perchoir-web@.service", str(port)), site_env())
    wait_for(
        f"the web process on {port}", lambda: http_status(f"http://127.0.0.1:{port}/readyz") == 200
    )


def worker_start() -> None:
    if not running_pid("worker"):
        spawn("worker", unit_command("perchoir-worker.service"), site_env())


# --- The environment file and nginx ------------------------------------------------------------


def env_file() -> Path:
    return STATE / "perchoir.env"


def read_env_file() -> dict[str, str]:
    """KEY=value lines, as systemd's EnvironmentFile reads them (no quotes needed here)."""
    values = {}
    for line in env_file().read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def env_file_write() -> None:
    """deploy/perchoir.env.example with this machine's values: every key of the example must be
    set here, so the example cannot drift from what the cluster proves."""
    if env_file().exists():
        return
    values = {
        "PERCHOIR_SECRET_KEY": secrets.token_urlsafe(50),
        "PERCHOIR_SITE_URL": SITE_URL,
        "PERCHOIR_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PERCHOIR_VAR_DIR": str(STATE / "var"),
        "PERCHOIR_DATABASE_URL": (
            f"postgres://perchoir:{secret('database')}@127.0.0.1:{PRIMARY_PORT}/perchoir"
        ),
        "PERCHOIR_DATABASE_REPLICA_URLS": (
            f"postgres://perchoir:{secret('database')}@127.0.0.1:{REPLICA_PORT}/perchoir"
        ),
        "PERCHOIR_REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
        "PERCHOIR_S3_BUCKET": BUCKET,
        "PERCHOIR_S3_ENDPOINT_URL": f"http://127.0.0.1:{S3_PORT}",
        "PERCHOIR_S3_ACCESS_KEY_ID": "perchoir",
        "PERCHOIR_S3_SECRET_ACCESS_KEY": secrets.token_urlsafe(24),
        "PERCHOIR_S3_REGION": "us-east-1",
        # Media are read through nginx, which proxies /media/ to the bucket.
        "PERCHOIR_S3_PUBLIC_URL": f"{SITE_URL}/media",
        "PERCHOIR_SERVE_MEDIA": "off",
        "PERCHOIR_STATIC_ROOT": str(STATE / "static"),
        "PERCHOIR_EMAIL_URL": f"file://{STATE / 'mail'}",
        "PERCHOIR_EMAIL_FROM": "Perchoir <noreply@127.0.0.1>",
        "PERCHOIR_LOG_FORMAT": "json",
        # Answers say which database they read (X-Perchoir-Read-From): the journey checks it.
        "PERCHOIR_DATABASE_ROUTING_HEADER": "on",
        "PERCHOIR_WEB_WORKERS": "1",
        # Every request of the journey comes from 127.0.0.1: the per-address limits would cap it
        # all; the per-person ones stay (the journey checks one across both web processes).
        "PERCHOIR_RATE_LIMIT_WRITES": "600/60",
        "PERCHOIR_RATE_LIMIT_WRITES_PER_ADDRESS": "100000/60",
        "PERCHOIR_RATE_LIMIT_EXPENSIVE_READS_PER_ADDRESS": "100000/60",
    }
    example = (DEPLOY / "perchoir.env.example").read_text()
    keys = re.findall(r"^#?\s*(PERCHOIR_[A-Z0-9_]+)=", example, re.MULTILINE)
    missing = sorted(set(keys) - set(values))
    if missing:
        raise SystemExit(f"cluster: no value for {', '.join(missing)} of perchoir.env.example")
    lines = ["# Written by deploy/cluster/cluster.py from deploy/perchoir.env.example"]
    lines += [f"{key}={value}" for key, value in values.items()]
    env_file().write_text("\n".join(lines) + "\n")
    env_file().chmod(0o600)


def nginx_site_render() -> str:
    """deploy/nginx/perchoir.conf for this machine: plain HTTP on NGINX_PORT instead of TLS on 443
    (the HTTP-to-HTTPS server goes), this state's static files. Each change must apply, so the
    production file cannot drift away from what the cluster runs."""
    text = (DEPLOY / "nginx" / "perchoir.conf").read_text()
    redirect = re.compile(r"^# BEGIN https-redirect\n.*?^# END https-redirect\n", re.S | re.M)
    changes: list[tuple[re.Pattern[str], str]] = [
        (redirect, ""),
        (re.compile(r"^\s*(listen|ssl_\w+|http2)\b.*\n", re.M), ""),
        (re.compile(r"^(\s*)server_name perchoir\.example;", re.M),
         rf"\1listen 127.0.0.1:{NGINX_PORT};\n\1server_name 127.0.0.1 localhost;"),
        (re.compile(r"/srv/perchoir/static/"), f"{STATE / 'static'}/"),
        (re.compile(r"/var/log/nginx/perchoir\."), f"{STATE / 'log'}/nginx-perchoir."),
    ]  # fmt: skip
    for pattern, replacement in changes:
        text, count = pattern.subn(replacement, text)
        if not count:
            raise SystemExit(f"cluster: deploy/nginx/perchoir.conf no longer has {pattern.pattern}")
    return text


def nginx_conf() -> Path:
    return STATE / "nginx" / "nginx.conf"


def nginx_write() -> None:
    folder = STATE / "nginx"
    for name in ("body", "proxy"):
        (folder / "temp" / name).mkdir(parents=True, exist_ok=True)
        shutil.chown(folder / "temp" / name, "www-data")
    (folder / "perchoir.conf").write_text(nginx_site_render())
    nginx_conf().write_text(
        f"""# The main configuration of Debian's /etc/nginx/nginx.conf, reduced to this cluster.
user www-data;
worker_processes 2;
pid {folder}/nginx.pid;
error_log {STATE / "log"}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    client_body_temp_path {folder}/temp/body;
    proxy_temp_path {folder}/temp/proxy;
    fastcgi_temp_path {folder}/temp/proxy;
    uwsgi_temp_path {folder}/temp/proxy;
    scgi_temp_path {folder}/temp/proxy;
    include {folder}/perchoir.conf;
}}
"""
    )


def nginx_pid() -> int | None:
    path = STATE / "nginx" / "nginx.pid"
    text = path.read_text().strip() if path.exists() else ""
    if not text:  # (`nginx -t` leaves it empty)
        return None
    pid = int(text)
    return pid if Path(f"/proc/{pid}").exists() else None


def nginx_start() -> None:
    nginx_write()
    base = ("nginx", "-p", str(STATE / "nginx"), "-c", str(nginx_conf()))
    run(*base, "-t", "-q")
    if nginx_pid():
        run(*base, "-s", "reload")
    else:
        run(*base)
    wait_for("nginx", lambda: http_status(f"{SITE_URL}/healthz") == 200)


def nginx_stop() -> None:
    pid = nginx_pid()
    if pid:
        os.kill(pid, signal.SIGQUIT)  # graceful: open streams end, browsers reconnect
        wait_for("nginx to stop", lambda: nginx_pid() is None, seconds=30)


# --- The whole ----------------------------------------------------------------------------------


def start() -> None:
    for folder in ("run", "log", "mail", "static", "var", "secrets"):
        (STATE / folder).mkdir(parents=True, exist_ok=True)
    STATE.chmod(0o755)  # postgres and nginx's workers go through it
    env_file_write()
    postgres_start()
    redis_start()
    weed_start()
    log("migrating and collecting static files (deploy/README.md, upgrades)")
    perchoir("migrate", "--no-input")
    perchoir("collectstatic", "--no-input")
    # As deploy/README.md says for a first start: the one-time link to the founder's account.
    (STATE / "founder-link").write_text(perchoir("shell", "--no-imports", "-c", FOUNDER_LINK))
    site_open()
    for port in WEB_PORTS:
        web_start(port)
    worker_start()
    nginx_start()
    log(f"Perchoir is running at {SITE_URL}/ (state in {STATE}; `make cluster-stop` ends it)")


FOUNDER_LINK = (
    "from perchoir.invitations.services import founder_link_issue; print(founder_link_issue())"
)


def site_open() -> None:
    """Anyone may sign up on this proof site, so that the journey can be run again and again."""
    perchoir(
        "shell", "--no-imports", "-c",
        "from perchoir.core.models import SiteMode, SiteSettings\n"
        "from perchoir.core.selectors import site_settings_get\n"
        "site_settings_get()\n"
        "SiteSettings.objects.filter(pk=1).update(mode=SiteMode.OPEN)",
    )  # fmt: skip


def stop() -> None:
    nginx_stop()
    for port in WEB_PORTS:
        terminate(f"web-{port}")
    terminate("worker")
    redis_stop()
    # SeaweedFS takes up to ~20 s to stop cleanly.
    terminate("seaweedfs", seconds=30)
    postgres_stop()
    if STATE.exists():
        shutil.rmtree(STATE)
    log("stopped; its data is deleted")


def status() -> int:
    rows = {
        f"PostgreSQL primary :{PRIMARY_PORT}": pg_ready(PRIMARY_PORT),
        f"PostgreSQL replica :{REPLICA_PORT}": pg_ready(REPLICA_PORT),
        f"Redis :{REDIS_PORT}": redis_ping(),
        f"SeaweedFS S3 :{S3_PORT}": port_open(S3_PORT),
        **{f"web :{port}": http_status(f"http://127.0.0.1:{port}/healthz") == 200
           for port in WEB_PORTS},
        "worker": running_pid("worker") is not None,
        f"nginx :{NGINX_PORT}": http_status(f"{SITE_URL}/healthz") == 200,
    }  # fmt: skip
    for name, up in rows.items():
        print(f"{'up  ' if up else 'DOWN'} {name}")
    return 0 if all(rows.values()) else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "action",
        choices=[
            "start", "stop", "status", "stop-web", "start-web", "stop-worker", "start-worker",
            "kill-worker", "stop-redis", "start-redis", "stop-primary", "start-primary",
            "restart-primary", "env",
        ],
    )  # fmt: skip
    parser.add_argument("port", nargs="?", type=int, choices=WEB_PORTS)
    options = parser.parse_args()
    action = options.action
    if action == "start":
        start()
    elif action == "stop":
        stop()
    elif action == "status":
        sys.exit(status())
    elif action == "env":
        print(env_file())
    elif action in {"stop-web", "start-web"}:
        if options.port is None:
            parser.error(f"{action} needs a port: {WEB_PORTS}")
        terminate(f"web-{options.port}") if action == "stop-web" else web_start(options.port)
    elif action == "stop-worker":
        terminate("worker")
    elif action == "kill-worker":
        # As a crash or an out-of-memory kill would: no chance to finish the task in hand.
        pid = running_pid("worker")
        if pid:
            os.killpg(pid, signal.SIGKILL)
            pidfile("worker").unlink()
    elif action == "start-worker":
        worker_start()
    elif action == "stop-redis":
        redis_stop()
    elif action == "start-redis":
        redis_start()
    elif action == "stop-primary":
        pg_ctl(PRIMARY, "stop")
    elif action == "start-primary":
        pg_ctl(PRIMARY, "start")
        wait_for("the PostgreSQL primary", lambda: pg_ready(PRIMARY_PORT))
    elif action == "restart-primary":
        pg_ctl(PRIMARY, "restart")
        wait_for("the PostgreSQL primary", lambda: pg_ready(PRIMARY_PORT))


if __name__ == "__main__":
    main()
