"""`/metrics` in Prometheus' text format: requests, latencies, the task queue, live subscribers.

Every web process (uvicorn runs several) and the worker write their numbers to files in one
directory (prometheus_client's multiprocess mode, decision 0014), so whichever process answers
a scrape reports the whole machine. The queue depth is read from the database at each scrape.

Only loopback callers that did not come through a proxy may read it, or callers with
`Authorization: Bearer <PERCHOIR_METRICS_TOKEN>`.
"""

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from django.conf import settings

# Before prometheus_client is imported: it chooses where values live when it is.
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(settings.METRICS_DIR)
Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)

from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.views.decorators.cache import never_cache  # noqa: E402
from prometheus_client import (  # noqa: E402
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily  # noqa: E402
from prometheus_client.registry import Collector  # noqa: E402

logger = logging.getLogger(__name__)

METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

REQUESTS = Counter(
    "perchoir_http_requests",
    "HTTP requests answered, by method, route name and status class.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "perchoir_http_request_duration_seconds",
    "Time to answer (for event streams: to start answering), by method and route name.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
# The sum over the processes that are alive (the files of dead ones are removed at each scrape).
LIVE_SUBSCRIBERS = Gauge(
    "perchoir_live_subscribers",
    "Open live-update streams (server-sent events).",
    multiprocess_mode="livesum",
)
# One sample per web process: 0 while its hub polls the database because Redis is away.
LIVE_REDIS_LISTENING = Gauge(
    "perchoir_live_redis_listening",
    "1 while this process's live hub is woken by Redis pub/sub, 0 while it polls the database.",
    multiprocess_mode="liveall",
)
TASKS_FINISHED = Counter(
    "perchoir_tasks_finished",
    "Background tasks finished by the worker, by task and outcome.",
    ["task", "status"],
)


def route_of(request: HttpRequest) -> str:
    """The URL's name (`conversations:conversation-detail`), never the path: a bounded set."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.view_name or match._func_path


class MetricsMiddleware:
    """Counts and times every request; placed first, beside the request id, so that what the
    other middleware answer (rate limits, errors) is counted too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        method = request.method if request.method in METHODS else "other"
        route = route_of(request)
        LATENCY.labels(method, route).observe(time.perf_counter() - started)
        REQUESTS.labels(method, route, f"{response.status_code // 100}xx").inc()
        return response


class TaskQueueCollector(Collector):
    """Tasks waiting and running, by queue, read from django-tasks-db's table at each scrape."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "perchoir_tasks",
            "Background tasks waiting or running, by queue.",
            labels=["queue", "status"],
        )
        from django.db.models import Count
        from django_tasks_db.models import DBTaskResult

        try:
            rows = (
                DBTaskResult.objects.filter(status__in=["READY", "RUNNING"])
                .values_list("queue_name", "status")
                .annotate(count=Count("id"))
                .order_by()
            )
            counts = {(queue, status): count for queue, status, count in rows}
        except Exception:  # the database is away: the scrape still answers, without this family
            logger.warning("metrics: could not count the background tasks", exc_info=True)
            return
        for queue in {queue for queue, _ in counts} | {"default"}:
            for status in ("READY", "RUNNING"):
                family.add_metric([queue, status.lower()], counts.get((queue, status), 0))
        yield family


def _forget_dead_processes(directory: str) -> None:
    """A live gauge's file from a process that is gone (a web process restarted, killed) would
    count forever: remove it, as prometheus_client expects the server to on each exit."""
    for path in Path(directory).glob("gauge_live*_*.db"):
        pid = int(path.stem.rpartition("_")[2])
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            multiprocess.mark_process_dead(pid, directory)
        except PermissionError:  # alive, another user's
            pass


def metrics_text() -> bytes:
    directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    _forget_dead_processes(directory)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)
    registry.register(TaskQueueCollector())
    return generate_latest(registry)


def _may_read(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        if hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return True
    # A request a local reverse proxy passed on comes from loopback too: it names the client.
    if any(h in request.headers for h in ("X-Forwarded-For", "X-Real-IP", "Forwarded")):
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not _may_read(request):
        response = HttpResponse(status=403, content_type="text/plain")
        response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(metrics_text(), content_type=CONTENT_TYPE_LATEST)


def task_finished(sender: object, task_result: object, **kwargs: object) -> None:
    name = getattr(getattr(task_result, "task", None), "name", "unknown")
    status = str(getattr(task_result, "status", "unknown")).rpartition(".")[2].lower()
    TASKS_FINISHED.labels(name, status).inc()
