"""`perchoir serve`: the web server alone, as the systemd units and `make cluster` start it."""

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_answers_without_migrating_or_starting_a_worker(tmp_path: Path):
    port = _free_port()
    database = tmp_path / "fresh.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PERCHOIR_", "PYTEST_"))}
    env |= {
        "PERCHOIR_VAR_DIR": str(tmp_path),
        "PERCHOIR_DATABASE_URL": f"sqlite:///{database}",
        "PERCHOIR_SECRET_KEY": "serve-test",
    }
    command = [sys.executable, "-m", "perchoir", "serve", "--port", str(port)]
    with (tmp_path / "serve.log").open("wb") as log:
        process = subprocess.Popen(command, env=env, cwd=settings.BASE_DIR, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert process.poll() is None, (tmp_path / "serve.log").read_text()
                assert time.monotonic() < deadline, "perchoir serve never answered"
                time.sleep(0.2)
        # The command became the web server itself (a process manager's signals reach it)...
        cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes().split(b"\0")
        assert b"uvicorn" in cmdline
        assert str(port).encode() in cmdline
        # ...with no worker beside it,
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        assert children == []
        # and the database was left as it was: migrating is the operator's step.
        with sqlite3.connect(database) as connection:
            tables = connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            assert "django_migrations" not in {row[0] for row in tables}
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert process.returncode in {0, -15}
