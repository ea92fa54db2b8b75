"""Home (F5): what happened among the people, collections and conversations a member follows and
takes part in, newest first, one entry per busy conversation or collection. Each kind of event
is a source registered with `registry.home_source_register`.

A page is one SQL statement: every source's SELECT, joined by UNION ALL, sorted and cut to the
page in the database. The sources are written in SQL, with parameters only: building and
compiling the same filters with the ORM cost about 20 ms of CPU a page, ten times what this
costs (bench/README.md, discovery; decision 0010). They apply the rules of `visibility.py` and
of the collections' selectors, and `tests/discovery/test_explore_home.py` checks them against
those."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from perchoir.accounts.models import User
from perchoir.collections.models import ConnectionStatus
from perchoir.collections.models import Visibility as CollectionVisibility
from perchoir.conversations.models import RequestStatus, Visibility
from perchoir.moderation.models import ActionKind

from .models import HomeVisit
from .registry import HomeContext, HomeSource, home_source_register, home_sources

PAGE_SIZE = 20

# What every source selects, in this order (the SQL names them so).
FEED_COLUMNS = (
    "id",  # of the conversation or collection the entry links to
    "title",
    "happened_at",
    "actor_id",  # the person who did it, if the entry names one (else NULL, and the next two)
    "actor_handle",
    "actor_name",
    "new_count",  # new messages or items since the last visit
    "tiebreak",  # the source's own order among events of the same time, descending
)


@dataclass(frozen=True)
class FeedEvent:
    kind: str
    at: datetime
    title: str
    url: str
    summary: str | Promise
    actor: User | None = None
    count: int = 0
    unread: bool = False


@dataclass(frozen=True)
class FeedRow:
    """One row of a source, as its `event` receives it."""

    id: int
    title: str
    at: datetime
    actor: User | None
    count: int
    unread: bool


@dataclass(frozen=True)
class FeedPage:
    events: list[FeedEvent]
    # `?before=` for the next (older) page; None on the last.
    older: datetime | None
    seen_at: datetime | None

    @property
    def newest_unseen(self) -> datetime | None:
        """The time to mark home seen up to, if this page shows something newer than the last
        visit (otherwise there is nothing to write)."""
        if self.events and (self.seen_at is None or self.events[0].at > self.seen_at):
            return self.events[0].at
        return None


# The people whose content the viewer never sees, as two tables every source may read:
# `blocked`, across a block either way (follows.selectors.unblocked), and `hidden`, those and the
# people suspended or banned now (visibility.sanctioned_ids). Findable people
# (visibility.people_findable_by) are also active: the sources check that on the joined person.
_PEOPLE_HIDDEN = """
blocked (id) AS (
    SELECT blocked_id FROM follows_block WHERE blocker_id = %(viewer)s
    UNION SELECT blocker_id FROM follows_block WHERE blocked_id = %(viewer)s
),
hidden (id) AS (
    SELECT id FROM blocked
    UNION SELECT subject_id FROM moderation_action
    WHERE kind IN (%(sanction_suspend)s, %(sanction_ban)s) AND reversed_at IS NULL
        AND subject_id IS NOT NULL AND (until IS NULL OR until > %(now)s)
)"""

# Each source's SQL is made of the constant fragments below and `%(name)s` parameters only
# (hence the `noqa: S608`, ruff's warning against SQL built from strings).


def _older(column: str, context: HomeContext) -> str:
    """The condition for `?before=`, on the source's time column."""
    return f"AND {column} < %(before)s" if context.before is not None else ""


def _new_count(active: str, since: str, counted: str, context: HomeContext) -> str:
    """How many rows `counted` (FROM ... WHERE ...) has for an entry active since the last
    visit (its time column `active`, the counted rows' `since`), else 0: only such an entry can
    hold something new, and counting elsewhere would read every message for nothing."""
    if context.seen_at is None:
        return f"(SELECT COUNT(*) {counted})"
    return (
        f"CASE WHEN {active} > %(seen_at)s "
        f"THEN (SELECT COUNT(*) {counted} AND {since} > %(seen_at)s) ELSE 0 END"
    )


def _conversation_url(pk: int) -> str:
    return reverse("conversations:detail", args=[pk])


def _collection_url(pk: int) -> str:
    return reverse("collections:detail", args=[pk])


def _event_of(
    kind: str, url: Callable[[int], str], summary: Callable[[FeedRow], str | Promise]
) -> Callable[[FeedRow], FeedEvent]:
    """A source's `event`: its rows become entries of `kind`, linking to `url(row.id)`. Sources
    that name nobody or count nothing select NULL and 0, which the entry shows as such."""

    def event(row: FeedRow) -> FeedEvent:
        return FeedEvent(
            kind=kind,
            at=row.at,
            title=row.title,
            url=url(row.id),
            summary=summary(row),
            actor=row.actor,
            count=row.count,
            unread=row.unread,
        )

    return event


# --- Conversations ------------------------------------------------------------------------------


def _invitations(context: HomeContext) -> tuple[str, dict[str, Any]]:
    """Pending invitations to conversations not hidden, from people not across a block."""
    sql = f"""
        SELECT c.id AS id, c.title AS title, i.created_at AS happened_at, u.id AS actor_id,
            u.handle AS actor_handle, u.display_name AS actor_name, 0 AS new_count,
            i.id AS tiebreak
        FROM conversations_invitation i
        JOIN conversations_conversation c ON c.id = i.conversation_id
        JOIN accounts_user u ON u.id = i.inviter_id
        WHERE i.invitee_id = %(viewer)s AND i.status = %(invitation_pending)s
            AND c.hidden_at IS NULL AND i.inviter_id NOT IN (SELECT id FROM blocked)
            {_older("i.created_at", context)}
        ORDER BY i.created_at DESC, i.id DESC
        LIMIT %(limit)s"""  # noqa: S608
    return sql, {"invitation_pending": RequestStatus.PENDING.value}


def _conversation_activity(context: HomeContext) -> tuple[str, dict[str, Any]]:
    """One entry per conversation the viewer takes part in, however many messages arrived, with
    the count of others' messages since the last visit (not deleted, not hidden, by people not
    hidden from the viewer), counted once the page's conversations are chosen."""
    others = """
        FROM conversations_message m
        WHERE m.conversation_id = c.id AND m.deleted_at IS NULL AND m.hidden_at IS NULL
            AND m.author_id <> %(viewer)s AND m.author_id NOT IN (SELECT id FROM hidden)"""
    sql = f"""
        SELECT c.id AS id, c.title AS title, c.last_activity_at AS happened_at,
            CAST(NULL AS integer) AS actor_id, CAST(NULL AS varchar) AS actor_handle,
            CAST(NULL AS varchar) AS actor_name,
            {_new_count("c.last_activity_at", "m.created_at", others, context)} AS new_count,
            c.id AS tiebreak
        FROM (
            SELECT id, title, last_activity_at FROM conversations_conversation
            WHERE hidden_at IS NULL AND message_count > 0 AND id IN (
                SELECT conversation_id FROM conversations_participant
                WHERE user_id = %(viewer)s AND removed_at IS NULL
            ) {_older("last_activity_at", context)}
            ORDER BY last_activity_at DESC, id DESC
            LIMIT %(limit)s
        ) AS c"""  # noqa: S608
    return sql, {}


def _followed_conversations(context: HomeContext) -> tuple[str, dict[str, Any]]:
    """Conversations that people the viewer follows started, that the viewer may find and is
    not, or no longer, in: findable ones (visibility.conversations_findable) are public, or the
    viewer's, which this leaves out. Their starters are findable too."""
    sql = f"""
        SELECT c.id AS id, c.title AS title, c.created_at AS happened_at, u.id AS actor_id,
            u.handle AS actor_handle, u.display_name AS actor_name, 0 AS new_count,
            c.id AS tiebreak
        FROM conversations_conversation c
        JOIN accounts_user u ON u.id = c.starter_id
        WHERE c.starter_id IN (
                SELECT followed_id FROM follows_follow WHERE follower_id = %(viewer)s
            )
            AND c.visibility = %(conversation_public)s AND c.hidden_at IS NULL
            AND u.is_active AND c.starter_id NOT IN (SELECT id FROM hidden)
            AND c.id NOT IN (
                SELECT conversation_id FROM conversations_participant WHERE user_id = %(viewer)s
            ) {_older("c.created_at", context)}
        ORDER BY c.created_at DESC, c.id DESC
        LIMIT %(limit)s"""  # noqa: S608
    return sql, {"conversation_public": Visibility.PUBLIC.value}


# --- Collections --------------------------------------------------------------------------------

# A collection `col` (its owner joined as `o`) that the viewer may find: listed to them (public:
# collections_listed; their own or one they contribute to: collections_of_member; and, for one
# they follow, unlisted: they have its address), not hidden, by an owner they may find.
_COLLECTION_FINDABLE = """
    col.hidden_at IS NULL AND o.is_active AND col.owner_id NOT IN (SELECT id FROM hidden)
    AND (
        col.visibility IN ({visibilities})
        OR col.owner_id = %(viewer)s
        OR col.id IN (
            SELECT collection_id FROM collections_contributor WHERE user_id = %(viewer)s
        )
    )"""
_PUBLIC_OR_UNLISTED = "%(collection_public)s, %(collection_unlisted)s"
_COLLECTION_PARAMS = {
    "collection_public": CollectionVisibility.PUBLIC.value,
    "collection_unlisted": CollectionVisibility.UNLISTED.value,
    "connection_approved": ConnectionStatus.APPROVED.value,
}


def _collection_items(context: HomeContext) -> tuple[str, dict[str, Any]]:
    """One entry per followed collection that others added items to, however many, at the
    latest addition, with the count of additions since the last visit: published items, not
    hidden, by people the viewer may find.

    The latest addition is the last one made (the highest id; an addition's time is set when it
    is made): the index on (collection, status, -id) finds it in a row or two per collection,
    where the newest time would read every item of every followed collection."""
    added = f"""
        FROM collections_connection k
        JOIN collections_item item ON item.id = k.item_id
        JOIN accounts_user a ON a.id = item.author_id
        WHERE k.collection_id = followed.id AND k.status = %(connection_approved)s
            AND item.published_at IS NOT NULL AND item.hidden_at IS NULL
            AND item.author_id <> %(viewer)s
            AND a.is_active AND item.author_id NOT IN (SELECT id FROM hidden)
            {_older("k.created_at", context)}"""  # noqa: S608
    sql = f"""
        SELECT followed.id AS id, followed.title AS title, followed.latest_at AS happened_at,
            CAST(NULL AS integer) AS actor_id, CAST(NULL AS varchar) AS actor_handle,
            CAST(NULL AS varchar) AS actor_name,
            {_new_count("followed.latest_at", "k.created_at", added, context)} AS new_count,
            followed.id AS tiebreak
        FROM (
            SELECT followed.id AS id, followed.title AS title,
                (SELECT k.created_at {added} ORDER BY k.id DESC LIMIT 1) AS latest_at
            FROM (
                SELECT col.id, col.title FROM collections_collection col
                JOIN accounts_user o ON o.id = col.owner_id
                WHERE col.id IN (
                    SELECT collection_id FROM collections_collectionfollow
                    WHERE user_id = %(viewer)s
                ) AND {_COLLECTION_FINDABLE.format(visibilities=_PUBLIC_OR_UNLISTED)}
            ) AS followed
            ORDER BY latest_at DESC NULLS LAST, id DESC
            LIMIT %(limit)s
        ) AS followed
        -- Outside the LIMIT, so that the latest addition is looked up once per collection.
        WHERE followed.latest_at IS NOT NULL"""  # noqa: S608
    return sql, _COLLECTION_PARAMS


def _followed_peoples_collections(context: HomeContext) -> tuple[str, dict[str, Any]]:
    """Collections created by people the viewer follows, that the viewer may find
    (visibility.collections_findable)."""
    sql = f"""
        SELECT col.id AS id, col.title AS title, col.created_at AS happened_at,
            o.id AS actor_id, o.handle AS actor_handle, o.display_name AS actor_name,
            0 AS new_count, col.id AS tiebreak
        FROM collections_collection col
        JOIN accounts_user o ON o.id = col.owner_id
        WHERE col.owner_id IN (
                SELECT followed_id FROM follows_follow WHERE follower_id = %(viewer)s
            )
            AND {_COLLECTION_FINDABLE.format(visibilities="%(collection_public)s")}
            {_older("col.created_at", context)}
        ORDER BY col.created_at DESC, col.id DESC
        LIMIT %(limit)s"""  # noqa: S608
    return sql, _COLLECTION_PARAMS


def register_collection_sources() -> None:
    home_source_register(
        HomeSource(
            "collection_items",
            _collection_items,
            _event_of("collection_items", _collection_url, lambda _row: _("new items")),
        )
    )
    home_source_register(
        HomeSource(
            "followed_collections",
            _followed_peoples_collections,
            _event_of(
                "followed_collection", _collection_url, lambda _row: _("created a collection")
            ),
        )
    )


def register_conversation_sources() -> None:
    home_source_register(
        HomeSource(
            "invitations",
            _invitations,
            _event_of("invitation", _conversation_url, lambda _row: _("invited you to take part")),
        )
    )
    home_source_register(
        HomeSource(
            "conversation_activity",
            _conversation_activity,
            _event_of(
                "activity",
                _conversation_url,
                lambda row: _("new messages") if row.count else _("recent activity"),
            ),
        )
    )
    home_source_register(
        HomeSource(
            "followed_conversations",
            _followed_conversations,
            _event_of(
                "followed_conversation",
                _conversation_url,
                lambda _row: _("started a conversation"),
            ),
        )
    )


# --- The page -----------------------------------------------------------------------------------


def _datetime(value: datetime | str) -> datetime:
    """A timestamp as the database gives it: SQLite gives text in UTC for computed columns."""
    parsed = parse_datetime(value) if isinstance(value, str) else value
    if parsed is None:
        raise ValueError(f"not a timestamp: {value!r}")
    return timezone.make_aware(parsed, UTC) if timezone.is_naive(parsed) else parsed


def _feed_rows(context: HomeContext, sources: list[HomeSource]) -> list[tuple[Any, ...]]:
    """Every source's newest events, merged and cut to `context.limit` in one statement."""
    adapt = connection.ops.adapt_datetimefield_value
    params: dict[str, Any] = {
        "sanction_suspend": ActionKind.SUSPEND.value,
        "sanction_ban": ActionKind.BAN.value,
        "viewer": context.viewer.pk,
        "limit": context.limit,
        "now": adapt(timezone.now()),
        "before": adapt(context.before),
        "seen_at": adapt(context.seen_at),
    }
    selects = []
    for index, source in enumerate(sources):
        sql, extra = source.select(context)
        for name, value in extra.items():
            # One statement, one set of parameters: a name means the same for every source.
            if params.setdefault(name, value) != value:
                raise ValueError(f"Home sources give the parameter {name} different values.")
        selects.append(f"SELECT {index} AS source, s{index}.* FROM ({sql}) AS s{index}")  # noqa: S608
    union = "\nUNION ALL\n".join(selects)
    statement = f"""
        WITH {_PEOPLE_HIDDEN}
        SELECT source, {", ".join(FEED_COLUMNS)} FROM ({union}) AS feed
        ORDER BY happened_at DESC, source, tiebreak DESC
        LIMIT %(limit)s"""  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


def home_feed(*, viewer: Any, before: datetime | None = None, size: int = PAGE_SIZE) -> FeedPage:
    """One page of the viewer's home, newest first; `before` continues from an older page.

    Each source gives at most `size + 1` events, so the queries (two: the last visit, then the
    page) do not grow with how many people and conversations the viewer follows."""
    seen_at = HomeVisit.objects.filter(user=viewer).values_list("seen_at", flat=True).first()
    context = HomeContext(viewer, before, size + 1, seen_at)
    sources = home_sources()
    rows = _feed_rows(context, sources) if sources else []
    events = []
    for source, pk, title, at, actor_id, handle, name, count, _tiebreak in rows[:size]:
        happened = _datetime(at)
        actor = User(id=actor_id, handle=handle, display_name=name) if actor_id else None
        row = FeedRow(pk, title, happened, actor, count, seen_at is None or happened > seen_at)
        events.append(sources[source].event(row))
    older = events[-1].at if len(rows) > size else None
    return FeedPage(events=events, older=older, seen_at=seen_at)
