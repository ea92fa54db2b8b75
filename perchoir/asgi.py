"""The ASGI application that `perchoir run` serves: pages, the API and live updates at one address.

- `/live/…` (server-sent events) runs in Django's async handler. It is entered through
  `ASGIHandler.handle` rather than `__call__`, i.e. without a thread per request: the short
  synchronous steps of every open stream (middleware, the permission check, the replay) share the
  process's one thread-sensitive thread and its database connection, so a thousand waiting
  streams hold neither a thousand threads nor a thousand database connections.
- Every other path runs Django's WSGI handler in a pool of threads, as gunicorn's gthread workers
  do: sync views measured faster that way than under Django's ASGI handler (decision 0006).
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "perchoir.settings")

from typing import Any

from a2wsgi import WSGIMiddleware
from django.core.asgi import get_asgi_application
from django.core.wsgi import get_wsgi_application

LIVE_PREFIX = "/live/"
# Threads for pages in each process (blocking work: templates, database); like gunicorn's --threads.
PAGE_THREADS = int(os.environ.get("PERCHOIR_WEB_THREADS", "8"))

live_handler = get_asgi_application()
pages = WSGIMiddleware(get_wsgi_application(), workers=PAGE_THREADS)  # type: ignore[arg-type]

Scope = dict[str, Any]


async def application(scope: Scope, receive: Any, send: Any) -> None:
    if scope["type"] == "http":
        if scope["path"].startswith(LIVE_PREFIX):
            await live_handler.handle(scope, receive, send)
        else:
            await pages(scope, receive, send)  # type: ignore[arg-type]
    elif scope["type"] == "lifespan":
        await _lifespan(receive, send)
    # WebSockets are not served: returning without accepting refuses them.


async def _lifespan(receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            from perchoir.live.hub import hub_stop  # (once Django is set up)

            # Open streams end; browsers reconnect (to another process) with Last-Event-ID.
            await hub_stop()
            await send({"type": "lifespan.shutdown.complete"})
            return
