"""The `scaling` scenario: the conversation page served by one web process, then by two behind
nginx, in the same run, and the ratio of their throughputs.

Both layouts go through nginx (Debian's package), so that the proxy's cost is in both: nginx
listens on two ports, one whose upstream is the first web process alone, one whose upstream is
both (the upstream of deploy/nginx/perchoir.conf, keep-alive to the processes). The processes are
`perchoir serve`, as deploy/systemd/ starts them, one uvicorn process each; no worker is needed
to read. Rounds alternate between the layouts, so that a change in the machine's load hits both.
"""

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path

from .dataset import READING_TITLE
from .load import LoadResult, load, load_tool
from .pages import READING_ID, Page, check_page
from .report import LOAD_HEADER, combined, load_row, machine_line, table, verdict
from .site import _wait_until_serving, free_port
from .target import ROOT, Target

TARGET_RATIO = 1.7
PAGE = Page("conversation, first 200 messages", f"/c/{READING_ID}/", READING_TITLE)


@contextmanager
def web_process(target: Target, port: int) -> Iterator[None]:
    """One `perchoir serve` process, as a systemd unit starts it."""
    log = target.var_dir / f"bench-serve-{port}.log"
    per_address = {
        "RATE_LIMIT_WRITES_PER_ADDRESS": "1000000/60",
        "RATE_LIMIT_EXPENSIVE_READS_PER_ADDRESS": "1000000/60",
    }
    env = target.environ(BENCH_BASELINE="1", LOG_LEVEL="WARNING", WEB_WORKERS="1", **per_address)
    command = [sys.executable, "-m", "perchoir", "serve", "--port", str(port)]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        _wait_until_serving(port, process, log)
        yield
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=20)
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # its own session, and only it
    log.unlink()


NGINX_CONF = """
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    upstream one {{ server 127.0.0.1:{first}; keepalive 32; }}
    upstream two {{ server 127.0.0.1:{first}; server 127.0.0.1:{second}; keepalive 32; }}
    server {{
        listen 127.0.0.1:{one_port};
        location / {{ proxy_pass http://one; proxy_http_version 1.1;
                     proxy_set_header Connection ""; proxy_set_header Host $http_host; }}
    }}
    server {{
        listen 127.0.0.1:{two_port};
        location / {{ proxy_pass http://two; proxy_http_version 1.1;
                     proxy_set_header Connection ""; proxy_set_header Host $http_host; }}
    }}
}}
"""


@contextmanager
def nginx(first: int, second: int) -> Iterator[tuple[str, str]]:
    """nginx in front: (address of one process, address of both)."""
    if not shutil.which("nginx"):
        raise SystemExit("The scaling scenario needs Debian's nginx: apt-get install nginx")
    one_port, two_port = free_port(), free_port()
    with tempfile.TemporaryDirectory(prefix="perchoir-bench-nginx-") as folder:
        conf = Path(folder) / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(
                folder=folder, first=first, second=second, one_port=one_port, two_port=two_port
            )
        )
        # A single worker process (as root it would run workers as nobody, who needs no file
        # here): nginx takes a little CPU from the two cores in both layouts alike.
        subprocess.run(["nginx", "-p", folder, "-c", str(conf)], check=True)
        try:
            yield f"http://127.0.0.1:{one_port}", f"http://127.0.0.1:{two_port}"
        finally:
            subprocess.run(["nginx", "-p", folder, "-c", str(conf), "-s", "quit"], check=False)


def scaling(target: Target, options: argparse.Namespace) -> None:
    print(f"Scenario scaling · {machine_line()}\nSite: {target.describe()}")
    print(
        f"Load: {load_tool()}, {options.connections} connections, {options.rounds} rounds of "
        f"{options.seconds:g} s a layout, alternating\n"
    )
    target.activate()
    first, second = free_port(), free_port()
    with ExitStack() as stack:
        stack.enter_context(web_process(target, first))
        stack.enter_context(web_process(target, second))
        one, two = stack.enter_context(nginx(first, second))
        urls = {"1 web process behind nginx": one, "2 web processes behind nginx": two}
        for url in urls.values():
            asyncio.run(check_page(url, PAGE))
            load(url + PAGE.path, seconds=options.warmup, connections=options.connections)
        rounds: dict[str, list[LoadResult]] = {name: [] for name in urls}
        for _ in range(options.rounds):
            for name, url in urls.items():
                rounds[name].append(
                    load(url + PAGE.path, seconds=options.seconds, connections=options.connections)
                )
    results = {name: combined(found) for name, found in rounds.items()}
    single = results["1 web process behind nginx"]
    header = [*LOAD_HEADER[:-1], "x 1 process"]
    print(table(header, [load_row(name, r, single) for name, r in results.items()]))
    ratio = results["2 web processes behind nginx"].rps / single.rps if single.rps else 0.0
    print(f"\nScaling ratio (2 processes / 1): {ratio:.2f}x")
    print(verdict(ratio >= TARGET_RATIO, f"≥ {TARGET_RATIO}x with two processes", f"{ratio:.2f}x"))
    print(f"\n{machine_line()}")
