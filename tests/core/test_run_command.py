"""`perchoir run` as a person uses it: one command, a web server and a worker, Ctrl-C stops both.

The live streams over HTTP, served by the same server, are tested in tests/live/test_http.py.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
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
    # (ps exits with 1 when there are none)
    ps = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return ps.stdout.split()


def descendants_of(pid: int) -> list[str]:
    """Children, and theirs: the web server's own worker processes."""
    found = children_of(pid)
    for child in list(found):
        found += descendants_of(int(child))
    return found


def ended(pid: int, seconds: float = 15) -> bool:
    """The process has exited (a zombie waiting for its parent counts), within `seconds`: the
    web server's helpers (multiprocessing's resource tracker) leave just after it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state == "Z":
            return True
        time.sleep(0.1)
    return False


def test_run_serves_the_site_prints_a_founder_link_once_and_stops_cleanly(tmp_path):
    port = free_port()
    process = start(tmp_path, port)
    lines = wait_for_line(process, r"Press Ctrl-C")
    printed = "".join(lines)
    assert f"http://127.0.0.1:{port}/" in printed
    founder = re.search(rf"http://127\.0\.0\.1:{port}/invitations/founder/\S+/", printed)
    assert founder, printed
    assert str(tmp_path / "mail") in printed
    assert len(children_of(process.pid)) == 2, "a web server and a worker"
    processes = descendants_of(process.pid)

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=60) as response:
        assert response.status == 200
        assert "Perchoir" in response.read().decode()
    with urllib.request.urlopen(founder.group(0), timeout=60) as response:  # noqa: S310
        assert "/accounts/signup/" in response.url
    # Live streams at the same address: an unknown one is absent, like any page.
    with pytest.raises(urllib.error.HTTPError) as absent:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/live/nothing:1/", timeout=60)
    assert absent.value.code == 404

    output = stop(process)
    assert process.returncode == 0
    assert "Perchoir stopped." in output
    for pid in processes:
        assert ended(int(pid)), "Ctrl-C stops the server and the worker"

    # A second start keeps the data (the same database) and prints a fresh link: still no account.
    process = start(tmp_path, port)
    printed = "".join(wait_for_line(process, r"Press Ctrl-C"))
    second = re.search(rf"http://127\.0\.0\.1:{port}/invitations/founder/\S+/", printed)
    stop(process)
    assert second
    assert second.group(0) != founder.group(0)
    assert (tmp_path / "perchoir.sqlite3").exists()
