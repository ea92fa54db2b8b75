"""GET /live/<stream>/: a stream's events as server-sent events, replayed from where the client
left off, then as they happen."""

import asyncio
import json
import random
from collections.abc import AsyncIterator

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import HttpRequest, StreamingHttpResponse
from django.views.decorators.http import require_GET

from perchoir.core.errors import NotFound

from . import selectors
from .hub import Delivery, Subscription, hub_get, sse_frame
from .streams import RELOAD_KIND, stream_can_subscribe, stream_kinds

# A comment line now and then keeps proxies and browsers from closing a quiet stream.
HEARTBEAT_SECONDS = 15.0
# More missed events than this: the page reloads instead of catching up one by one.
REPLAY_LIMIT = 500
# How soon the browser reconnects after a network error, and after the planned end of a stream.
RETRY_MS = 3000
RECONNECT_MS = (500, 2500)


@require_GET
async def stream(request: HttpRequest, stream: str) -> StreamingHttpResponse:
    if not await sync_to_async(stream_can_subscribe)(request.user, stream):
        raise NotFound()
    response = StreamingHttpResponse(
        _event_stream(stream, _resume_after(request)), content_type="text/event-stream"
    )
    response["Cache-Control"] = "no-cache, no-store"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response


def _resume_after(request: HttpRequest) -> int | None:
    """The last event the client has: EventSource's header on reconnects, else the id the page
    was rendered with. None: only what happens from now on."""
    value = request.headers.get("Last-Event-ID") or request.GET.get("last_event_id", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


async def _event_stream(stream: str, after: int | None) -> AsyncIterator[bytes]:
    # Registered with the hub before the replay is read: an event committed in between is in
    # the replay, the queue, or both (and then dropped below), never in neither.
    subscription = await hub_get().subscribe(stream)
    try:
        yield _hello(stream)
        last = 0
        if after is not None:
            frames, last = await sync_to_async(_catch_up)(stream, after)
            for frame in frames:
                yield frame
        async for delivery in _live(subscription):
            if delivery.id > last:
                last = delivery.id
                yield delivery.frame
            elif delivery.id < 0:  # a heartbeat
                yield delivery.frame
        # Planned end (or too far behind): the browser comes back with Last-Event-ID.
        yield f"retry: {random.randint(*RECONNECT_MS)}\n\n".encode()
    finally:
        subscription.end()


def _hello(stream: str) -> bytes:
    """The first frame: how soon to reconnect, and (an unnamed event, which EventSource hands to
    `onmessage`) the event types to listen to, since EventSource cannot listen to all types."""
    hello = json.dumps({"kinds": stream_kinds(stream)}, separators=(",", ":"))
    return f"retry: {RETRY_MS}\ndata: {hello}\n\n".encode()


def _catch_up(stream: str, after: int) -> tuple[list[bytes], int]:
    """The frames the client missed and the id of the last one."""
    events = selectors.live_events_after(stream=stream, after=after, limit=REPLAY_LIMIT + 1)
    gone = after > 0 and not selectors.live_event_kept(stream=stream, event_id=after)
    if gone or len(events) > REPLAY_LIMIT:
        # Too much to replay: the page reloads. The reload carries the newest id, so a browser
        # that does not reload resumes from there rather than being told again and again.
        newest = selectors.live_stream_last_event_id(stream)
        return [sse_frame(event_id=newest, kind=RELOAD_KIND, data={})], newest
    frames = [sse_frame(event_id=e.id, kind=e.kind, data=e.payload) for e in events]
    return frames, events[-1].id if events else after


_HEARTBEAT = Delivery(id=-1, stream="", frame=b": keep-alive\n\n")


async def _live(subscription: Subscription) -> AsyncIterator[Delivery]:
    """What the hub delivers, with heartbeats, until the stream's time is up or the hub ends it.

    Each stream lasts a little less than LIVE_STREAM_MAX_SECONDS, at random, so that browsers
    that connected together do not all reconnect together.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + settings.LIVE_STREAM_MAX_SECONDS * random.uniform(0.9, 1.0)
    while (remaining := deadline - loop.time()) > 0:
        try:
            async with asyncio.timeout(min(HEARTBEAT_SECONDS, remaining)):
                delivery = await subscription.next()
        except TimeoutError:
            if deadline - loop.time() > 0:
                yield _HEARTBEAT
            continue
        if delivery is None:
            return
        yield delivery
