"""perchoir.asgi as `perchoir run` serves it, plus what the tests need inside the server process:
the tests' stream, publishing as a view of the site would (POST /test/publish/?stream=…&text=…),
and a bare page that follows a stream with live.js (GET /test/page/?stream=…&last=…)."""

from typing import Any
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from django.template import engines

from perchoir.asgi import application as perchoir_application
from perchoir.live.services import live_event_publish

from .streams import register

register()

PAGE = """{% load static %}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Live</title>
<script src="{% static 'perchoir/js/live.js' %}" defer></script></head>
<body><main>
<div id="thread" data-live-url="{% url 'live:stream' stream %}"
  data-live-last-event-id="{{ last }}"></div>
{% include "live/_status.html" %}
</main></body></html>"""


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    path = scope.get("path")
    if scope["type"] != "http" or path not in {"/test/publish/", "/test/page/"}:
        await perchoir_application(scope, receive, send)
        return
    query = {k: v[0] for k, v in parse_qs(scope["query_string"].decode()).items()}
    if path == "/test/publish/":
        await sync_to_async(live_event_publish)(
            stream=query["stream"], kind="note.created", payload={"text": query["text"]}
        )
        await _answer(send, 204, b"")
    else:
        template = engines["django"].from_string(PAGE)
        html = await sync_to_async(template.render)(query)
        await _answer(send, 200, html.encode(), b"text/html; charset=utf-8")


async def _answer(send: Any, status: int, body: bytes, content_type: bytes = b"text/plain") -> None:
    headers = [(b"content-type", content_type)]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
