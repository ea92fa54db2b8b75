"""Serving layouts compared: the same pages under WSGI and ASGI servers, load from another process.

    .venv/bin/python bench/serving.py [--seconds 10] [--rounds 3] [--layout NAME] [--page NAME]
    .venv/bin/python bench/serving.py --live [--subscribers 1000] [--rate 10] [--live-seconds 60]

Each layout serves a fresh embedded site (SQLite under a temporary folder, or
PERCHOIR_DATABASE_URL) with two processes, as `perchoir run` does on a two-core machine; `wrk`
(Debian's package) loads pages from another process: the anonymous home page, a profile page (a
few queries) and the load scenarios' baseline page (100 rows through a template). All layouts
run side by side and the rounds alternate between them, so that other work on the machine
weighs on each alike. Printed: median requests per second and latency percentiles, as a
Markdown table for docs/decisions/0006-serving-live-updates.md.

With --live: one web process serves N event-stream subscribers of one stream while another
process publishes `rate` events a second; printed: how many subscribers received every event in
order, and the delay from publish to receipt. (Without PERCHOIR_REDIS_URL the web process finds
the events by polling every LIVE_POLL_SECONDS; with it, at once.)

Traffic goes to 127.0.0.1 only and every run is bounded in time.
"""

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
WORKERS = "2"

UVICORN = ["-m", "uvicorn", "--workers", WORKERS, "--loop", "uvloop", "--http", "httptools"]
UVICORN += ["--no-access-log", "--log-level", "warning"]
GUNICORN = ["-m", "gunicorn", "perchoir.wsgi:application", "--workers", WORKERS]
GUNICORN += ["--worker-class", "gthread", "--log-level", "warning"]
GRANIAN = ["-m", "granian", "--interface", "asgi", "--workers", WORKERS, "--no-ws"]
GRANIAN += ["--log-level", "warning"]

# name → (command after the interpreter, extra environment)
LAYOUTS: dict[str, tuple[list[str], dict[str, str]]] = {
    "gunicorn gthread, WSGI (2x4 threads)": (
        [*GUNICORN, "--threads", "4"],
        {},
    ),
    "uvicorn, Django's ASGI handler for everything": (
        [*UVICORN, "--factory", "django.core.asgi:get_asgi_application"],
        {},
    ),
    "uvicorn, perchoir.asgi (pages as WSGI, 2x4 threads)": (
        [*UVICORN, "perchoir.asgi:application"],
        {"PERCHOIR_WEB_THREADS": "4"},
    ),
    "uvicorn, perchoir.asgi (pages as WSGI, 2x8 threads)": (
        [*UVICORN, "perchoir.asgi:application"],
        {"PERCHOIR_WEB_THREADS": "8"},
    ),
    "granian, Django's ASGI handler for everything": (
        [*GRANIAN, "--factory", "django.core.asgi:get_asgi_application"],
        {},
    ),
    "granian, perchoir.asgi (pages as WSGI, 2x8 threads)": (
        [*GRANIAN, "perchoir.asgi:application"],
        {"PERCHOIR_WEB_THREADS": "8"},
    ),
}

# The baseline page of the load scenarios (perchoir.core.baseline, 100 rows through a template).
PAGES = {"home": "/", "profile": "/@bench", "baseline": "/bench/baseline/"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare_site(env: dict[str, str]) -> None:
    """Migrate and create the profile that the second page shows."""
    subprocess.run([PY, "-m", "perchoir", "migrate", "--no-input", "-v", "0"], env=env, check=True)
    subprocess.run([PY, "-m", "perchoir", "createcachetable"], env=env, check=True)
    script = (
        "from perchoir.accounts.models import User\n"
        "User.objects.filter(handle='bench').exists() or User.objects.create_user("
        "handle='bench', email='bench@example.org', password='x', display_name='Bench')\n"
    )
    subprocess.run([PY, "-m", "perchoir", "shell", "-c", script], env=env, check=True)


def wait_until_answering(port: int, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server stopped")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                if sock.recv(12).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("the server never answered")


def wrk(url: str, seconds: int, connections: int) -> dict[str, float]:
    output = subprocess.run(
        ["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
    ).stdout
    figures = {"rps": float(_find(r"Requests/sec:\s+([\d.]+)", output))}
    for percent in ("50", "99"):
        figures[f"p{percent}"] = _milliseconds(_find(rf"^\s+{percent}%\s+(\S+)", output))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    figures["errors"] = float(errors.group(1)) if errors else 0.0
    return figures


def _find(pattern: str, text: str) -> str:
    match = re.search(pattern, text, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"wrk printed no {pattern!r}:\n{text}")
    return match.group(1)


def _milliseconds(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def start(name: str, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    command, extra = LAYOUTS[name]
    port = free_port()
    if "gunicorn" in command[1]:
        address = ["--bind", f"127.0.0.1:{port}"]
    else:
        address = ["--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(
        [PY, *command, *address], env=env | extra, cwd=ROOT, start_new_session=True
    )
    wait_until_answering(port, process)
    return process, port


def stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def compare(names: list[str], env: dict[str, str], options: argparse.Namespace) -> None:
    """All layouts run side by side, idle but for the one being loaded; rounds alternate them
    so that whatever else the machine does weighs on each alike. Medians are printed."""
    servers = {}
    try:
        for name in names:
            servers[name] = start(name, env)
        results: dict[tuple[str, str], list[dict[str, float]]] = {}
        for round_number in range(options.rounds):
            for page in options.page or PAGES:
                path = PAGES[page]
                for name, (_process, port) in servers.items():
                    url = f"http://127.0.0.1:{port}{path}"
                    if round_number == 0:
                        wrk(url, 2, options.connections)  # warm up
                    figures = wrk(url, options.seconds, options.connections)
                    results.setdefault((name, page), []).append(figures)
                    print(f"  round {round_number + 1}: {name}, {page}: {figures}", flush=True)
        print(f"\n{options.connections} connections, {options.seconds} s a run, ", end="")
        print(f"median of {options.rounds} rounds, 2 processes per layout\n")
        print("| layout | page | requests/s | p50 (ms) | p99 (ms) | errors |")
        print("|---|---|---|---|---|---|")
        for (name, page), runs in results.items():
            median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
            print(
                f"| {name} | {page} | {median['rps']:.0f} | {median['p50']:.0f} "
                f"| {median['p99']:.0f} | {median['errors']:.0f} |"
            )
    finally:
        for process, _port in servers.values():
            stop(process)


# --- Live streams: many subscribers, a steady flow of events ----------------------------------

LIVE_STREAM = "bench:1"


def live_application() -> object:
    """perchoir.asgi with a stream for the bench (uvicorn --factory serving:live_application)."""
    from perchoir.asgi import application
    from perchoir.live.streams import stream_register

    stream_register("bench", lambda user, key: True, kinds=["bench.message"])
    return application


FRAME_ID = re.compile(rb"^id: (\d+)$", re.MULTILINE)
FRAME_SENT = re.compile(rb'"sent":([\d.]+)')


async def _subscribe(port: int, received: list[tuple[int, float, float]], ready: Any) -> None:
    """One EventSource-like client: records (id, sent at, received at) of each event. Frames
    are read in bulk: the bench's client must cost less than the server it measures."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"GET /live/{LIVE_STREAM}/?last_event_id=0 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Accept: text/event-stream\r\n\r\n".encode()
    )
    pending = b""
    subscribed = False
    try:
        while chunk := await reader.read(65536):
            now = time.time()
            pending += chunk
            complete, _, pending = pending.rpartition(b"\n\n")
            if not subscribed and b'"kinds"' in complete:
                subscribed = True
                ready.release()
            for frame in complete.split(b"\n\n"):
                found = FRAME_ID.search(frame)
                if found:
                    sent = FRAME_SENT.search(frame)
                    received.append((int(found[1]), float(sent[1]) if sent else now, now))
    finally:
        writer.close()


def _publish_steadily(env: dict[str, str], rate: float, seconds: float) -> list[int]:
    """Publish from another process, as the worker or another web process would."""
    script = (
        "import time, json\n"
        "from perchoir.live.streams import stream_register\n"
        "from perchoir.live.services import live_event_publish\n"
        "from perchoir.live.models import LiveEvent\n"
        "stream_register('bench', lambda u, k: True, kinds=['bench.message'])\n"
        f"start = time.monotonic(); n = int({rate} * {seconds})\n"
        "for i in range(n):\n"
        f"    time.sleep(max(0, start + i / {rate} - time.monotonic()))\n"
        f"    live_event_publish(stream='{LIVE_STREAM}', kind='bench.message',"
        " payload={'n': i, 'sent': time.time()})\n"
        f"print(json.dumps(list(LiveEvent.objects.filter(stream='{LIVE_STREAM}')"
        ".order_by('id').values_list('id', flat=True))))\n"
    )
    output = subprocess.run(
        [PY, "-m", "perchoir", "shell", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 120,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def _cpu_seconds(pid: int) -> float:
    """User and system time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _live_run(
    port: int, server_pid: int, env: dict[str, str], options: argparse.Namespace
) -> None:
    ready = asyncio.Semaphore(0)
    inboxes: list[list[tuple[int, float, float]]] = [[] for _ in range(options.subscribers)]
    clients = []
    for inbox in inboxes:  # connect gradually, as browsers do
        clients.append(asyncio.create_task(_subscribe(port, inbox, ready)))
        await asyncio.sleep(0.002)
    for _ in inboxes:
        await asyncio.wait_for(ready.acquire(), 120)
    print(f"{options.subscribers} subscribers connected; publishing", flush=True)
    cpu_before, wall_before = _cpu_seconds(server_pid), time.monotonic()
    published = await asyncio.to_thread(_publish_steadily, env, options.rate, options.live_seconds)
    deadline = time.monotonic() + 60  # the last events' way through, on a busy machine
    while time.monotonic() < deadline and any(len(i) < len(published) for i in inboxes):
        await asyncio.sleep(0.5)
    server_cpu = _cpu_seconds(server_pid) - cpu_before
    server_share = server_cpu / (time.monotonic() - wall_before)
    for client in clients:
        client.cancel()
    await asyncio.gather(*clients, return_exceptions=True)
    complete = sum(1 for inbox in inboxes if [e[0] for e in inbox] == published)
    delays = sorted((got - sent) * 1000 for inbox in inboxes for _id, sent, got in inbox)
    frames = sum(len(inbox) for inbox in inboxes)
    print(
        "\n| subscribers | events | every event, in order | delay p50 | p99 | max "
        "| server CPU | CPU per 10,000 frames |"
    )
    print("|---|---|---|---|---|---|---|---|")
    print(
        f"| {options.subscribers} | {len(published)} ({options.rate:g}/s for "
        f"{options.live_seconds:g} s) | {complete}/{len(inboxes)} "
        f"| {_percentile(delays, 50):.0f} ms | {_percentile(delays, 99):.0f} ms "
        f"| {max(delays, default=0):.0f} ms | {server_share:.0%} of a core "
        f"| {server_cpu / max(frames, 1) * 10_000:.2f} s |"
    )


def _percentile(values: list[float], percent: float) -> float:
    return values[min(len(values) - 1, int(len(values) * percent / 100))] if values else 0.0


def live(env: dict[str, str], options: argparse.Namespace) -> None:
    """One web process (the hub of one process), publishes from another process."""
    port = free_port()
    command = [
        PY, "-m", "uvicorn", "--factory", "serving:live_application", "--app-dir", "bench",
        "--host", "127.0.0.1", "--port", str(port), "--loop", "uvloop", "--http", "httptools",
        "--no-access-log", "--log-level", "warning", "--timeout-graceful-shutdown", "1",
    ]  # fmt: skip
    process = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)
    try:
        wait_until_answering(port, process)
        asyncio.run(_live_run(port, process.pid, env, options))
    finally:
        stop(process)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--layout", action="append", choices=sorted(LAYOUTS))
    parser.add_argument("--page", action="append", choices=sorted(PAGES))
    parser.add_argument("--live", action="store_true", help="measure live streams instead")
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=10, help="events a second")
    parser.add_argument("--live-seconds", type=float, default=60)
    options = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    var_dir = tempfile.mkdtemp(prefix="perchoir-bench-")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PERCHOIR_", "DJANGO_"))}
    env |= {"PERCHOIR_VAR_DIR": var_dir, "DJANGO_SETTINGS_MODULE": "perchoir.settings"}
    env["PERCHOIR_BENCH_BASELINE"] = "1"
    for name in ("PERCHOIR_DATABASE_URL", "PERCHOIR_REDIS_URL"):
        if os.environ.get(name):
            env[name] = os.environ[name]
    try:
        prepare_site(env)
        if options.live:
            live(env, options)
        else:
            compare(options.layout or list(LAYOUTS), env, options)
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
