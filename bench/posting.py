"""The posting scenario: messages posted through the API, plain ones then heavy ones.

A heavy message links to a page worth a preview and mentions many people, who are notified in
the app and by email. The linked page and the mail server are fakes on 127.0.0.1 that take
`--slow-seconds` to answer: if a request did any of that work itself, it would take at least that
long. The figures: posts per second and latencies of each kind, and what reached the fakes (in
the background, through the worker that `perchoir run` starts).
"""

import argparse
import asyncio
import itertools
import json
import secrets
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from .fakes import SlowParties
from .http import Connection
from .people import Poster, conversation_with, mentioned_people, posters_needed, posters_ready
from .report import machine_line, table, verdict
from .site import site_served
from .target import Target

TITLE = "Benchmark: posting"
# Posts per second we plan for (more posters than this needs is harmless).
PLANNED_RATE = 60


@dataclass
class Phase:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def created(self) -> int:
        return self.statuses[201]

    def quantile(self, percent: int) -> float:
        if len(self.latencies_ms) < 2:
            return self.latencies_ms[0] if self.latencies_ms else 0.0
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[percent - 1]

    def row(self, name: str) -> list[str]:
        statuses = ", ".join(
            f"{status}: {count}" for status, count in sorted(self.statuses.items())
        )
        return [
            name,
            f"{self.created / self.seconds:,.1f}" if self.seconds else "0",
            f"{self.quantile(50):.1f}",
            f"{self.quantile(90):.1f}",
            f"{self.quantile(99):.1f}",
            f"{max(self.latencies_ms, default=0):.1f}",
            statuses,
        ]


async def post_for(
    url: str,
    conversation_id: int,
    posters: list[Poster],
    body: Callable[[int], str],
    *,
    seconds: float,
    connections: int,
) -> Phase:
    """Post from `connections` clients, each one message after the other, for `seconds`."""
    phase = Phase()
    numbers = itertools.count()
    run = secrets.token_hex(4)
    path = f"/api/v1/conversations/{conversation_id}/messages"
    deadline = time.monotonic() + seconds

    async def client() -> None:
        connection = Connection(url)
        while time.monotonic() < deadline:
            n = next(numbers)
            poster = posters[n % len(posters)]
            payload = json.dumps({"body": body(n), "client_token": f"bench-{run}-{n}"})
            started = time.monotonic()
            response = await connection.request(
                "POST", path, headers=poster.headers, body=payload.encode()
            )
            phase.latencies_ms.append((time.monotonic() - started) * 1000)
            phase.statuses[response.status] += 1
        await connection.close()

    started = time.monotonic()
    await asyncio.gather(*(client() for _ in range(connections)))
    phase.seconds = time.monotonic() - started
    return phase


def post(target: Target, options: argparse.Namespace) -> None:
    print(f"Scenario post · {machine_line()}\nSite: {target.describe()}")
    print(f"{options.connections} clients posting, {options.seconds:g} s per kind of message\n")
    target.activate()
    posts = PLANNED_RATE * options.seconds * 2
    posters = posters_ready(posters_needed(int(posts), options.seconds * 2 / 60), target.var_dir)
    conversation_id = conversation_with(TITLE, posters)
    slow = SlowParties(delay=options.slow_seconds)
    slow.start()
    bodies = _bodies(slow.page_url, mentioned_people(options.mentions))
    post_cost(posters[-1], conversation_id, "Warming up.")  # first use: templates, parsers
    costs = {
        name: post_cost(posters[-2], conversation_id, body(0)) for name, body in bodies.items()
    }
    settings = {"EMAIL_URL": slow.email_url, "FETCH_ALLOW_LOOPBACK": "1"}
    with site_served(target, **settings) as site:
        phases = {}
        for name, body in bodies.items():
            phases[name] = asyncio.run(
                post_for(site.url, conversation_id, posters, body,
                         seconds=options.seconds, connections=options.connections)
            )  # fmt: skip
        hits_during_requests = slow.page_hits
        time.sleep(options.slow_seconds * 2 + 3)  # the worker's first emails, in the background
        emails, hits = slow.emails, slow.page_hits
    slow.stop()
    _report(phases, costs, options, (hits_during_requests, hits, emails))


def _bodies(link: str, handles: list[str]) -> dict[str, Callable[[int], str]]:
    def plain(n: int) -> str:
        return f"A plain message, number {n}."

    def heavy(n: int) -> str:
        mentions = " ".join(f"@{handle}" for handle in handles)
        return (
            f"Have you read this one? {link}?n={n}\n\n"
            f"It made me think of you, {mentions}: what do you make of it?"
        )

    return {"plain": plain, f"link + {len(handles)} mentions": heavy}


def post_cost(poster: Poster, conversation_id: int, body: str) -> tuple[int, float]:
    """One post through the API in this process, without a server: its SQL queries (those after
    the commit included) and its CPU time."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=poster.headers["Authorization"])
    path = f"/api/v1/conversations/{conversation_id}/messages"
    payload = {"body": body, "client_token": f"bench-cost-{secrets.token_hex(8)}"}
    started = time.process_time()
    with CaptureQueriesContext(connection) as queries:
        response = client.post(path, payload, content_type="application/json")
    cpu_ms = (time.process_time() - started) * 1000
    if response.status_code != 201:
        raise SystemExit(f"Posting answered {response.status_code}: {response.content[:200]!r}")
    return len(queries), cpu_ms


def _report(
    phases: dict[str, Phase],
    costs: dict[str, tuple[int, float]],
    options: argparse.Namespace,
    fakes: tuple[int, int, int],
) -> None:
    header = ["message", "posts/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "answers"]
    print(table(header, [phase.row(name) for name, phase in phases.items()]))
    print("\nOne post in one process, without a server:")
    for name, (queries, cpu_ms) in costs.items():
        print(f"  {name}: {queries} SQL queries, {cpu_ms:.1f} ms CPU")
    hits_during, hits, emails = fakes
    print(
        f"\nThe fakes answer after {options.slow_seconds * 1000:.0f} ms. The linked page was "
        f"fetched {hits_during} times during the posting and {hits} in all; the mail server got "
        f"{emails} emails, sent in the background by the worker."
    )
    plain, heavy = phases.values()
    ratio = heavy.quantile(50) / plain.quantile(50) if plain.quantile(50) else 0.0
    print(f"Heavy / plain median latency: {ratio:.2f}x\n")
    all_created = all(set(phase.statuses) == {201} for phase in phases.values())
    print(verdict(all_created, "every post answered 201 Created", str(dict(heavy.statuses))))
    # Every heavy post would wait for the fakes if it did that work itself: its median says.
    print(
        verdict(
            heavy.quantile(50) < options.slow_seconds * 1000 and heavy.created > 0,
            "posting does no slow work in the request (previews, emails, fan-out)",
            f"median heavy post {heavy.quantile(50):.0f} ms, the fakes wait "
            f"{options.slow_seconds * 1000:.0f} ms",
        )
    )
    print(f"\n{machine_line()}")
