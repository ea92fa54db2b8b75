"""The real web server of `perchoir run` (uvicorn serving perchoir.asgi) in a subprocess, against
the test database, for tests that need it: live streams over HTTP, browser tests of live pages.

Registered in tests/conftest.py with `pytest_plugins = ["tests.asgi_server"]`. Fixtures:

- `asgi_live_server`: the server's `.url` ("http://127.0.0.1:PORT"); the test's data is committed
  (transactional_db) so that the server sees it. A browser test module serves every page from it
  by overriding pytest-django's fixture, which `page` and `sign_in` use:

      @pytest.fixture
      def live_server(asgi_live_server):
          return asgi_live_server

- `asgi_server_factory(app=..., **environment)`: more servers, each its own process (stopped at
  the end of the test), e.g. to show that an event reaches the subscribers of another process.
"""

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from perchoir.core.management.commands.run import web_server_command

APP = "perchoir.asgi:application"


class _NoSettingsToChange:
    """pytest-django enables and disables this on whatever serves as `live_server`; a server in
    another process needs nothing changed in this one."""

    def enable(self) -> None:
        pass

    def disable(self) -> None:
        pass


@dataclass
class AsgiServer:
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    _live_server_modified_settings: _NoSettingsToChange = field(default_factory=_NoSettingsToChange)

    def __str__(self) -> str:
        return self.url

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _test_database_url() -> str:
    """The test database, which pytest-django has created by now, as PERCHOIR_DATABASE_URL."""
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{database['NAME']}"
    credentials = quote(database["USER"] or "")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"])
    host = f"{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
    return f"postgres://{credentials}@{host}/{database['NAME']}"


def _environment(overrides: dict[str, str]) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    environment |= {
        "DJANGO_SETTINGS_MODULE": "perchoir.settings",
        "PERCHOIR_VAR_DIR": str(settings.VAR_DIR),
        "PERCHOIR_DATABASE_URL": _test_database_url(),
        "PERCHOIR_SECRET_KEY": settings.SECRET_KEY,  # sessions made by the tests are valid there
        "PERCHOIR_TESTING": "1",  # the tests' password hasher, no persistent connections
        "PERCHOIR_TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "PERCHOIR_REDIS_URL": settings.REDIS_URL,
        "PERCHOIR_LIVE_POLL_SECONDS": "0.2",
    }
    return environment | overrides


def _wait_until_answering(server: AsgiServer, seconds: float = 60) -> None:
    """Until a first page has been served: Django has loaded everything it loads lazily."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"the ASGI server stopped:\n{server.output()}")
        try:
            wait = max(1.0, deadline - time.monotonic())
            with urllib.request.urlopen(f"{server.url}/", timeout=wait):  # noqa: S310
                return
        except urllib.error.HTTPError:
            return  # an answer all the same
        except (OSError, urllib.error.URLError):
            time.sleep(0.1)
    pytest.fail(f"the ASGI server never answered:\n{server.output()}")


def _start(log_dir: Path, app: str, overrides: dict[str, str]) -> AsgiServer:
    port = _free_port()
    log = log_dir / f"asgi-{port}.log"
    command = web_server_command(host="127.0.0.1", port=port, workers=1, app=app)
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            env=_environment(overrides),
            cwd=settings.BASE_DIR,  # `app` may live under tests/
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = AsgiServer(url=f"http://127.0.0.1:{port}", process=process, log=log)
    _wait_until_answering(server)
    return server


def _stop(server: AsgiServer) -> None:
    # Before the test database is dropped: PostgreSQL refuses while a connection is open.
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture(scope="session")
def _asgi_server_process(
    django_db_setup: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AsgiServer]:
    server = _start(tmp_path_factory.mktemp("asgi"), APP, {})
    yield server
    _stop(server)


@pytest.fixture(autouse=True)
def _asgi_server_database(request: pytest.FixtureRequest) -> None:
    """Committed data for the tests that use a server, set up before any conftest's autouse
    fixtures (and so torn down after them), as pytest-django does for `live_server`."""
    if {"asgi_live_server", "asgi_server_factory"} & set(request.fixturenames):
        request.getfixturevalue("transactional_db")


@pytest.fixture
def asgi_live_server(transactional_db: None, _asgi_server_process: AsgiServer) -> AsgiServer:
    """The real ASGI server, one for the whole session; the test's data is committed."""
    if _asgi_server_process.process.poll() is not None:
        pytest.fail(f"the ASGI server stopped:\n{_asgi_server_process.output()}")
    return _asgi_server_process


@pytest.fixture
def asgi_server_factory(
    transactional_db: None, tmp_path: Path
) -> Iterator[Callable[..., AsgiServer]]:
    """asgi_server_factory(app=APP, **environment) starts one more server process."""
    started: list[AsgiServer] = []

    def start(app: str = APP, **environment: str) -> AsgiServer:
        started.append(_start(tmp_path, app, environment))
        return started[-1]

    yield start
    for server in started:
        _stop(server)
