"""/metrics: the numbers move when requests, tasks and live subscribers happen, they add up
over several server processes, and only loopback (or the token's bearer) may read them."""

import re
import urllib.request

import pytest
from django.test import Client

from perchoir.live.tasks import live_events_prune_task
from tests.live.sse import HttpEventStream

TEST_APP = "tests.live.asgi_app:application"


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus' text format (0 when it is absent)."""
    for line in text.splitlines():
        match = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})? (\S+)", line)
        if not match or match[1] != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match[2] or ""))
        if found == labels:
            return float(match[3])
    return 0.0


def scrape(client: Client) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    return response.content.decode()


@pytest.mark.django_db
def test_requests_are_counted_by_route_and_status_class_and_timed(client):
    before = scrape(client)
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert client.get("/no-such-page/").status_code == 404
    after = scrape(client)

    ok = {"method": "GET", "route": "core:healthz", "status": "2xx"}
    assert (
        sample(after, "perchoir_http_requests_total", **ok)
        - sample(before, "perchoir_http_requests_total", **ok)
        == 3
    )
    missing = {"method": "GET", "route": "unmatched", "status": "4xx"}
    assert (
        sample(after, "perchoir_http_requests_total", **missing)
        - sample(before, "perchoir_http_requests_total", **missing)
        == 1
    )
    timed = {"method": "GET", "route": "core:healthz"}
    assert (
        sample(after, "perchoir_http_request_duration_seconds_count", **timed)
        - sample(before, "perchoir_http_request_duration_seconds_count", **timed)
        == 3
    )
    assert sample(after, "perchoir_http_request_duration_seconds_bucket", **timed, le="+Inf") >= 3


@pytest.mark.django_db
def test_the_task_queue_depth_is_read_from_the_database(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    waiting = {"queue": "default", "status": "ready"}
    before = sample(scrape(client), "perchoir_tasks", **waiting)
    live_events_prune_task.enqueue()
    live_events_prune_task.enqueue()
    assert sample(scrape(client), "perchoir_tasks", **waiting) == before + 2


@pytest.mark.django_db
def test_finished_tasks_are_counted(client):
    finished = {"task": "live_events_prune_task", "status": "successful"}
    before = sample(scrape(client), "perchoir_tasks_finished_total", **finished)
    live_events_prune_task.enqueue()  # the tests' backend runs it at once
    assert sample(scrape(client), "perchoir_tasks_finished_total", **finished) == before + 1


@pytest.mark.django_db
def test_only_loopback_without_a_proxy_or_the_token_may_read_the_metrics(client, settings):
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200
    refused = client.get("/metrics", REMOTE_ADDR="203.0.113.7")
    assert refused.status_code == 403
    assert b"perchoir_" not in refused.content
    # Through a reverse proxy on the same machine: loopback, but someone else's request.
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 403

    settings.METRICS_TOKEN = "scrape-me-please"
    outside = {"REMOTE_ADDR": "203.0.113.7"}
    assert client.get("/metrics", **outside, HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    allowed = client.get("/metrics", **outside, HTTP_AUTHORIZATION="Bearer scrape-me-please")
    assert allowed.status_code == 200
    assert b"perchoir_http_requests_total" in allowed.content


def test_the_metrics_are_not_in_the_public_api_reference(client):
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert "/metrics" not in schema.content.decode()


def test_several_server_processes_report_one_sum(asgi_server_factory, tmp_path):
    """Two processes (as uvicorn's workers are) write to one directory: a scrape of either
    counts the requests and the open streams of both, and forgets a process that has stopped."""
    shared = {"PERCHOIR_METRICS_DIR": str(tmp_path / "metrics")}
    one = asgi_server_factory(app=TEST_APP, **shared)
    other = asgi_server_factory(app=TEST_APP, **shared)

    def read(server) -> str:
        with urllib.request.urlopen(f"{server.url}/metrics", timeout=10) as response:  # noqa: S310
            return response.read().decode()

    ok = {"method": "GET", "route": "core:healthz", "status": "2xx"}
    for server in (one, one, other):
        urllib.request.urlopen(f"{server.url}/healthz", timeout=10).close()  # noqa: S310
    assert sample(read(other), "perchoir_http_requests_total", **ok) == 3

    streams = [HttpEventStream(f"{server.url}/live/test:3/") for server in (one, other, other)]
    try:
        for stream in streams:
            assert stream.frame().data["kinds"]  # subscribed
        assert sample(read(one), "perchoir_live_subscribers") == 3
        streams.pop(0).close()
        one.process.terminate()
        one.process.wait(timeout=10)
        assert sample(read(other), "perchoir_live_subscribers") == 2
        assert sample(read(other), "perchoir_http_requests_total", **ok) == 3
    finally:
        for stream in streams:
            stream.close()
