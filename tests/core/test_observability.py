"""Health and readiness probes, and a request id that follows a request into the logs of the
background task it enqueued, run by the real worker."""

import json
import logging
import os
import subprocess
import sys

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from perchoir.core.observability import JsonFormatter, RequestIdFilter, request_id_var
from tests.factories import UserFactory
from tests.media.images import image_bytes, upload
from tests.media.test_worker import _database_url


@pytest.mark.django_db
def test_healthz_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response.headers["Cache-Control"]


@pytest.mark.django_db
def test_readyz_checks_the_database_the_cache_and_the_storage(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "cache": "ok", "storage": "ok"},
    }


@pytest.mark.django_db
def test_readyz_says_which_part_is_down(client, monkeypatch):
    def unreachable(name: str) -> bool:
        raise ConnectionError("storage down")

    monkeypatch.setattr(default_storage, "exists", unreachable)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready"
    assert body["checks"]["storage"] == "error: ConnectionError"
    assert body["checks"]["database"] == "ok"


def test_every_answer_carries_a_request_id_and_keeps_a_sane_one_from_the_proxy(client):
    made = client.get("/healthz")["X-Request-ID"]
    assert len(made) == 32
    assert client.get("/healthz")["X-Request-ID"] != made
    given = client.get("/healthz", HTTP_X_REQUEST_ID="edge-4f2a9c1b")
    assert given["X-Request-ID"] == "edge-4f2a9c1b"
    forged = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nwith a new line")
    assert forged["X-Request-ID"] != "bad id\nwith a new line"
    assert len(forged["X-Request-ID"]) == 32


def test_a_json_log_line_names_the_request():
    record = logging.LogRecord("perchoir.test", logging.WARNING, __file__, 1, "Hi %s", ("x",), None)
    token = request_id_var.set("req-12345678")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "Hi x"
    assert line["level"] == "WARNING"
    assert line["request_id"] == "req-12345678"


@pytest.mark.django_db(transaction=True)
def test_the_request_id_is_in_the_logs_of_the_task_the_request_enqueued(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    member = UserFactory()
    browser = Client()
    browser.force_login(member)
    response = browser.post(
        "/settings/profile/",
        {
            "display_name": "Ada",
            "handle": member.handle,
            "bio": "",
            "avatar": upload(image_bytes("PNG", size=(300, 300)), "me.png"),
        },
        HTTP_X_REQUEST_ID="edge-req-77aa88bb",
    )
    assert response.status_code == 302

    env = {
        **os.environ,
        "PERCHOIR_DATABASE_URL": _database_url(),
        "PERCHOIR_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PERCHOIR_TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "PERCHOIR_CACHE_PREFIX": settings.CACHES["default"].get("KEY_PREFIX", ""),
        "PERCHOIR_LOG_FORMAT": "json",
        "PERCHOIR_LOG_LEVEL": "INFO",
    }
    finished = subprocess.run(
        [sys.executable, "-m", "perchoir", "db_worker", "--batch", "--no-startup-delay"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    lines = [json.loads(line) for line in finished.stderr.splitlines() if line.startswith("{")]
    task_lines = [line for line in lines if "image_thumbnails_task" in line["message"]]
    assert task_lines, finished.stderr
    assert {line["request_id"] for line in task_lines} == {"edge-req-77aa88bb"}
