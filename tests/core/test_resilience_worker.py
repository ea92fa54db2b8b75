"""The real `perchoir worker`: a task whose worker is killed mid-run runs again, once, in
another worker (and a living worker's task is left alone); the worker waits out a database
outage instead of exiting, and runs what is queued once the database is back."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_tasks_db.models import DBTaskResult

from tests.media.worker import database_url as default_database_url

from .tcp_proxy import TcpProxy
from .worker_tasks import slow_effect_task

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []

    def start(database_url: str = "") -> subprocess.Popen[bytes]:
        environment = {
            **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")},
            "PERCHOIR_VAR_DIR": str(settings.VAR_DIR),
            "PERCHOIR_DATABASE_URL": database_url or default_database_url(),
            "PERCHOIR_TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
            "PERCHOIR_TESTING": "1",
        }
        command = [sys.executable, "-m", "perchoir", "worker", "--no-startup-delay"]
        log = (tmp_path / f"worker-{len(started)}.log").open("wb")
        process = subprocess.Popen(
            [*command, "--interval", "0.1", "--recover-seconds", "0.3"],
            env=environment,
            cwd=settings.BASE_DIR,  # the tests' tasks are importable from there
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for(check: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            pytest.fail("waited in vain")
        time.sleep(0.05)


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def test_a_task_whose_worker_is_killed_runs_again_in_another_and_has_its_effect_once(
    queue, start_worker, tmp_path
):
    result = slow_effect_task.enqueue(folder=str(tmp_path))
    first = start_worker()
    wait_for(lambda: len(lines(tmp_path / "attempts")) == 1)
    assert DBTaskResult.objects.get(id=result.id).status == "RUNNING"

    # Another worker looks for abandoned tasks every 0.3 s: a living worker's task is not one.
    second = start_worker()
    time.sleep(2)
    assert lines(tmp_path / "attempts") == [str(first.pid)]

    first.send_signal(signal.SIGKILL)  # no chance to record anything
    first.wait(timeout=10)
    (tmp_path / "go").touch()
    wait_for(lambda: DBTaskResult.objects.get(id=result.id).status == "SUCCESSFUL")
    assert lines(tmp_path / "attempts") == [str(first.pid), str(second.pid)]
    assert lines(tmp_path / "effects") == ["done"]
    assert second.poll() is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_the_worker_waits_out_a_database_outage_and_goes_on(queue, start_worker, tmp_path):
    database = connection.settings_dict
    proxy = TcpProxy(database["HOST"] or "127.0.0.1", int(database["PORT"] or 5432))
    proxy.start()
    try:
        worker = start_worker(
            f"postgres://{database['USER']}:{database['PASSWORD'] or ''}"
            f"@127.0.0.1:{proxy.port}/{database['NAME']}"
        )
        (tmp_path / "go").touch()
        before = slow_effect_task.enqueue(folder=str(tmp_path))
        wait_for(lambda: DBTaskResult.objects.get(id=before.id).status == "SUCCESSFUL")

        proxy.stop()  # PostgreSQL restarts, as far as the worker can tell
        time.sleep(2)
        assert worker.poll() is None, "the worker did not exit"
        during = slow_effect_task.enqueue(folder=str(tmp_path))
        proxy.start()
        wait_for(lambda: DBTaskResult.objects.get(id=during.id).status == "SUCCESSFUL")
        assert lines(tmp_path / "effects") == ["done", "done"]
    finally:
        proxy.close()
