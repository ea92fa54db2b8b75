"""`perchoir run` as a person uses it: one command, a web server and a worker, Ctrl-C stops both."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_line(process: subprocess.Popen[str], pattern: str, seconds: float = 60) -> list[str]:
    """Lines printed until one matches `pattern` (the process is killed if it never comes)."""
    deadline = time.monotonic() + seconds
    lines: list[str] = []
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        lines.append(line)
        if re.search(pattern, line):
            return lines
    process.kill()
    pytest.fail(f"never printed {pattern!r}; got:\n{''.join(lines)}")


def start(var_dir: Path, port: int) -> subprocess.Popen[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PERCHOIR_", "DJANGO_", "PYTEST_"))
    }
    env |= {"PERCHOIR_VAR_DIR": str(var_dir), "PERCHOIR_PORT": str(port)}
    return subprocess.Popen(
        [sys.executable, "-m", "perchoir", "run"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=60)
    return output


def children_of(pid: int) -> list[str]:
    result = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=True
    )
    return result.stdout.split()


def test_run_serves_the_site_prints_a_founder_link_once_and_stops_cleanly(tmp_path):
    port = free_port()
    process = start(tmp_path, port)
    lines = wait_for_line(process, r"Press Ctrl-C")
    printed = "".join(lines)
    assert f"http://127.0.0.1:{port}/" in printed
    founder = re.search(rf"http://127\.0\.0\.1:{port}/invitations/founder/\S+/", printed)
    assert founder, printed
    assert str(tmp_path / "mail") in printed
    children = children_of(process.pid)
    assert len(children) == 2, "a web server and a worker"

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=60) as response:
        assert response.status == 200
        assert "Perchoir" in response.read().decode()
    with urllib.request.urlopen(founder.group(0), timeout=60) as response:  # noqa: S310
        assert "/accounts/signup/" in response.url

    output = stop(process)
    assert process.returncode == 0
    assert "Perchoir stopped." in output
    for child in children:
        assert not Path(f"/proc/{child}").exists(), "Ctrl-C stops the server and the worker"

    # A second start keeps the data (the same database) and prints a fresh link: still no account.
    process = start(tmp_path, port)
    printed = "".join(wait_for_line(process, r"Press Ctrl-C"))
    second = re.search(rf"http://127\.0\.0\.1:{port}/invitations/founder/\S+/", printed)
    stop(process)
    assert second
    assert second.group(0) != founder.group(0)
    assert (tmp_path / "perchoir.sqlite3").exists()
