"""Reads of discovery: search, explore and home, always through the viewer."""

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import reduce
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connections, router
from django.db.models import Q, QuerySet, Value
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from perchoir.accounts.models import User
from perchoir.collections.models import Collection
from perchoir.collections.selectors import collection_get_for_viewer
from perchoir.core.errors import InvalidInput, NotFound

from .backends import search_backend
from .models import DigestFrequency, DigestSubscription, SearchDocument
from .prepared import FOUND_ID, check_for
from .registry import Found, SearchKind, search_kinds
from .text import query_terms, snippet
from .visibility import people_findable, people_findable_by

PAGE_SIZE = 20
# How many of the best matches a search checks against the viewer's visibility, at least and
# at most (see _ranked_page).
CANDIDATES = 200
MAX_CANDIDATES = 2000
# The window holds this many times what the page needs: room for what the viewer may not see.
WINDOW_FACTOR = 4
# Search ranks the newest this many matches only, so that its cost does not grow with the
# number of matches (docs/decisions/0010). At least MAX_CANDIDATES: every window the fast path
# serves is cut from the same ranking.
RECENT_MATCHES = 2000
PEOPLE_PREVIEW = 5
PERSON = "person"


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    kind: str = ""  # "" for everything, "person", or a registered kind
    person: str = ""  # a handle: only what they wrote or started
    since: date | None = None
    until: date | None = None
    collection: int | None = None  # only items of this collection


@dataclass(frozen=True)
class SearchHit:
    kind: str
    kind_label: str | Promise
    found: Found
    snippet: SafeString


@dataclass
class SearchResults:
    query: SearchQuery
    terms: list[str]
    page: Page[Any] | None = None
    hits: list[SearchHit] = field(default_factory=list)
    people: list[User] = field(default_factory=list)
    people_page: Page[Any] | None = None
    collection: Collection | None = None  # the collection filter, as the searcher sees it
    # Whether page.paginator counted every match; if not, more pages may follow its last.
    count_exact: bool = True

    @property
    def is_empty(self) -> bool:
        return not self.hits and not self.people


def search_kind_choices() -> list[tuple[str, str | Promise]]:
    kinds = [(name, kind.plural) for name, kind in search_kinds().items()]
    return [*kinds, (PERSON, _("People"))]


def _person(handle: str) -> User:
    handle = handle.strip().lstrip("@")
    person = people_findable().filter(handle__iexact=handle).first() if handle else None
    if person is None:
        raise InvalidInput.for_field(
            "person", _("Nobody here goes by @%(handle)s.") % {"handle": handle}
        )
    return person


def _check(query: SearchQuery) -> None:
    if query.kind and query.kind != PERSON and query.kind not in search_kinds():
        raise InvalidInput.for_field("kind", _("Choose what to search among the choices."))
    if query.since and query.until and query.since > query.until:
        raise InvalidInput.for_field("until", _("The end of the period comes before its start."))


def _collection(viewer: Any, collection_id: int) -> Collection:
    """The collection to search in; one the viewer may not see is no different from none."""
    try:
        collection, _standing = collection_get_for_viewer(
            viewer=viewer, collection_id=collection_id
        )
    except NotFound:
        raise InvalidInput.for_field(
            "collection", _("This collection does not exist or is not yours to see.")
        ) from None
    return collection


def _people(viewer: Any, terms: list[str]) -> QuerySet[User]:
    words = [Q(handle__icontains=term) | Q(display_name__icontains=term) for term in terms]
    return (
        people_findable_by(viewer)
        .filter(reduce(operator.and_, words))
        .select_related("avatar")
        .order_by("handle")
    )


def _kinds_searched(query: SearchQuery) -> dict[str, SearchKind]:
    kinds = search_kinds()
    if query.kind:
        kinds = {query.kind: kinds[query.kind]}
    if query.collection is not None:
        kinds = {name: kind for name, kind in kinds.items() if kind.within_collection}
    return kinds


def _filtered(query: SearchQuery, kinds: dict[str, SearchKind]) -> QuerySet[SearchDocument]:
    """The documents of these kinds that pass the query's filters, whatever their words."""
    within = query.collection
    documents = SearchDocument.objects.filter(
        reduce(
            operator.or_,
            (
                Q(kind=name)
                & (
                    Q(object_id__in=kind.within_collection(within))
                    if within is not None and kind.within_collection
                    else Q()
                )
                for name, kind in kinds.items()
            ),
        )
    )
    if query.person:
        documents = documents.filter(author=_person(query.person))
    if query.since:
        start = timezone.make_aware(datetime.combine(query.since, time.min))
        documents = documents.filter(created_at__gte=start)
    if query.until:
        end = timezone.make_aware(datetime.combine(query.until + timedelta(days=1), time.min))
        documents = documents.filter(created_at__lt=end)
    return documents


def _matching(query: SearchQuery, terms: list[str], limit: int) -> list[SearchDocument]:
    """The `limit` best of the newest RECENT_MATCHES documents matching the query's words and
    filters, whoever looks: the viewer's visibility is checked by the caller (_visible)."""
    kinds = _kinds_searched(query)
    if not kinds:
        return []
    documents = _filtered(query, kinds)
    return search_backend().best_of_newest(documents, terms, RECENT_MATCHES, limit)


def _documents(viewer: Any, query: SearchQuery, terms: list[str]) -> list[SearchDocument]:
    """The exact way, for deep pages and windows the viewer may see too little of: the newest
    RECENT_MATCHES matches the viewer may see (visibility joined before the cut, so that a flood
    of what they may not see hides nothing they may), best first."""
    kinds = _kinds_searched(query)
    if not kinds:
        return []
    visible = reduce(
        operator.or_,
        (Q(kind=name, object_id__in=kind.visible_ids(viewer)) for name, kind in kinds.items()),
    )
    documents = _filtered(query, kinds).filter(
        visible, author_id__in=people_findable_by(viewer).values("pk")
    )
    return search_backend().best_of_newest(documents, terms, RECENT_MATCHES, RECENT_MATCHES)


# A check of the candidates: the kind it finds ("" for authors), what the viewer may see of
# that kind (a function of the viewer), and the ids to check.
Check = tuple[str, Callable[[Any], QuerySet[Any]], list[int]]


def _checked(viewer: Any, checks: list[Check]) -> list[tuple[int, str]]:
    """(id, kind) of what the viewer may see among the checked ids, in one query: the checks
    are joined by UNION ALL rather than nested in a query of the documents, whose building cost
    Django more than the database took to run them."""
    parts = [
        visible(viewer).filter(pk__in=ids).order_by().values_list("pk", Value(name))
        for name, visible, ids in checks
    ]
    return list(parts[0].union(*parts[1:], all=True))


def _checked_compiled(viewer: Any, checks: list[Check]) -> list[tuple[int, str]] | None:
    """The same from the checks compiled once for viewers of this one's shape
    (perchoir.discovery.prepared); None if one of them could not be."""
    prepared = [check_for(visible, viewer) for _name, visible, _ids in checks]
    # The database the request reads from (a replica, maybe), as the ORM's reads do.
    database = connections[router.db_for_read(SearchDocument)]
    sql: list[str] = []
    params: list[Any] = []
    for (name, _visible, ids), check in zip(checks, prepared, strict=True):
        if check is None:
            return None
        if ids:
            placeholders = ", ".join(["%s"] * len(ids))
            sql.append(  # Django's SQL and placeholders only: every value is a parameter
                f"SELECT {FOUND_ID}, %s FROM ({check.sql}) visible "  # noqa: S608
                f"WHERE {FOUND_ID} IN ({placeholders})"
            )
            params += [name, *check.bind(database, viewer), *ids]
    if not sql:
        return []
    with database.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(sql), params)
        return [(pk, kind) for pk, kind in cursor.fetchall()]


def _visible(viewer: Any, candidates: list[SearchDocument]) -> list[SearchDocument]:
    """The candidates the viewer may see, in their order, in one query: each kind's visibility
    and the authors' standing are checked on these few ids (by primary key), not on every
    match."""
    kinds = search_kinds()
    by_kind: dict[str, list[int]] = {}
    for candidate in candidates:
        by_kind.setdefault(candidate.kind, []).append(candidate.object_id)
    if not by_kind:
        return []
    checks: list[Check] = [(name, kinds[name].visible_ids, ids) for name, ids in by_kind.items()]
    authors = {c.author_id for c in candidates if c.author_id is not None}
    checks.append(("", people_findable_by, sorted(authors)))
    rows = _checked_compiled(viewer, checks)
    if rows is None:
        rows = _checked(viewer, checks)
    seen = {(kind, pk) for pk, kind in rows if kind}
    findable = {pk for pk, kind in rows if not kind}
    return [c for c in candidates if (c.kind, c.object_id) in seen and c.author_id in findable]


def _ranked_page(
    viewer: Any, query: SearchQuery, terms: list[str], page: int | str | None, size: int
) -> tuple[Page[Any], bool]:
    """A page of what the viewer may see, and whether its paginator counted every match.

    The engine ranks the newest RECENT_MATCHES matches by itself (GIN or FTS5, nothing else
    joined) and returns the best few: a window of WINDOW_FACTOR times what the page needs,
    CANDIDATES at least. The viewer's checks run on those only. When the window holds every
    match, the count is exact; otherwise it is what the window shows (at least one page more
    than asked). A page beyond MAX_CANDIDATES, or a window the viewer may see too little of
    (many blocks, say), takes the exact, slower way, whose count is exact while fewer than
    RECENT_MATCHES match.
    """
    try:
        number = max(1, int(page or 1))
    except (TypeError, ValueError):
        number = 1
    window = max(CANDIDATES, WINDOW_FACTOR * (number * size + 1))
    if window <= MAX_CANDIDATES:
        candidates = _matching(query, terms, window)
        visible = _visible(viewer, candidates)
        # Fewer than both limits: nothing was left out, neither by the window nor by the age.
        complete = len(candidates) < min(window, RECENT_MATCHES)
        if complete or len(visible) > number * size:
            return Paginator(visible, size).get_page(number), complete
    # At most RECENT_MATCHES small rows: one query, where a count and a page would run it twice.
    documents = _documents(viewer, query, terms)
    return Paginator(documents, size).get_page(number), len(documents) < RECENT_MATCHES


def search(
    *, viewer: Any, query: SearchQuery, page: int | str | None = 1, size: int = PAGE_SIZE
) -> SearchResults:
    """What the viewer may see that matches the query, best first, one page at a time.

    People are matched by handle or name; everything else through the full-text index.
    Hostile input is just words: no query raises anything but InvalidInput on bad filters.
    """
    _check(query)
    terms = query_terms(query.text)
    results = SearchResults(query=query, terms=terms)
    if query.collection is not None:
        results.collection = _collection(viewer, query.collection)
    if not terms:
        return results
    if query.kind == PERSON:
        if query.person or query.since or query.until or query.collection is not None:
            return results
        results.people_page = Paginator(_people(viewer, terms), size).get_page(page)
        results.people = list(results.people_page.object_list)
        return results
    if (
        not query.kind
        and not (query.person or query.since or query.until or query.collection is not None)
        and str(page or 1) == "1"
    ):
        results.people = list(_people(viewer, terms)[:PEOPLE_PREVIEW])
    results.page, results.count_exact = _ranked_page(viewer, query, terms, page, size)
    documents = list(results.page.object_list)
    # The text, for the snippets of this page only.
    texts = SearchDocument.objects.only("id", "title", "body").in_bulk([d.pk for d in documents])
    kinds = search_kinds()
    found: dict[tuple[str, int], Found] = {}
    for name in {d.kind for d in documents}:
        loaded = kinds[name].load((d.object_id for d in documents if d.kind == name), viewer)
        found.update({(name, object_id): item for object_id, item in loaded.items()})
    for document in documents:
        item = found.get((document.kind, document.object_id))
        stored = texts.get(document.pk)  # None if removed since the page was cut
        if item is None or stored is None:
            continue
        text = stored.body or stored.title
        results.hits.append(
            SearchHit(
                kind=document.kind,
                kind_label=kinds[document.kind].label,
                found=item,
                snippet=snippet(text, terms),
            )
        )
    return results


def digest_frequency_of(*, user: User) -> str:
    subscription = DigestSubscription.objects.filter(user=user).first()
    return subscription.frequency if subscription else DigestFrequency.OFF
