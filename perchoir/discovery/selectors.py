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
from .registry import Found, search_kinds
from .text import query_terms, snippet
from .visibility import people_findable, people_findable_by

PAGE_SIZE = 20
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


def _documents(viewer: Any, query: SearchQuery, terms: list[str]) -> QuerySet[SearchDocument]:
    kinds = search_kinds()
    if query.kind:
        kinds = {query.kind: kinds[query.kind]}
    within = query.collection
    if within is not None:
        kinds = {name: kind for name, kind in kinds.items() if kind.within_collection}
        if not kinds:
            return SearchDocument.objects.none()
    visible = reduce(
        operator.or_,
        (
            Q(kind=name, object_id__in=kind.visible_ids(viewer))
            & (
                Q(object_id__in=kind.within_collection(within))
                if within is not None and kind.within_collection
                else Q()
            )
            for name, kind in kinds.items()
        ),
    )
    documents = SearchDocument.objects.filter(visible).filter(
        author_id__in=people_findable_by(viewer).values("pk")
    )
    if query.person:
        documents = documents.filter(author=_person(query.person))
    if query.since:
        start = timezone.make_aware(datetime.combine(query.since, time.min))
        documents = documents.filter(created_at__gte=start)
    if query.until:
        end = timezone.make_aware(datetime.combine(query.until + timedelta(days=1), time.min))
        documents = documents.filter(created_at__lt=end)
    return search_backend().match(
        documents.only("id", "kind", "object_id", "title", "body", "created_at"), terms
    )


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
    results.page = Paginator(_documents(viewer, query, terms), size).get_page(page)
    documents = list(results.page.object_list)
    kinds = search_kinds()
    found: dict[tuple[str, int], Found] = {}
    for name in {d.kind for d in documents}:
        loaded = kinds[name].load((d.object_id for d in documents if d.kind == name), viewer)
        found.update({(name, object_id): item for object_id, item in loaded.items()})
    for document in documents:
        item = found.get((document.kind, document.object_id))
        if item is None:
            continue
        text = document.body or document.title
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
