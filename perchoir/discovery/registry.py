"""What can be searched and what appears on home: apps register their kinds here.

Conversations and messages (`kinds.py`) and collections and items (`collection_kinds.py`)
are registered from discovery's AppConfig.ready; their apps' services keep the documents in step
through `services.search_document_put` and `search_documents_remove`.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils.functional import Promise


@dataclass(frozen=True)
class Found:
    """What a search result shows besides its snippet."""

    title: str
    url: str
    author: Any  # a User, or None
    created_at: datetime
    context: str = ""  # for example the conversation a message belongs to


@dataclass(frozen=True)
class SearchKind:
    name: str
    label: str | Promise  # singular, shown on each result
    plural: str | Promise  # for the kind filter
    # The ids of this kind's objects the viewer may see (a queryset of ids, used as a subquery).
    visible_ids: Callable[[Any], QuerySet[Any]]
    # Fetch what to show these ids to the viewer (an item links into a collection they may
    # see, for example), in a fixed number of queries.
    load: Callable[[Iterable[int], Any], dict[int, Found]]
    # The ids of this kind's objects inside a collection (the search's collection filter);
    # None for kinds that are not in collections, which that filter then leaves out.
    within_collection: Callable[[int], QuerySet[Any]] | None = None


def author_fields(relation: str) -> list[str]:
    """The fields of a result's author that search shows (a name and a link to their profile),
    for `only()`: a kind's `load` reads no more of them."""
    return [f"{relation}__handle", f"{relation}__display_name"]


_kinds: dict[str, SearchKind] = {}


def search_kind_register(kind: SearchKind) -> None:
    _kinds[kind.name] = kind


def search_kinds() -> dict[str, SearchKind]:
    return dict(_kinds)


@dataclass(frozen=True)
class HomeContext:
    viewer: Any  # a signed-in User
    before: datetime | None  # only events strictly older than this
    limit: int  # at most this many events
    seen_at: datetime | None  # the viewer's last visit: what is newer is unread


@dataclass(frozen=True)
class HomeSource:
    """A source of home feed events, in a fixed number of queries whatever the viewer follows:
    home runs every source's SELECT in one SQL statement (perchoir.discovery.home).

    `select` gives the SQL of a SELECT of the columns `home.FEED_COLUMNS`, newest first, at most
    `%(limit)s` rows, only older than `%(before)s` when the context has one, and the parameters
    it adds to home's; `event` turns one of its rows (a `home.FeedRow`) into a `home.FeedEvent`."""

    name: str
    select: Callable[[HomeContext], tuple[str, dict[str, Any]]]
    event: Callable[[Any], Any]


_home_sources: dict[str, HomeSource] = {}


def home_source_register(source: HomeSource) -> None:
    _home_sources[source.name] = source


def home_sources() -> list[HomeSource]:
    return list(_home_sources.values())
