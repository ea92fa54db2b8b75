"""Following one request through the logs: a request id on every log line, carried into the
background tasks the request enqueued; logs as JSON lines when PERCHOIR_LOG_FORMAT=json.

The id comes from the reverse proxy's `X-Request-ID` when it sends a sane one (nginx:
`proxy_set_header X-Request-ID $request_id;`), else it is made here; the answer carries it back.
A task cannot take it as an argument without changing every task, so its enqueueing records
"task id → request id" in the cache for a day, and the worker picks it up when the task starts.
"""

import json
import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

request_id_var: ContextVar[str] = ContextVar("perchoir_request_id", default="")

_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_TASK_KEY = "perchoir:task-request-id:{}"
_TASK_KEY_SECONDS = 24 * 3600
HEADER = "X-Request-ID"


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(HEADER, "")
        request_id = given if _SANE_ID.match(given) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response.headers[HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (empty outside requests and tasks)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id, and the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", ""),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def task_enqueued(sender: object, task_result: Any, **kwargs: object) -> None:
    request_id = request_id_var.get()
    if request_id:
        cache.set(_TASK_KEY.format(task_result.id), request_id, _TASK_KEY_SECONDS)


def task_started(sender: object, task_result: Any, **kwargs: object) -> None:
    request_id = cache.get(_TASK_KEY.format(task_result.id))
    if request_id:
        request_id_var.set(str(request_id))


def task_finished(sender: object, task_result: Any, **kwargs: object) -> None:
    if cache.get(_TASK_KEY.format(task_result.id)) is not None:
        request_id_var.set("")
