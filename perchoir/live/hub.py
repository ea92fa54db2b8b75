"""One hub per process: it reads new events once per wake and fans them out to the open streams.

Wakes come from this process's publishes (hub_wake, after commit), from Redis pub/sub when
PERCHOIR_REDIS_URL is set, and from polling the database every LIVE_POLL_SECONDS otherwise (every
REDIS_SAFETY_POLL_SECONDS while Redis is listened to). Whatever woke it, the hub asks the database
for the events after the last one it saw — one query, however many subscribers — so several
processes work with or without Redis and a lost notification costs only a poll's delay.

A subscriber registers before it replays from the database and drops what it already sent, so
nothing falls in between. Each has a bounded queue: one that falls too far behind is ended (its
browser resumes with Last-Event-ID) rather than slowing the others or filling memory.
"""

import asyncio
import contextlib
import contextvars
import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, connection

from perchoir.core.metrics import LIVE_REDIS_LISTENING, LIVE_SUBSCRIBERS

from . import selectors

logger = logging.getLogger(__name__)

# Events one subscriber may have waiting before it is ended (about 50 s at 10 messages a second).
QUEUE_SIZE = 500
# Events read per query; more are read at once when there are.
FETCH_LIMIT = 500
# With Redis, polling only guards against a notification lost while Redis was unreachable.
REDIS_SAFETY_POLL_SECONDS = 30.0
# A hub nobody has listened to for this long stops polling; the next subscriber starts it again.
IDLE_SECONDS = 60.0


@dataclass(frozen=True)
class Delivery:
    """An event as sent to every subscriber of its stream: encoded once."""

    id: int
    stream: str
    frame: bytes


def sse_frame(*, event_id: int, kind: str, data: Any) -> bytes:
    """`id:`, `event:` and one `data:` line (JSON has no raw line breaks), then a blank line."""
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"id: {event_id}\nevent: {kind}\ndata: {payload}\n\n".encode()


@dataclass(eq=False)
class Subscription:
    stream: str
    hub: "Hub"
    queue: asyncio.Queue[Delivery | None] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    ended: bool = False

    async def next(self) -> Delivery | None:
        """The next event, or None once the hub has ended this subscription."""
        delivery = await self.queue.get()
        return None if self.ended else delivery

    def end(self) -> None:
        self.ended = True
        self.hub.unsubscribe(self)
        # Wakes a waiting next(); a full queue wakes it anyway.
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(None)


class Hub:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.subscribers: dict[str, set[Subscription]] = defaultdict(set)
        self.cursor = 0
        self.wake = asyncio.Event()
        self.starting = asyncio.Lock()
        self.task: asyncio.Task[None] | None = None
        self.redis_task: asyncio.Task[None] | None = None
        self.redis_listening = False

    # --- Subscribers (called from the event loop) -------------------------------------------

    async def subscribe(self, stream: str) -> Subscription:
        await self._start()
        subscription = Subscription(stream=stream, hub=self)
        self.subscribers[stream].add(subscription)
        LIVE_SUBSCRIBERS.inc()
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        listeners = self.subscribers.get(subscription.stream)
        if listeners is not None and subscription in listeners:
            listeners.remove(subscription)
            LIVE_SUBSCRIBERS.dec()
            if not listeners:
                del self.subscribers[subscription.stream]

    def subscriber_count(self) -> int:
        return sum(len(listeners) for listeners in self.subscribers.values())

    # --- Running ----------------------------------------------------------------------------

    async def _start(self) -> None:
        async with self.starting:
            if self.task is not None and not self.task.done():
                return
            # Events up to here are the subscribers' replay; the hub delivers what comes after.
            self.cursor = await _db(selectors.live_last_event_id)
            # A fresh context: the hub outlives the request that started it.
            self.task = self.loop.create_task(self._run(), context=contextvars.Context())
            if settings.REDIS_URL and (self.redis_task is None or self.redis_task.done()):
                self.redis_task = self.loop.create_task(
                    self._listen_to_redis(), context=contextvars.Context()
                )

    async def _run(self) -> None:
        idle_since = self.loop.time()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout=self._poll_seconds())
            self.wake.clear()
            if not self.subscribers:
                if self.loop.time() - idle_since > IDLE_SECONDS:
                    self._stop_listening_to_redis()
                    return
                continue
            idle_since = self.loop.time()
            await self._fetch_and_deliver()

    def _poll_seconds(self) -> float:
        if self.redis_listening:
            return max(settings.LIVE_POLL_SECONDS, REDIS_SAFETY_POLL_SECONDS)
        return settings.LIVE_POLL_SECONDS

    async def _fetch_and_deliver(self) -> None:
        try:
            deliveries = await _db(_deliveries_after, self.cursor)
        except Exception:
            # The database went away for a moment: try again at the next wake or poll.
            logger.exception("live: could not read new events")
            return
        for delivery in deliveries:
            self.cursor = delivery.id
            for subscription in list(self.subscribers.get(delivery.stream, ())):
                try:
                    subscription.queue.put_nowait(delivery)
                except asyncio.QueueFull:
                    subscription.end()  # too far behind: its browser resumes with Last-Event-ID
        if len(deliveries) == FETCH_LIMIT:
            self.wake.set()  # there is more

    async def _listen_to_redis(self) -> None:
        import redis.asyncio as aioredis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        from .notify import live_channel

        channel = live_channel()
        while True:
            # No retrying inside redis-py: while Redis is away the hub must poll at once, and
            # this loop connects again. A silent network is found by the health check's PING.
            client = aioredis.Redis.from_url(
                settings.REDIS_URL,
                retry=Retry(NoBackoff(), 0),
                socket_connect_timeout=2,
                health_check_interval=10,
            )
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(channel)
                    async for message in pubsub.listen():
                        if message["type"] == "subscribe":
                            self._redis_heard(True)
                        # Subscribed (catch up on what was published meanwhile) or notified.
                        self.wake.set()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("live: Redis unreachable, polling the database", exc_info=True)
            finally:
                self._redis_heard(False)
                await client.aclose()
            await asyncio.sleep(settings.LIVE_POLL_SECONDS)

    def _redis_heard(self, listening: bool) -> None:
        """Listening to Redis, or (it is away) polling the database every LIVE_POLL_SECONDS."""
        if listening != self.redis_listening:
            logger.info("live: %s", "woken by Redis" if listening else "polling the database")
            if not listening:
                # The poll loop may be in its long wait for Redis: it must start polling now.
                self.wake.set()
        self.redis_listening = listening
        LIVE_REDIS_LISTENING.set(1 if listening else 0)

    def _stop_listening_to_redis(self) -> None:
        if self.redis_task is not None:
            self.redis_task.cancel()
            self.redis_task = None

    async def stop(self) -> None:
        """End every subscription and stop (the server is shutting down)."""
        for listeners in list(self.subscribers.values()):
            for subscription in list(listeners):
                subscription.end()
        tasks = [task for task in (self.task, self.redis_task) if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.task = self.redis_task = None


def _deliveries_after(cursor: int) -> list[Delivery]:
    return [
        Delivery(
            id=event.id,
            stream=event.stream,
            frame=sse_frame(event_id=event.id, kind=event.kind, data=event.payload),
        )
        for event in selectors.live_events_since(after=cursor, limit=FETCH_LIMIT)
    ]


async def _db(function: Any, *args: Any) -> Any:
    """Run a read in the process's thread for synchronous work, as a request would: connections
    past their age or broken are replaced first."""

    def call() -> Any:
        if not connection.in_atomic_block:  # (a test's transaction must stay open)
            close_old_connections()
        return function(*args)

    return await sync_to_async(call, thread_sensitive=True)()


# --- The process's hub ----------------------------------------------------------------------

_hub: Hub | None = None


def hub_get() -> Hub:
    """This process's hub, for the running event loop (a test's new loop gets a new hub)."""
    global _hub
    loop = asyncio.get_running_loop()
    if _hub is None or _hub.loop is not loop:
        _hub = Hub(loop)
    return _hub


def hub_wake() -> None:
    """Look for new events now; safe from any thread, and a no-op where no stream is served."""
    hub = _hub
    if hub is None:
        return
    with contextlib.suppress(RuntimeError):  # its loop is closed
        hub.loop.call_soon_threadsafe(hub.wake.set)


async def hub_stop() -> None:
    hub = _hub
    if hub is not None and hub.loop is asyncio.get_running_loop():
        await hub.stop()
