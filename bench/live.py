"""The live scenario: many readers follow one conversation's event stream while messages are
posted through the API at a steady rate.

Subscribers are anonymous readers of a public conversation, spread over a few client processes
(asyncio, one socket each). Like a browser's EventSource, a subscriber whose stream ends comes
back with Last-Event-ID. At the end each must have received every posted message exactly once,
in order; the delay of a delivery is counted from the moment its POST was sent (so it includes
the posting request itself) to the moment the subscriber read the event. The clock is the
machine's monotonic clock, the same in every process.
"""

import argparse
import asyncio
import multiprocessing
import random
import re
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection as Pipe

from .corpus import message_body
from .http import Connection, EventStream, HttpError
from .people import Poster, conversation_with, posters_needed, posters_ready
from .report import machine_line, verdict
from .site import site_served
from .target import Target

TITLE = "Benchmark: live"
MESSAGE_ID = re.compile(rb'"message_id":(\d+)')
CONNECT_SECONDS = 120
# After the last post, how long subscribers may take to receive everything.
GRACE_SECONDS = 30
# What a subscriber reports: message ids and read times, in order?, reconnections, reloads, errors.
SubscriberResult = tuple[list[int], list[float], bool, int, int, list[str]]


# --- Subscribers (in the client processes) -------------------------------------------------------


@dataclass
class Subscriber:
    url: str
    path: str
    message_ids: list[int] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    last_event_id: int = 0
    ordered: bool = True
    reconnects: int = 0
    reloads: int = 0
    errors: list[str] = field(default_factory=list)
    connected: asyncio.Event = field(default_factory=asyncio.Event)

    async def follow(self) -> None:
        """Read the stream, and come back after it ends, as EventSource does."""
        while True:
            headers = {"Last-Event-ID": str(self.last_event_id)} if self.last_event_id else {}
            stream = EventStream(self.url, self.path, headers)
            try:
                async for frame in stream.frames():
                    self._read(frame, time.monotonic())
            except (OSError, asyncio.IncompleteReadError, HttpError) as error:
                self.errors.append(repr(error))
            finally:
                stream.close()
            self.reconnects += 1
            await asyncio.sleep(0.5)

    def _read(self, frame: bytes, now: float) -> None:
        self.connected.set()  # the first frame says hello
        kind = b""
        for line in frame.split(b"\n", 2)[:2]:
            if line.startswith(b"id: "):
                event_id = int(line[4:])
                self.ordered &= event_id > self.last_event_id
                self.last_event_id = event_id
            elif line.startswith(b"event: "):
                kind = line[7:]
        if kind == b"message.created":
            found = MESSAGE_ID.search(frame)
            self.message_ids.append(int(found.group(1)) if found else -1)
            self.times.append(now)
        elif kind == b"live.reload":
            self.reloads += 1

    def result(self) -> SubscriberResult:
        return (
            self.message_ids,
            self.times,
            self.ordered,
            self.reconnects,
            self.reloads,
            self.errors[:3],
        )


def subscriber_process(url: str, path: str, count: int, pipe: Pipe) -> None:
    """A client process: `count` subscribers, steered by the bench through `pipe`."""
    try:
        import uvloop  # (the server's loop too) reading frames is the client's main cost

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(_subscribe_and_wait(url, path, count, pipe))


async def _subscribe_and_wait(url: str, path: str, count: int, pipe: Pipe) -> None:
    loop = asyncio.get_running_loop()
    subscribers = [Subscriber(url, path) for _ in range(count)]
    tasks = []
    for n, subscriber in enumerate(subscribers):
        tasks.append(asyncio.create_task(subscriber.follow()))
        if n % 50 == 49:
            await asyncio.sleep(0.05)  # not a thousand connections in the same instant
    waiting = [asyncio.create_task(s.connected.wait()) for s in subscribers]
    await asyncio.wait(waiting, timeout=CONNECT_SECONDS)
    pipe.send(sum(s.connected.is_set() for s in subscribers))
    expected: int = await loop.run_in_executor(None, pipe.recv)
    deadline = loop.time() + GRACE_SECONDS
    while loop.time() < deadline and any(len(s.message_ids) < expected for s in subscribers):
        await asyncio.sleep(0.2)
    for task in tasks + waiting:
        task.cancel()
    pipe.send(([subscriber.result() for subscriber in subscribers], time.process_time()))


# --- Posting (in the bench's process) ------------------------------------------------------------


@dataclass
class Posted:
    message_id: int
    sent_at: float
    answered_at: float
    status: int


async def post_at_rate(
    url: str, conversation_id: int, posters: list[Poster], *, rate: float, seconds: float
) -> list[Posted]:
    """Post `rate` messages a second for `seconds`, on schedule whatever each answer takes: each
    post on a free connection, or a new one (as many people post, each on their own)."""
    rng = random.Random(7)
    connections: asyncio.Queue[Connection] = asyncio.Queue()
    path = f"/api/v1/conversations/{conversation_id}/messages"
    posted: list[Posted] = []

    async def one(n: int, body: str) -> None:
        connection = connections.get_nowait() if not connections.empty() else Connection(url)
        poster = posters[n % len(posters)]
        sent = time.monotonic()
        try:
            response = await connection.request(
                "POST", path, headers=poster.headers, body=_json({"body": body})
            )
            message_id = response.json()["id"] if response.status == 201 else -1
            posted.append(Posted(message_id, sent, time.monotonic(), response.status))
        except (OSError, asyncio.IncompleteReadError, HttpError):
            await connection.close()
            posted.append(Posted(-1, sent, time.monotonic(), 0))
        connections.put_nowait(connection)

    start = time.monotonic()
    tasks = []
    for n in range(int(rate * seconds)):
        await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
        tasks.append(asyncio.create_task(one(n, message_body(rng))))
    await asyncio.gather(*tasks)
    while not connections.empty():
        await connections.get_nowait().close()
    return posted


def _json(data: dict[str, str]) -> bytes:
    import json

    return json.dumps(data).encode()


# --- The scenario --------------------------------------------------------------------------------


def live(target: Target, options: argparse.Namespace) -> None:
    print(f"Scenario live · {machine_line()}\nSite: {target.describe()}")
    print(
        f"{options.subscribers} subscribers in {options.client_processes} client processes, "
        f"{options.rate:g} messages/s for {options.seconds:g} s\n"
    )
    target.activate()
    posts = int(options.rate * options.seconds)
    posters = posters_ready(posters_needed(posts, options.seconds / 60), target.var_dir)
    conversation_id = conversation_with(TITLE, posters)
    from django.db import connections

    connections.close_all()  # the client processes start clean
    with site_served(target) as site:
        path = f"/live/conversation:{conversation_id}/"
        clients = _start_clients(site.url, path, options)
        started = time.monotonic()
        connected = sum(pipe.recv() for _process, pipe in clients)
        print(
            f"Connected: {connected} of {options.subscribers} in {time.monotonic() - started:.1f} s"
        )
        posted = asyncio.run(
            post_at_rate(site.url, conversation_id, posters, rate=options.rate,
                         seconds=options.seconds)
        )  # fmt: skip
        expected = sorted(p.message_id for p in posted if p.status == 201)
        results, client_cpu = [], 0.0
        for process, pipe in clients:
            pipe.send(len(expected))
            their_results, their_cpu = pipe.recv()
            results += their_results
            client_cpu += their_cpu
            process.join(timeout=30)
    _report(options, connected, posted, expected, results)
    print(f"The client processes used {client_cpu:.0f} s of CPU (the server shared the machine).")
    print(f"\n{machine_line()}")


def _start_clients(
    url: str, path: str, options: argparse.Namespace
) -> list[tuple[multiprocessing.process.BaseProcess, Pipe]]:
    context = multiprocessing.get_context("spawn")
    clients = []
    share, extra = divmod(options.subscribers, options.client_processes)
    for n in range(options.client_processes):
        ours, theirs = context.Pipe()
        count = share + (1 if n < extra else 0)
        process = context.Process(target=subscriber_process, args=(url, path, count, theirs))
        process.start()
        clients.append((process, ours))
    return clients


def _quantiles(values: list[float]) -> dict[int, float]:
    if len(values) < 2:
        return dict.fromkeys((50, 90, 99), values[0] if values else 0.0)
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {50: cuts[49], 90: cuts[89], 99: cuts[98]}


def _spread(results: list[SubscriberResult]) -> list[float]:
    first: dict[int, float] = {}
    for ids, times, *_rest in results:
        for message_id, moment in zip(ids, times, strict=True):
            first[message_id] = min(moment, first.get(message_id, moment))
    return [
        (moment - first[message_id]) * 1000
        for ids, times, *_rest in results
        for message_id, moment in zip(ids, times, strict=True)
    ]


def _print_delays(what: str, delays: list[float]) -> None:
    cuts = _quantiles(delays)
    print(
        f"{what}, {len(delays):,} deliveries: p50 {cuts[50]:.0f} ms, p90 {cuts[90]:.0f} ms, "
        f"p99 {cuts[99]:.0f} ms, max {max(delays, default=0):.0f} ms"
    )


def _report(
    options: argparse.Namespace,
    connected: int,
    posted: list[Posted],
    expected: list[int],
    results: list[SubscriberResult],
) -> None:
    sent_at = {p.message_id: p.sent_at for p in posted if p.status == 201}
    statuses = Counter(p.status for p in posted)
    post_ms = _quantiles([(p.answered_at - p.sent_at) * 1000 for p in posted])
    span = max(p.sent_at for p in posted) - min(p.sent_at for p in posted) if posted else 0
    print(
        f"Posted: {len(posted)} messages over {span:.1f} s, answers {dict(statuses)}; "
        f"a post took p50 {post_ms[50]:.0f} ms, p99 {post_ms[99]:.0f} ms"
    )
    complete = [ids == expected and ordered for ids, _t, ordered, *_rest in results]
    delays = [
        (moment - sent_at[message_id]) * 1000
        for ids, times, *_rest in results
        for message_id, moment in zip(ids, times, strict=True)
        if message_id in sent_at
    ]
    reconnects = sum(r[3] for r in results)
    reloads = sum(r[4] for r in results)
    errors = Counter(error for r in results for error in r[5])
    print(
        f"Delivered: {sum(complete)} of {len(results)} subscribers received all "
        f"{len(expected)} messages, once each and in order; {reconnects} reconnections, "
        f"{reloads} reloads asked"
    )
    if errors:
        print(f"Stream errors: {dict(errors.most_common(3))}")
    _print_delays("Delivery delay (POST sent → event read)", delays)
    _print_delays("Fan-out spread (first subscriber's read → each read)", _spread(results))
    print()
    everyone = (
        connected == options.subscribers
        and len(results) == options.subscribers
        and all(complete)
        and len(expected) == int(options.rate * options.seconds)
    )
    print(
        verdict(
            everyone,
            "every subscriber receives every message, in order",
            f"{sum(complete)}/{options.subscribers} subscribers, "
            f"{len(expected)}/{int(options.rate * options.seconds)} messages posted",
        )
    )
