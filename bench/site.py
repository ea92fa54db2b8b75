"""The site served as in production, in a subprocess: `perchoir run` with two web processes.

The bench starts the very command people run (`python -m perchoir run`), so it measures whatever
serving layout that command chooses (docs/decisions/), with its background worker beside it;
never Django's development server. The baseline page is switched on for the run.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from .target import ROOT, Target

WEB_WORKERS = 2
BASELINE_PATH = "/bench/baseline/"


@dataclass(frozen=True)
class Site:
    url: str
    log: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def site_served(target: Target, **settings: str) -> Iterator[Site]:
    """Serve `target` until the block ends; `settings` are extra PERCHOIR_* variables."""
    port = free_port()
    log = target.var_dir / f"bench-server-{port}.log"  # kept only if something went wrong
    # Every simulated person calls from 127.0.0.1: the per-address limits would cap the whole
    # load at what one address may do. The per-person limits stay as configured.
    per_address = {
        "RATE_LIMIT_WRITES_PER_ADDRESS": "1000000/60",
        "RATE_LIMIT_EXPENSIVE_READS_PER_ADDRESS": "1000000/60",
    }
    env = target.environ(BENCH_BASELINE="1", LOG_LEVEL="WARNING", **(per_address | settings))
    command = [sys.executable, "-m", "perchoir", "run", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--web-workers", str(WEB_WORKERS)]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        _wait_until_serving(port, process, log)
        yield Site(url=f"http://127.0.0.1:{port}", log=log)
    finally:
        _stop(process)
    log.unlink()


def _wait_until_serving(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    """Until the baseline page answers 200: migrated, listening, and with the bench's settings."""
    deadline = time.monotonic() + 120
    request = f"GET {BASELINE_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The site stopped at start; see {log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                sock.sendall(request.encode())
                if sock.recv(12).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"The site did not serve {BASELINE_PATH} within 120 s; see {log}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """As Ctrl-C would (`perchoir run` stops its children); everything it started, if stuck."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=30)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # the session this run started, and only it
