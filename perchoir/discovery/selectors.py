"""Reads of discovery: search, explore and home, always through the viewer."""

import operator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import reduce
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
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


def _matching(query: SearchQuery, terms: list[str]) -> QuerySet[SearchDocument]:
    """Every document matching the query's words and filters, best first, whoever looks: the
    viewer's visibility is applied by the callers."""
    kinds = _kinds_searched(query)
    if not kinds:
        return SearchDocument.objects.none()
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
    return search_backend().match(documents, terms)


def _documents(viewer: Any, query: SearchQuery, terms: list[str]) -> QuerySet[SearchDocument]:
    """The exact way: every match checked against the visibility rows (deep pages only)."""
    kinds = _kinds_searched(query)
    if not kinds:
        return SearchDocument.objects.none()
    visible = reduce(
        operator.or_,
        (Q(kind=name, object_id__in=kind.visible_ids(viewer)) for name, kind in kinds.items()),
    )
    return (
        _matching(query, terms)
        .filter(visible)
        .filter(author_id__in=people_findable_by(viewer).values("pk"))
        .only("id", "kind", "object_id", "title", "body", "created_at")
    )


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
    visible = reduce(
        operator.or_,
        (
            Q(kind=name, object_id__in=kinds[name].visible_ids(viewer).filter(pk__in=ids))
            for name, ids in by_kind.items()
        ),
    )
    authors = people_findable_by(viewer).filter(
        pk__in={c.author_id for c in candidates if c.author_id is not None}
    )
    seen = set(
        SearchDocument.objects.filter(pk__in=[c.pk for c in candidates])
        .filter(visible, author_id__in=authors.values("pk"))
        .values_list("pk", flat=True)
    )
    return [c for c in candidates if c.pk in seen]


def _ranked_page(
    viewer: Any, query: SearchQuery, terms: list[str], page: int | str | None, size: int
) -> tuple[Page[Any], bool]:
    """A page of what the viewer may see, and whether its paginator counted every match.

    The engine ranks the matches by itself (GIN or FTS5, nothing else joined) and returns the
    best few: a window of WINDOW_FACTOR times what the page needs, CANDIDATES at least. The viewer's
    checks run on those only. When the window holds every match, the count is exact;
    otherwise it is what the window shows (at least one page more than asked). A page beyond
    MAX_CANDIDATES, or a window the viewer may see too little of (many blocks, say), takes the
    exact, slower way.
    """
    try:
        number = max(1, int(page or 1))
    except (TypeError, ValueError):
        number = 1
    window = max(CANDIDATES, WINDOW_FACTOR * (number * size + 1))
    if window <= MAX_CANDIDATES:
        candidates = list(
            _matching(query, terms).only("id", "kind", "object_id", "author_id")[:window]
        )
        visible = _visible(viewer, candidates)
        complete = len(candidates) < window
        if complete or len(visible) > number * size:
            return Paginator(visible, size).get_page(number), complete
    return Paginator(_documents(viewer, query, terms), size).get_page(number), True


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
