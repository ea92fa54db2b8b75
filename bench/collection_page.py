"""The collection scenario: a public collection page of 60 items of mixed kinds, from a collection
of 5,000, against the baseline page; and the cost of reordering one item in it.

    .venv/bin/python -m bench.collection_page [--var-dir DIR | --database-url URL] --items 5000
    .venv/bin/python -m bench.run collection [--var-dir DIR | --database-url URL] [--seconds 10]

The first writes the planted collections (after `python -m bench.dataset`, which makes the
people): **"Benchmark: the large collection"** (`--items`, 5,000) and **"Benchmark: the small
collection"** (60 items), both public, of articles, images (thumbnails ready, as the worker leaves
them), links (preview cards ready) and events. The second serves the site as in production and
prints the page's throughput as a ratio to the baseline page, its SQL queries on both
collections (the same number, at most 10), and the writes of one move (2: the item's position
and the collection's version, which keys its rendered grid).
"""

import argparse
import asyncio
import re
from datetime import timedelta

from .pages import BASELINE, Page, _load_line, _print_costs, _ratio, measure, page_costs
from .report import LOAD_HEADER, load_row, machine_line, table, verdict
from .site import BASELINE_PATH, site_served
from .target import Target, add_target_options

LARGE_TITLE = "Benchmark: the large collection"
SMALL_TITLE = "Benchmark: the small collection"
PAGE_ITEMS = 60
MAX_QUERIES = 10
KINDS = ("article", "image", "link", "event")


def collections_write(items: int, *, out=print) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The two planted collections, in bulk (a few thousand rows a batch)."""
    from django.db import transaction
    from django.utils import timezone

    from perchoir.accounts.models import User
    from perchoir.collections.models import (
        POSITION_GAP,
        Collection,
        Connection,
        ContributionPolicy,
        Item,
        Visibility,
    )
    from perchoir.core.markdown import render_markdown
    from perchoir.links.models import LinkPreview, LinkPreviewStatus
    from perchoir.media.models import Image, ImageStatus

    people = list(User.objects.order_by("id").values_list("id", flat=True)[:50])
    if not people:
        raise SystemExit("Write the people first: python -m bench.dataset")
    if Collection.objects.filter(title__in=[LARGE_TITLE, SMALL_TITLE]).exists():
        raise SystemExit("The planted collections are already here.")
    now = timezone.now()
    body = "A paragraph of *Markdown*, long enough to read.\n\n" * 6
    body_html = render_markdown(body)
    ids: dict[str, int] = {}
    with transaction.atomic():
        image = Image.objects.create(
            uploaded_by_id=people[0],
            file="images/bench/photo.png",
            format="png",
            width=1200,
            height=800,
            size_bytes=100_000,
            status=ImageStatus.READY,
            thumbnails={str(w): f"thumbnails/bench-photo-{w}.webp" for w in (64, 256, 800)},
        )
        preview = LinkPreview.objects.create(
            url="https://example.org/bench",
            status=LinkPreviewStatus.READY,
            title="An example page",
            description="What the page says about itself.",
            site_name="Example",
            image=image,
            fetched_at=now,
        )
        for title, count in ((SMALL_TITLE, PAGE_ITEMS), (LARGE_TITLE, items)):
            owner = people[len(ids) % len(people)]
            collection = Collection.objects.create(
                owner_id=owner,
                title=title,
                description="Planted by the bench.",
                description_html="<p>Planted by the bench.</p>",
                visibility=Visibility.PUBLIC,
                policy=ContributionPolicy.ANYONE,
                cover=image,
                item_count=count,
            )
            ids[title] = collection.pk
            for start in range(0, count, 2000):
                batch = range(start, min(count, start + 2000))
                made = Item.objects.bulk_create(
                    [_item(n, people, image, preview, body, body_html, now) for n in batch]
                )
                Connection.objects.bulk_create(
                    Connection(
                        collection=collection,
                        item=item,
                        added_by_id=item.author_id,
                        position=(n + 1) * POSITION_GAP,
                    )
                    for n, item in zip(batch, made, strict=True)
                )
            out(f"{title}: {count} items (collection {collection.pk})")
    return ids


def _item(n, people, image, preview, body, body_html, now):  # type: ignore[no-untyped-def]
    from perchoir.collections.models import Item

    kind = KINDS[n % len(KINDS)]
    item = Item(
        kind=kind,
        author_id=people[n % len(people)],
        title=f"Item {n}: {kind}",
        published_at=now,
        recommendation_count=n % 7,
    )
    if kind == "article":
        item.body, item.body_html, item.reading_minutes, item.image = body, body_html, 2, image
    elif kind == "image":
        item.image, item.alt_text, item.caption = image, "A planted photo", "A caption."
    elif kind == "link":
        item.link_url, item.link_preview = preview.url, preview
    else:
        item.starts_at = now + timedelta(days=n % 90)
        item.ends_at = item.starts_at + timedelta(hours=3)
        item.time_zone, item.place = "Europe/Paris", "Lyon"
        item.programme = [{"time": "09:30", "title": "Welcome"}]
    return item


def _planted() -> dict[str, int]:
    from perchoir.collections.models import Collection

    found = dict(
        Collection.objects.filter(title__in=[LARGE_TITLE, SMALL_TITLE]).values_list("title", "id")
    )
    if len(found) != 2:
        raise SystemExit("Write the planted collections first: python -m bench.collection_page")
    return found


async def _check(url: str, page: Page) -> None:
    from .http import Connection

    connection = Connection(url)
    response = await connection.request("GET", page.path)
    await connection.close()
    html = response.body.decode()
    shown = len(re.findall(r'<li class="item-card', html))
    if response.status != 200 or page.title not in html or shown != PAGE_ITEMS:
        raise SystemExit(f"{page.path} answered {response.status} with {shown} items")


def move_writes(collection_id: int) -> int:
    """Writes of moving the large collection's last item after its tenth (then back)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from perchoir.collections.models import Collection, Connection
    from perchoir.collections.services import connection_move

    collection = Collection.objects.select_related("owner").get(pk=collection_id)
    order = list(
        Connection.objects.filter(collection=collection)
        .order_by("position", "id")
        .values_list("item_id", flat=True)
    )
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            connection_move(
                actor=collection.owner,
                collection_id=collection_id,
                item_id=order[-1],
                after_item_id=order[9],
            )
        transaction.set_rollback(True)
    return sum(
        1
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))
    )


def collection_scenario(target: Target, options: argparse.Namespace) -> None:
    print(f"Scenario collection · {machine_line()}\nSite: {target.describe()}")
    print(f"{_load_line(options)}\n")
    target.activate()
    planted = _planted()
    large = Page("collection page, 60 of 5,000", f"/k/{planted[LARGE_TITLE]}/", LARGE_TITLE)
    small = Page("collection page, 60 of 60", f"/k/{planted[SMALL_TITLE]}/", SMALL_TITLE)
    costs = page_costs([BASELINE_PATH, large.path, small.path])
    writes = move_writes(planted[LARGE_TITLE])
    with site_served(target) as site:
        for page in (large, small):
            asyncio.run(_check(site.url, page))
        urls = {BASELINE: site.url + BASELINE_PATH, large.name: site.url + large.path}
        results = measure(urls, options)
    baseline = results[BASELINE]
    print(
        table(LOAD_HEADER, [load_row(name, result, baseline) for name, result in results.items()])
    )
    print("\nIn one process, without a server (anonymous reader):")
    _print_costs(costs)
    ratio = _ratio(results[large.name], baseline)
    print()
    print(verdict(ratio >= 1.0, "throughput ≥ 1.0x the baseline page", f"{ratio:.2f}x"))
    counts = [costs[large.path].queries, costs[small.path].queries]
    same = counts[0] == counts[1] and counts[0] <= MAX_QUERIES
    print(verdict(same, f"≤ {MAX_QUERIES} queries, the same for 60 and 5,000 items", f"{counts}"))
    moved = "moving one item of 5,000 writes 2 rows (its position, the collection's version)"
    print(verdict(writes <= 2, moved, f"{writes} writes"))
    print(f"\n{machine_line()}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write the planted collections.")
    add_target_options(parser)
    parser.add_argument("--items", type=int, default=5000)
    options = parser.parse_args(argv)
    Target.from_options(options).activate()
    collections_write(options.items)


if __name__ == "__main__":
    main()
