"""A large made-up site for the load scenarios: people, conversations, participants, messages.

    .venv/bin/python -m bench.dataset --people 10000 --conversations 20000 --messages 1000000
        [--database-url postgres://...] [--var-dir var/bench] [--wipe]

Rows are written in bulk (COPY on PostgreSQL, batched inserts on SQLite), not through the
services: a million messages one by one would take hours. Message bodies are realistic Markdown
(mostly a few sentences, some paragraphs, a few long essays) drawn from a pool rendered once by
the site's renderer. Message sizes per conversation are heavy-tailed, and messages of different
conversations interleave in time, as they do on a real site.

Two conversations are planted for the scenarios, with ids 1 and 2 (rows are written with
explicit ids from 1) and these titles, which the scenarios check:
- READING_TITLE: `--reading-messages` messages (default 1,000), 20 participants, public; its
  content depends only on the seed and the number of people, so the same page can be compared
  on a small and a large dataset (the growth scenario);
- LONG_TITLE: `--long-messages` messages (default 10,000), 50 participants, public (0: none).

The generator refuses a database that already holds people or conversations; `--wipe` empties
every table first (Django's flush).
"""

import argparse
import random
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from django.db import connection, transaction

from .corpus import Body, body_pool, length_summary, person_name, title
from .target import Target, add_target_options

READING_TITLE = "Benchmark: the reading conversation"
LONG_TITLE = "Benchmark: the long conversation"
READING_PARTICIPANTS = 20
LONG_PARTICIPANTS = 50
# Rows written per transaction.
BATCH = 50_000
# Share of messages that reply to one of the last few messages of their conversation.
REPLY_SHARE = 0.08
RECENT_FOR_REPLIES = 8
VISIBILITY_SHARES = (("public", 0.90), ("unlisted", 0.07), ("private", 0.03))
SPAN = timedelta(days=365)


class DatasetError(Exception):
    """The dataset cannot be written as asked; the message says why."""


@dataclass(frozen=True)
class DatasetSize:
    people: int = 10_000
    conversations: int = 20_000
    messages: int = 1_000_000
    reading_messages: int = 1_000
    long_messages: int = 10_000
    seed: int = 1
    # Distinct message bodies; the same pool (seed and size) gives the same messages.
    pool: int = 2000

    def check(self) -> None:
        planted = 1 + (1 if self.long_messages else 0)
        if self.people < LONG_PARTICIPANTS:
            raise DatasetError(f"At least {LONG_PARTICIPANTS} people, please.")
        if self.conversations < planted:
            raise DatasetError(f"At least {planted} conversations, for the planted ones.")
        rest = self.messages - self.reading_messages - self.long_messages
        if rest < self.conversations - planted or (self.conversations == planted and rest):
            raise DatasetError(
                f"{self.messages} messages do not fit: the planted conversations take "
                f"{self.reading_messages + self.long_messages} and each other conversation "
                "needs at least one."
            )


@dataclass
class Plan:
    """Who takes part where, and which conversation each message (in time order) belongs to."""

    sizes: list[int]
    participants: list[list[int]]  # user ids; the first is the starter
    timeline: list[int]  # conversation index of each message, oldest first
    first: list[int] = field(default_factory=list)  # timeline position of the first message
    last: list[int] = field(default_factory=list)


def dataset_generate(size: DatasetSize, *, out: Callable[[str], None] = print) -> dict[str, int]:
    """Write the dataset into the configured database; returns the rows written per table."""
    size.check()
    _refuse_existing_data()
    _prepare_bulk_load()
    rng = random.Random(size.seed)
    started = time.monotonic()
    step = _Stopwatch(out)
    pool = body_pool(size.seed, size.pool)
    step.done("message bodies rendered", len(pool), f"({length_summary(pool)})")
    written = {"people": _write_people(size)}
    step.done("people", written["people"])
    plan = _plan(size, rng)
    step.done("plan", len(plan.timeline))
    written["conversations"] = _write_conversations(size, plan, rng)
    step.done("conversations", written["conversations"])
    written["participants"] = _write_participants(plan)
    step.done("participants", written["participants"])
    written["messages"] = _write_messages(size, plan, pool)
    step.done("messages", written["messages"])
    _finish()
    step.done("sequences and statistics", 0)
    out(f"Done in {time.monotonic() - started:.1f} s on {connection.vendor}.")
    return written


class _Stopwatch:
    def __init__(self, out: Callable[[str], None]) -> None:
        self.out = out
        self.last = time.monotonic()

    def done(self, what: str, rows: int, note: str = "") -> None:
        now = time.monotonic()
        seconds = now - self.last
        rate = f", {rows / seconds:,.0f}/s" if rows and seconds > 0 else ""
        self.out(f"  {what}: {rows:,} in {seconds:.1f} s{rate} {note}".rstrip())
        self.last = now


def _refuse_existing_data() -> None:
    from perchoir.accounts.models import User
    from perchoir.conversations.models import Conversation

    people, conversations = User.objects.count(), Conversation.objects.count()
    if people or conversations:
        raise DatasetError(
            f"This database already holds {people} people and {conversations} conversations. "
            "Use another database, or --wipe to empty every table of this one first."
        )


def _prepare_bulk_load() -> None:
    """SQLite: a large page cache, and no waiting for the disk (a lost dataset is made again)."""
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-1000000")


def _base_time() -> datetime:
    from django.utils import timezone

    return timezone.now() - SPAN - timedelta(minutes=1)


# --- Rows ---------------------------------------------------------------------------------------


def _write_people(size: DatasetSize) -> int:
    from django.contrib.auth.hashers import make_password

    from perchoir.accounts.models import User

    rng = random.Random(f"{size.seed}:people")  # the same people whatever the other sizes
    password = make_password(None)  # unusable: nobody signs in as a generated person
    start, step = _base_time(), SPAN / size.people

    def rows() -> Iterator[tuple[Any, ...]]:
        for n in range(size.people):
            name = person_name(rng)
            handle = f"{name.split()[0].lower()}{n + 1}"
            yield (n + 1, handle, f"{handle}@example.org", name, _dt(start + n * step), password)

    columns = ["id", "handle", "email", "display_name", "date_joined", "password"]
    return _insert(User, columns, rows())


def _plan(size: DatasetSize, rng: random.Random) -> Plan:
    planted = [size.reading_messages] + ([size.long_messages] if size.long_messages else [])
    rest = size.conversations - len(planted)
    sizes = planted + _heavy_tailed(rest, size.messages - sum(planted), rng)
    participants = [
        _participants(random.Random(f"{size.seed}:reading"), size.people, READING_PARTICIPANTS)
    ]
    if size.long_messages:
        participants.append(
            _participants(random.Random(f"{size.seed}:long"), size.people, LONG_PARTICIPANTS)
        )
    for _ in range(rest):
        count = min(30, 2 + int(rng.lognormvariate(0.5, 0.7)))
        participants.append(_participants(rng, size.people, count))
    timeline = [index for index, count in enumerate(sizes) for _ in range(count)]
    rng.shuffle(timeline)
    plan = Plan(sizes=sizes, participants=participants, timeline=timeline)
    plan.first = [-1] * len(sizes)
    plan.last = [-1] * len(sizes)
    for position, index in enumerate(timeline):
        if plan.first[index] < 0:
            plan.first[index] = position
        plan.last[index] = position
    return plan


def _heavy_tailed(count: int, total: int, rng: random.Random) -> list[int]:
    """`count` sizes of at least 1 adding up to `total`: most small, a few large."""
    if not count:
        return []
    weights = [rng.lognormvariate(0, 1.3) for _ in range(count)]
    scale = (total - count) / sum(weights)
    sizes = [1 + int(weight * scale) for weight in weights]
    for index in rng.sample(range(count), total - sum(sizes)):
        sizes[index] += 1
    return sizes


def _participants(rng: random.Random, people: int, count: int) -> list[int]:
    return [n + 1 for n in rng.sample(range(people), min(count, people))]


def _visibility(rng: random.Random) -> str:
    roll = rng.random()
    for visibility, share in VISIBILITY_SHARES:
        roll -= share
        if roll < 0:
            return visibility
    return VISIBILITY_SHARES[0][0]


def _write_conversations(size: DatasetSize, plan: Plan, rng: random.Random) -> int:
    from perchoir.conversations.models import Conversation

    start, step = _base_time(), SPAN / max(1, len(plan.timeline))
    titles = [READING_TITLE] + ([LONG_TITLE] if size.long_messages else [])

    def rows() -> Iterator[tuple[Any, ...]]:
        for index, count in enumerate(plan.sizes):
            planted = index < len(titles)
            yield (
                index + 1,
                titles[index] if planted else title(rng),
                plan.participants[index][0],
                "public" if planted else _visibility(rng),
                count,
                _dt(start + plan.first[index] * step),
                _dt(start + plan.last[index] * step),
            )

    columns = [
        "id", "title", "starter_id", "visibility", "message_count", "created_at",
        "last_activity_at",
    ]  # fmt: skip
    return _insert(Conversation, columns, rows())


def _write_participants(plan: Plan) -> int:
    from perchoir.conversations.models import Participant

    start, step = _base_time(), SPAN / max(1, len(plan.timeline))

    def rows() -> Iterator[tuple[Any, ...]]:
        next_id = 1
        for index, people in enumerate(plan.participants):
            joined = _dt(start + plan.first[index] * step)
            for position, user_id in enumerate(people):
                role = "starter" if position == 0 else "participant"
                yield (next_id, index + 1, user_id, role, joined)
                next_id += 1

    columns = ["id", "conversation_id", "user_id", "role", "joined_at"]
    return _insert(Participant, columns, rows())


def _write_messages(size: DatasetSize, plan: Plan, pool: list[Body]) -> int:
    from perchoir.conversations.models import Message

    start, step = _base_time(), SPAN / max(1, len(plan.timeline))
    # The planted conversations draw from their own generators: their content does not depend
    # on how the other conversations interleave with them.
    shared = random.Random(f"{size.seed}:messages")
    planted = [random.Random(f"{size.seed}:reading:messages")]
    if size.long_messages:
        planted.append(random.Random(f"{size.seed}:long:messages"))
    recent: list[list[int]] = [[] for _ in plan.sizes]

    def rows() -> Iterator[tuple[Any, ...]]:
        for position, index in enumerate(plan.timeline):
            rng = planted[index] if index < len(planted) else shared
            body = pool[rng.randrange(len(pool))]
            people = plan.participants[index]
            first = position == plan.first[index]
            author = people[0] if first else people[rng.randrange(len(people))]
            earlier = recent[index]
            reply_to = rng.choice(earlier) if earlier and rng.random() < REPLY_SHARE else None
            message_id = position + 1
            earlier.append(message_id)
            if len(earlier) > RECENT_FOR_REPLIES:
                del earlier[0]
            created = _dt(start + position * step)
            yield (message_id, index + 1, author, body.markdown, body.html, reply_to, created)

    columns = [
        "id", "conversation_id", "author_id", "body", "body_html", "reply_to_id", "created_at",
    ]  # fmt: skip
    return _insert(Message, columns, rows())


# --- Writing ------------------------------------------------------------------------------------


def _dt(value: datetime) -> Any:
    """A datetime as the database driver takes it (SQLite: text in UTC)."""
    return connection.ops.adapt_datetimefield_value(value)


def _defaults(model: Any, given: list[str]) -> tuple[list[str], tuple[Any, ...]]:
    """The model's other columns and the value each gets: its default, now, or NULL."""
    from django.utils import timezone

    names, values = [], []
    for model_field in model._meta.concrete_fields:
        if model_field.attname in given:
            continue
        if model_field.has_default():
            value = model_field.get_default()
        elif getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
            value = timezone.now()
        elif model_field.null:
            value = None
        else:
            raise DatasetError(f"No value for {model.__name__}.{model_field.name}")
        names.append(model_field.attname)
        values.append(model_field.get_db_prep_save(value, connection))
    return names, tuple(values)


def _insert(model: Any, given: list[str], rows: Iterable[tuple[Any, ...]]) -> int:
    """Insert rows of `given` columns (the others get their defaults); returns how many."""
    other, defaults = _defaults(model, given)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in given + other)
    table = quote(model._meta.db_table)
    count = 0
    for batch in _batched(rows, BATCH):
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row(row + defaults)
            else:
                marks = ", ".join(["%s"] * (len(given) + len(other)))
                sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
                cursor.executemany(sql, [row + defaults for row in batch])
        count += len(batch)
    return count


def _batched(rows: Iterable[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def _finish() -> None:
    """Sequences past the ids written (PostgreSQL), then fresh statistics for the planner."""
    from django.core.management.color import no_style

    from perchoir.accounts.models import User
    from perchoir.conversations.models import Conversation, Message, Participant

    models = [User, Conversation, Participant, Message]
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            for model in models:
                cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        else:
            cursor.execute("ANALYZE")


def database_size() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            return str(cursor.fetchone()[0])
        cursor.execute("SELECT page_count * page_size FROM pragma_page_count, pragma_page_size")
        return f"{cursor.fetchone()[0] / 2**20:,.0f} MB"


def main(argv: list[str] | None = None) -> None:
    defaults = DatasetSize()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=defaults.people)
    parser.add_argument("--conversations", type=int, default=defaults.conversations)
    parser.add_argument("--messages", type=int, default=defaults.messages)
    parser.add_argument("--reading-messages", type=int, default=defaults.reading_messages)
    parser.add_argument("--long-messages", type=int, default=defaults.long_messages)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--wipe", action="store_true", help="empty every table first")
    add_target_options(parser)
    options = parser.parse_args(argv)
    size = DatasetSize(
        people=options.people,
        conversations=options.conversations,
        messages=options.messages,
        reading_messages=options.reading_messages,
        long_messages=options.long_messages,
        seed=options.seed,
    )
    target = Target.from_options(options)
    target.activate()
    from django.core.management import call_command

    if options.wipe:
        print(f"Emptying every table of {target.describe()}.")
        call_command("flush", interactive=False, verbosity=0)
    print(f"Writing {size} into {target.describe()}")
    try:
        dataset_generate(size)
    except DatasetError as error:
        sys.exit(str(error))
    print(f"Database size: {database_size()}")


if __name__ == "__main__":
    main()
