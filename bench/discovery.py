"""Discovery (issue 8): a member's home and a search against the baseline page, and the search
index's build time and size.

    # Everything in one command: the dataset, the planted reader, the index, the load.
    .venv/bin/python -m bench.discovery all [--database-url URL | --var-dir DIR] \\
        [--people 10000 --conversations 20000 --messages 1000000] [--seconds 10]
    # Or step by step, after `python -m bench.dataset`:
    .venv/bin/python -m bench.discovery plant [--database-url URL | --var-dir DIR]
    .venv/bin/python -m bench.discovery run [--database-url URL | --var-dir DIR] [--seconds 10]

`plant` adds the reader of issue 8 (`@benchreader`): they follow 500 people and 200 public
collections (of those people, 5 articles each) and take part in 300 conversations; then it
rebuilds the search index (`search_index_rebuild`, as after any bulk import) and prints its
build time and size. `run` serves the site as in production and loads, in interleaved rounds,
the baseline page, the reader's home (`/`, signed in by a session cookie) and an anonymous
search; it prints each one's throughput and latencies, and the home page's and the search's
SQL queries in one process.

Targets: home ≥ 0.5x the baseline's throughput with a number of queries that does not depend
on what the reader follows; search's 95th percentile ≤ 3x the baseline's (wrk reports it through
`percentiles.lua`).
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote_plus

from .load import LoadResult, load
from .pages import BASELINE, _load_line, _ratio, page_costs
from .report import LOAD_HEADER, combined, load_row, machine_line, table, verdict
from .site import BASELINE_PATH, site_served
from .target import Target, add_target_options

READER = "benchreader"
FOLLOWS = 500
COLLECTIONS = 200
ITEMS_PER_COLLECTION = 5
CONVERSATIONS = 300
# Searches asked in turn: common words of the corpus, rarer ones, a name, a planted title.
SEARCHES = (
    "harbour bicycle",
    "writer answer detail",
    "quiet garden",
    "ferry",
    "library map letter",
    "strange lamp",
    "Camille",
    "benchmark shelf",
)
SEARCH_PATHS = [f"/search/?q={quote_plus(words)}" for words in SEARCHES]
SETTLE_SECONDS = 2
# Fewer answered requests than this in a run give no percentile worth a verdict.
MIN_ANSWERED = 20
SESSION_FILE = "bench-discovery-session.txt"
HOME = "home of @benchreader (signed in)"
SEARCH = f"{len(SEARCHES)} searches in turn (anonymous)"
MEMBER_SEARCH = "the same searches by @benchreader"


def plant(  # type: ignore[no-untyped-def]
    *,
    follows: int = FOLLOWS,
    collections: int = COLLECTIONS,
    conversations: int = CONVERSATIONS,
    out=print,
) -> None:
    """The reader, their follows and conversations, in bulk; then the index, timed."""
    from django.db import transaction
    from django.utils import timezone

    from perchoir.accounts.models import User
    from perchoir.collections.models import (
        POSITION_GAP,
        Collection,
        CollectionFollow,
        Connection,
        Item,
        Visibility,
    )
    from perchoir.conversations.models import Conversation, Participant
    from perchoir.conversations.models import Visibility as ConversationVisibility
    from perchoir.core.markdown import render_markdown
    from perchoir.follows.models import Follow

    if User.objects.filter(handle=READER).exists():
        raise SystemExit(f"@{READER} is already planted.")
    people = list(User.objects.order_by("id").values_list("id", flat=True)[:follows])
    if len(people) < follows:
        raise SystemExit(f"Write at least {follows} people first: python -m bench.dataset")
    taken_part = list(
        Conversation.objects.filter(visibility=ConversationVisibility.PUBLIC, message_count__gt=0)
        .order_by("-last_activity_at")
        .values_list("id", flat=True)[:conversations]
    )
    now = timezone.now()
    body = "A note about the harbour, the ferry and a bicycle by the canal.\n\n" * 3
    body_html = render_markdown(body)
    with transaction.atomic():
        reader = User.objects.create_user(READER, f"{READER}@example.org", None)
        Follow.objects.bulk_create(Follow(follower=reader, followed_id=pk) for pk in people)
        Participant.objects.bulk_create(
            (Participant(conversation_id=pk, user=reader) for pk in taken_part),
            ignore_conflicts=True,
        )
        shelves = Collection.objects.bulk_create(
            Collection(
                owner_id=people[n % len(people)],
                title=f"Benchmark shelf {n}",
                visibility=Visibility.PUBLIC,
                item_count=ITEMS_PER_COLLECTION,
                follower_count=1,
            )
            for n in range(collections)
        )
        items = Item.objects.bulk_create(
            Item(
                kind="article",
                author_id=shelf.owner_id,
                title=f"Note {n} of shelf {shelf.pk}",
                body=body,
                body_html=body_html,
                published_at=now,
            )
            for shelf in shelves
            for n in range(ITEMS_PER_COLLECTION)
        )
        Connection.objects.bulk_create(
            Connection(
                collection=shelves[index // ITEMS_PER_COLLECTION],
                item=item,
                added_by_id=item.author_id,
                position=(index % ITEMS_PER_COLLECTION) * POSITION_GAP,
            )
            for index, item in enumerate(items)
        )
        CollectionFollow.objects.bulk_create(
            CollectionFollow(collection=shelf, user=reader) for shelf in shelves
        )
    out(
        f"Planted @{READER}: follows {len(people)} people and {len(shelves)} collections "
        f"({len(items)} items), takes part in {len(taken_part)} conversations."
    )
    _statistics_refresh()
    index_build(out)


def _statistics_refresh() -> None:
    """The planner's statistics of the tables just filled (bench.dataset refreshed them before):
    without them, PostgreSQL plans for the empty tables it last saw, until autovacuum passes."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE accounts_user, follows_follow, conversations_participant, "
            "collections_collection, collections_item, collections_connection, "
            "collections_collectionfollow"
        )


def index_build(out=print) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection

    from perchoir.discovery.services import search_index_rebuild

    started = time.monotonic()
    count = search_index_rebuild()
    seconds = time.monotonic() - started
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # The rebuild replaced every row; autovacuum (off on some machines) would clear the old
        # ones later, and until then the newest-first walk of a search steps over them.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM discovery_searchdocument")
    out(f"Search index: {count:,} documents built in {seconds:.1f} s; {index_size(connection)}.")


def index_size(connection) -> str:  # type: ignore[no-untyped-def]
    from django.db import OperationalError

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT pg_total_relation_size('discovery_searchdocument'), "
                "pg_relation_size('discovery_searchdocument'), "
                "pg_indexes_size('discovery_searchdocument')"
            )
            total, table_only, indexes = cursor.fetchone()
            return (
                f"{total / 2**20:,.0f} MiB in all (the rows {table_only / 2**20:,.0f} MiB, "
                f"their indexes, GIN included, {indexes / 2**20:,.0f} MiB; the rest is TOAST)"
            )
        try:
            cursor.execute("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'discovery_search%'")
        except OperationalError:  # SQLite built without the dbstat table
            return "size unknown (this SQLite has no dbstat table)"
        (size,) = cursor.fetchone()
        return f"{(size or 0) / 2**20:,.0f} MiB (documents and FTS5 tables)"


def _session_cookie(target: Target) -> dict[str, str]:
    from django.conf import settings
    from django.test import Client

    from perchoir.accounts.models import User

    reader = User.objects.filter(handle=READER).first()
    if reader is None:
        raise SystemExit("Plant the reader first: python -m bench.discovery plant")
    client = Client()
    client.force_login(reader)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    (target.var_dir / SESSION_FILE).write_text(cookie)
    return {"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"}


REPEAT = 30


def _costs() -> dict[str, tuple[int, float, float, float]]:
    """The home page's and the search's queries, their database time (one request), and the
    CPU and elapsed time of a request in this process (the elapsed time includes the database's
    work, which the CPU time does not), averaged over REPEAT requests."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from perchoir.accounts.models import User
    from perchoir.core.ratelimit import ratelimits_suspended

    member = Client(HTTP_HOST="127.0.0.1")
    member.force_login(User.objects.get(handle=READER))
    found: dict[str, tuple[int, float, float, float]] = {}
    # 32 searches in a row from one address: past the per-person search limit, answered 429.
    with ratelimits_suspended():
        for name, client, paths in (
            (HOME, member, ["/"]),
            (SEARCH, Client(HTTP_HOST="127.0.0.1"), SEARCH_PATHS),
            (MEMBER_SEARCH, member, SEARCH_PATHS),
        ):
            for path in paths:
                client.get(path)
            # The queries of the first page (for searches, the most common words).
            with CaptureQueriesContext(connection) as queries:
                response = client.get(paths[0])
            if response.status_code != 200:
                raise SystemExit(f"{paths[0]} answered {response.status_code}")
            count = len(queries)
            sql_ms = sum(float(query["time"]) for query in queries.captured_queries) * 1000
            started, cpu_started = time.perf_counter(), time.process_time()
            for turn in range(REPEAT):
                client.get(paths[turn % len(paths)])
            cpu_ms = (time.process_time() - cpu_started) * 1000 / REPEAT
            elapsed_ms = (time.perf_counter() - started) * 1000 / REPEAT
            found[name] = (count, sql_ms, cpu_ms, elapsed_ms)
    return found


def run(target: Target, options: argparse.Namespace) -> None:
    print(f"Scenario discovery · {machine_line()}\nSite: {target.describe()}")
    print(_load_line(options) + "\n")
    target.activate()
    headers = _session_cookie(target)
    baseline_cost = page_costs([BASELINE_PATH])[BASELINE_PATH]
    costs = _costs()
    # Searches are rate limited per person and address: every request here comes from one.
    limits = {"RATE_LIMIT_EXPENSIVE_READS": "1000000/60"}
    with site_served(target, **limits) as site:
        # name: (address, headers, paths asked in turn there, if not the address's own)
        pages: dict[str, tuple[str, dict[str, str], list[str]]] = {
            BASELINE: (site.url + BASELINE_PATH, {}, []),
            HOME: (site.url + "/", headers, []),
            SEARCH: (site.url + "/search/", {}, SEARCH_PATHS),
            MEMBER_SEARCH: (site.url + "/search/", headers, SEARCH_PATHS),
        }
        for url, extra, paths in pages.values():
            load(
                url,
                seconds=options.warmup,
                connections=options.connections,
                headers=extra,
                paths=paths,
            )
        rounds: dict[str, list[LoadResult]] = {name: [] for name in pages}
        for _ in range(options.rounds):
            for name, (url, extra, paths) in pages.items():
                # Unmeasured: a page measured right after a heavy one pays for its tail (the
                # baseline ran at a third of its pace after the searches).
                load(
                    url,
                    seconds=SETTLE_SECONDS,
                    connections=options.connections,
                    headers=extra,
                    paths=paths,
                )
                result = load(
                    url,
                    seconds=options.seconds,
                    connections=options.connections,
                    headers=extra,
                    paths=paths,
                )
                rounds[name].append(result)
    results = {name: combined(found) for name, found in rounds.items()}
    baseline = results[BASELINE]
    print(table(LOAD_HEADER, [load_row(name, r, baseline) for name, r in results.items()]))
    print("\nIn one process, without a server:")
    print(f"  baseline: {baseline_cost.queries} SQL queries, {baseline_cost.cpu_ms:.1f} ms CPU")
    for name, (queries, sql_ms, cpu_ms, elapsed_ms) in costs.items():
        print(
            f"  {name}: {queries} SQL queries taking {sql_ms:.1f} ms, {cpu_ms:.1f} ms CPU and "
            f"{elapsed_ms:.1f} ms elapsed a request"
        )
    print()
    home_ratio = _ratio(results[HOME], baseline)
    print(verdict(home_ratio >= 0.5, "home ≥ 0.5x the baseline page", f"{home_ratio:.2f}x"))
    limit = 3 * baseline.p95_ms
    for name in (SEARCH, MEMBER_SEARCH):
        search = results[name]
        # A search slower than the round finishes no request, and wrk then reports no latency.
        print(
            verdict(
                search.requests >= MIN_ANSWERED and search.p95_ms <= limit,
                f"{name}: p95 ≤ 3x the baseline's",
                f"{search.requests} answered; p95 {search.p95_ms:.0f} ms; "
                f"3x the baseline's p95 {limit:.0f} ms",
            )
        )
    errors = sum(result.errors for result in results.values())
    if errors:
        print(f"Errors: {errors} (see the server's log)")
    print(f"\n{machine_line()}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    steps = parser.add_subparsers(dest="step", required=True)
    for name in ("all", "plant", "run"):
        step = steps.add_parser(name)
        add_target_options(step)
        if name != "plant":
            step.add_argument("--seconds", type=float, default=10)
            step.add_argument("--rounds", type=int, default=2)
            step.add_argument("--connections", type=int, default=8)
            step.add_argument("--warmup", type=float, default=3)
        if name == "all":
            step.add_argument("--people", type=int, default=10_000)
            step.add_argument("--conversations", type=int, default=20_000)
            step.add_argument("--messages", type=int, default=1_000_000)
    return parser


def main() -> None:
    options = _parser().parse_args()
    target = Target.from_options(options)
    if options.step == "all":
        dataset = [sys.executable, "-m", "bench.dataset", *target.arguments(), "--wipe"]
        dataset += ["--people", str(options.people), "--conversations", str(options.conversations)]
        dataset += ["--messages", str(options.messages)]
        subprocess.run(dataset, check=True, cwd=Path(__file__).resolve().parent.parent)
        planting = [sys.executable, "-m", "bench.discovery", "plant", *target.arguments()]
        subprocess.run(planting, check=True, cwd=Path(__file__).resolve().parent.parent)
        run(target, options)
    elif options.step == "plant":
        target.activate()
        plant()
    else:
        run(target, options)


if __name__ == "__main__":
    main()
