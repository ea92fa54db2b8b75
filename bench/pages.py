"""The reading scenarios: an anonymous reader's conversation page against the baseline page.

- `read`: the planted reading conversation (200 messages a page), its last page, and the last
  page of the long conversation, each as a ratio to the baseline page of the same run.
- `growth`: the same pages on a small and a large dataset, both served at once and loaded in
  turn, round after round, so that a change in the machine's load hits both alike.

Both also print what each page costs in one process without a server (`costs`): its SQL
queries and the CPU time of a request, figures that hardly depend on what else the machine does.
"""

import argparse
import asyncio
import json
import re
import subprocess
import sys
import time
from contextlib import ExitStack
from dataclasses import asdict, dataclass

from .dataset import LONG_TITLE, READING_TITLE
from .http import Connection
from .load import LoadResult, load, load_tool
from .report import LOAD_HEADER, combined, load_row, machine_line, table, verdict
from .site import BASELINE_PATH, site_served
from .target import Target

# The dataset writes its planted conversations first, with these ids.
READING_ID = 1
LONG_ID = 2
PAGE_SIZE = 200
MAX_QUERIES = 10
BASELINE = "baseline (100 rows)"


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    title: str  # what the page must show: the right conversation of the right dataset


def reading_pages(*, with_long: bool) -> list[Page]:
    pages = [
        Page("conversation, first 200 messages", f"/c/{READING_ID}/", READING_TITLE),
        Page("conversation, ?latest", f"/c/{READING_ID}/?latest", READING_TITLE),
    ]
    if with_long:
        pages.append(Page("long conversation, ?latest", f"/c/{LONG_ID}/?latest", LONG_TITLE))
    return pages


async def check_page(url: str, page: Page) -> None:
    """The page is the conversation we mean, anonymous, with a full page of messages."""
    connection = Connection(url)
    response = await connection.request("GET", page.path)
    await connection.close()
    html = response.body.decode()
    shown = len(re.findall(r'<article class="message', html))
    if response.status != 200 or page.title not in html or shown != PAGE_SIZE:
        raise SystemExit(
            f"{page.path} answered {response.status} with {shown} messages, expected the page "
            f"of {page.title!r} with {PAGE_SIZE}: write the dataset first (python -m bench.dataset)"
        )


def measure(urls: dict[str, str], options: argparse.Namespace) -> dict[str, LoadResult]:
    """Each address under the same load after a warm-up, in rounds that take them in turn."""
    for url in urls.values():
        load(url, seconds=options.warmup, connections=options.connections)
    rounds: dict[str, list[LoadResult]] = {name: [] for name in urls}
    for _ in range(options.rounds):
        for name, url in urls.items():
            rounds[name].append(load(url, seconds=options.seconds, connections=options.connections))
    return {name: combined(results) for name, results in rounds.items()}


def _addresses(site_url: str, pages: list[Page], prefix: str = "") -> dict[str, str]:
    for page in pages:
        asyncio.run(check_page(site_url, page))
    paths = {BASELINE: BASELINE_PATH} | {page.name: page.path for page in pages}
    return {prefix + name: site_url + path for name, path in paths.items()}


# --- Costs in one process -----------------------------------------------------------------------


@dataclass(frozen=True)
class PageCost:
    queries: int
    cpu_ms: float


def page_costs(paths: list[str], repeat: int = 30) -> dict[str, PageCost]:
    """What each page costs an anonymous reader in this process, through the whole middleware
    stack but no server: its SQL queries, and the CPU time of one request."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    costs = {}
    for path in paths:
        client.get(path)  # first use: the site's settings row, templates, caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
        count = len(queries)  # read now: the next requests empty the connection's log
        started = time.process_time()
        for _ in range(repeat):
            client.get(path)
        cpu_ms = (time.process_time() - started) * 1000 / repeat
        costs[path] = PageCost(queries=count, cpu_ms=cpu_ms)
    return costs


def costs_of(target: Target, paths: list[str]) -> dict[str, PageCost]:
    """page_costs for a target, in a process of its own (Django serves one database a process)."""
    command = [sys.executable, "-m", "bench.pages", *target.arguments(), *paths]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return {path: PageCost(**cost) for path, cost in json.loads(output).items()}


def _print_costs(costs: dict[str, PageCost], prefix: str = "") -> None:
    baseline_cpu = costs[BASELINE_PATH].cpu_ms
    for path, cost in costs.items():
        print(
            f"  {prefix}{path}: {cost.queries} SQL queries, {cost.cpu_ms:.1f} ms CPU a request, "
            f"{baseline_cpu / cost.cpu_ms:.2f}x the baseline's throughput if CPU-bound"
        )


# --- Scenarios ----------------------------------------------------------------------------------


def read(target: Target, options: argparse.Namespace) -> None:
    print(f"Scenario read · {machine_line()}\nSite: {target.describe()}\n{_load_line(options)}\n")
    target.activate()
    pages = reading_pages(with_long=_has_long_conversation())
    costs = page_costs([BASELINE_PATH] + [page.path for page in pages])
    with site_served(target) as site:
        results = measure(_addresses(site.url, pages), options)
    baseline = results[BASELINE]
    print(
        table(LOAD_HEADER, [load_row(name, result, baseline) for name, result in results.items()])
    )
    print("\nIn one process, without a server (anonymous reader):")
    _print_costs(costs)
    ratio = _ratio(results[pages[0].name], baseline)
    print()
    print(verdict(ratio >= 1.0, "throughput ≥ 1.0x the baseline page", f"{ratio:.2f}x"))
    distinct = sorted({costs[page.path].queries for page in pages})
    same = distinct[-1] <= MAX_QUERIES and len(distinct) == 1
    queries_target = f"≤ {MAX_QUERIES} queries a page, however long the conversation"
    print(verdict(same, queries_target, f"{distinct}"))
    print(f"\n{machine_line()}")


def growth(small: Target, large: Target, options: argparse.Namespace) -> None:
    print(f"Scenario growth · {machine_line()}")
    print(f"Small: {small.describe()}\nLarge: {large.describe()}\n{_load_line(options)}\n")
    pages = reading_pages(with_long=False)
    paths = [BASELINE_PATH] + [page.path for page in pages]
    costs = {"small": costs_of(small, paths), "large": costs_of(large, paths)}
    with ExitStack() as stack:
        urls: dict[str, str] = {}
        for name, target in (("small", small), ("large", large)):
            site = stack.enter_context(site_served(target))
            urls |= _addresses(site.url, pages, prefix=f"{name}: ")
        results = measure(urls, options)
    rows = []
    for name in ("small", "large"):
        baseline = results[f"{name}: {BASELINE}"]
        rows += [load_row(key, value, baseline) for key, value in results.items() if name in key]
    print(table(LOAD_HEADER, rows))
    print("\nIn one process, without a server (anonymous reader):")
    for name in ("small", "large"):
        _print_costs(costs[name], prefix=f"{name}: ")
    print()
    for page in pages:
        ratio = _ratio(results[f"large: {page.name}"], results[f"small: {page.name}"])
        cpu = costs["small"][page.path].cpu_ms / costs["large"][page.path].cpu_ms
        detail = f"{ratio:.2f}x the small dataset's throughput; {cpu:.2f}x its CPU-bound rate"
        print(verdict(ratio >= 0.9, f"{page.name}: within 10%", detail))
    print(f"\n{machine_line()}")


def _ratio(result: LoadResult, reference: LoadResult) -> float:
    return result.rps / reference.rps if reference.rps else 0.0


def _load_line(options: argparse.Namespace) -> str:
    return (
        f"Load: {load_tool()}, {options.connections} connections, "
        f"{options.rounds} rounds of {options.seconds:g} s a page"
    )


def _has_long_conversation() -> bool:
    from perchoir.conversations.models import Conversation

    return Conversation.objects.filter(pk=LONG_ID, title=LONG_TITLE).exists()


if __name__ == "__main__":
    # python -m bench.pages [--database-url URL] [--var-dir DIR] PATH...: costs as JSON.
    from .target import add_target_options

    parser = argparse.ArgumentParser()
    add_target_options(parser)
    parser.add_argument("paths", nargs="+")
    arguments = parser.parse_args()
    Target.from_options(arguments).activate()
    found = page_costs(arguments.paths)
    print(json.dumps({path: asdict(cost) for path, cost in found.items()}))
