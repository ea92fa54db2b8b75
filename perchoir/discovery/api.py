"""Discovery over the API: search, explore and home, with the same selectors as the pages."""

from datetime import date, datetime
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema

from perchoir.accounts.models import User
from perchoir.api.auth import OPTIONAL, OPTIONAL_SECURITY
from perchoir.api.errors import ErrorOut
from perchoir.api.openapi import doc
from perchoir.core.types import AuthenticatedRequest

from . import explore as explore_selectors
from . import selectors, services
from .collection_kinds import item_title
from .forms import QUERY_MAX_LENGTH
from .home import home_feed
from .models import DigestFrequency
from .selectors import SearchQuery

router = Router(tags=["Discovery"])

EXPLORE_PAGE_SIZE = 20


class DiscoveryPersonOut(Schema):
    handle: str
    name: str
    profile_url: str


class SearchHitOut(Schema):
    kind: str = Field(
        description=doc(gettext_lazy("conversation, message, collection, item, or another kind."))
    )
    title: str
    url: str
    context: str = Field(
        description=doc(gettext_lazy("Where it is, for example the conversation of a message."))
    )
    snippet_html: str = Field(
        description=doc(gettext_lazy("Escaped text around the match, matched words in <mark>."))
    )
    author: DiscoveryPersonOut | None
    created_at: datetime


class SearchOut(Schema):
    terms: list[str] = Field(description=doc(gettext_lazy("The words searched for.")))
    people: list[DiscoveryPersonOut]
    results: list[SearchHitOut]
    page: int
    pages: int
    count: int
    count_exact: bool = Field(
        description=doc(
            gettext_lazy(
                "False when more results match than were counted: `count` and `pages` are then "
                "a lower bound, and `next` leads further."
            )
        )
    )
    next: str | None
    previous: str | None


class SearchIn(Schema):
    q: str = Field("", max_length=QUERY_MAX_LENGTH)
    kind: str = ""
    person: str = Field("", max_length=64)
    collection: int | None = Field(None, ge=1, le=2**63 - 1)
    since: date | None = None
    until: date | None = None
    page: int = Field(1, ge=1, le=10_000)


def _person(request: HttpRequest, person: User) -> dict[str, object]:
    return {
        "handle": person.handle,
        "name": person.name,
        "profile_url": request.build_absolute_uri(
            reverse("accounts:profile", args=[person.handle])
        ),
    }


def _link(request: HttpRequest, params: SearchIn, page: int) -> str:
    query = {k: v for k, v in params.dict().items() if v not in ("", None)}
    query["page"] = page
    return request.build_absolute_uri(f"{request.path}?{urlencode(query)}")


@router.get(
    "/search",
    response={200: SearchOut, 400: ErrorOut},
    auth=OPTIONAL,
    openapi_extra=OPTIONAL_SECURITY,
    summary=doc(gettext_lazy("Search conversations, messages, collections, items and people")),
    description=doc(
        gettext_lazy(
            "Only what you may see: public conversations and collections and those you take "
            "part in; never hidden or deleted content, nor suspended people. Any text is "
            "accepted: operators and punctuation are ignored, only the first 32 words count. "
            "`kind` is one of conversation, message, collection, item, person; `person` a "
            "handle; `collection` the id of a collection to search the items of; `since` and "
            "`until` dates."
        )
    ),
)
def search(request: HttpRequest, params: Query[SearchIn]) -> object:
    results = selectors.search(
        viewer=request.user,
        query=SearchQuery(
            text=params.q,
            kind=params.kind,
            person=params.person,
            since=params.since,
            until=params.until,
            collection=params.collection,
        ),
        page=params.page,
    )
    page: Page[object] | None = results.page or results.people_page
    return {
        "terms": results.terms,
        "people": [_person(request, p) for p in results.people],
        "results": [
            {
                "kind": hit.kind,
                "title": hit.found.title,
                "url": request.build_absolute_uri(hit.found.url),
                "context": hit.found.context,
                "snippet_html": str(hit.snippet),
                "author": _person(request, hit.found.author) if hit.found.author else None,
                "created_at": hit.found.created_at,
            }
            for hit in results.hits
        ],
        "page": page.number if page else 1,
        "pages": page.paginator.num_pages if page else 0,
        "count": page.paginator.count if page else 0,
        "count_exact": results.count_exact,
        "next": _link(request, params, page.next_page_number())
        if page and page.has_next()
        else None,
        "previous": _link(request, params, page.previous_page_number())
        if page and page.has_previous()
        else None,
    }


# --- Explore ------------------------------------------------------------------------------------


class LivelyConversationOut(Schema):
    id: int
    title: str
    url: str
    starter: DiscoveryPersonOut
    participants_count: int
    message_count: int
    highlights_count: int
    last_activity_at: datetime


class SuggestionOut(DiscoveryPersonOut):
    followers: int


class NotableCollectionOut(Schema):
    id: int
    title: str
    url: str
    owner: DiscoveryPersonOut
    item_count: int
    follower_count: int


class NewItemOut(Schema):
    id: int
    kind: str
    title: str
    url: str = Field(description=doc(gettext_lazy("The item in the collection it was added to.")))
    collection_title: str
    author: DiscoveryPersonOut
    added_at: datetime


class ExploreOut(Schema):
    conversations: list[LivelyConversationOut]
    collections: list[NotableCollectionOut]
    items: list[NewItemOut]
    people: list[SuggestionOut]
    page: int
    pages: int


class ExploreIn(Schema):
    page: int = Field(1, ge=1, le=10_000)


@router.get(
    "/explore",
    response={200: ExploreOut, 400: ErrorOut},
    auth=OPTIONAL,
    openapi_extra=OPTIONAL_SECURITY,
    summary=doc(
        gettext_lazy("Lively public conversations, notable collections, new items, people")
    ),
)
def explore(request: HttpRequest, params: Query[ExploreIn]) -> object:
    page = Paginator(
        explore_selectors.conversations_lively(viewer=request.user), EXPLORE_PAGE_SIZE
    ).get_page(params.page)
    return {
        "conversations": [
            {
                "id": c.pk,
                "title": c.title,
                "url": request.build_absolute_uri(c.get_absolute_url()),
                "starter": _person(request, c.starter),
                "participants_count": c.participants_count,
                "message_count": c.message_count,
                "highlights_count": c.highlights_count,
                "last_activity_at": c.last_activity_at,
            }
            for c in page.object_list
        ],
        "collections": [
            {
                "id": c.pk,
                "title": c.title,
                "url": request.build_absolute_uri(c.get_absolute_url()),
                "owner": _person(request, c.owner),
                "item_count": c.item_count,
                "follower_count": c.follower_count,
            }
            for c in explore_selectors.collections_notable(viewer=request.user)
        ],
        "items": [
            {
                "id": connection.item_id,
                "kind": connection.item.kind,
                "title": item_title(connection.item),
                "url": request.build_absolute_uri(connection.get_absolute_url()),
                "collection_title": connection.collection.title,
                "author": _person(request, connection.item.author),
                "added_at": connection.created_at,
            }
            for connection in explore_selectors.items_new(viewer=request.user)
        ],
        "people": [
            {**_person(request, s.person), "followers": s.followers}
            for s in explore_selectors.people_to_follow(viewer=request.user)
        ],
        "page": page.number,
        "pages": page.paginator.num_pages,
    }


# --- Home ---------------------------------------------------------------------------------------


class FeedEventOut(Schema):
    kind: str = Field(
        description=doc(
            gettext_lazy("invitation, activity, followed_conversation, or another app's kind.")
        )
    )
    at: datetime
    title: str
    url: str
    summary: str
    actor: DiscoveryPersonOut | None
    count: int = Field(description=doc(gettext_lazy("New messages since your last visit.")))
    unread: bool


class HomeOut(Schema):
    results: list[FeedEventOut]
    next: str | None = Field(description=doc(gettext_lazy("The next, older page.")))


class HomeIn(Schema):
    before: datetime | None = None


@router.get(
    "/home",
    response={200: HomeOut, 400: ErrorOut, 401: ErrorOut},
    summary=doc(gettext_lazy("Your home: what happened in your conversations and follows")),
    description=doc(
        gettext_lazy(
            "Newest first; a busy conversation is one entry. Reading the first page marks "
            "everything on it as seen."
        )
    ),
)
def home(request: AuthenticatedRequest, params: Query[HomeIn]) -> object:
    feed = home_feed(viewer=request.user, before=params.before)
    if feed.newest_unseen and params.before is None:
        services.home_mark_seen(user=request.user, seen_at=feed.newest_unseen)
    return {
        "results": [
            {
                "kind": event.kind,
                "at": event.at,
                "title": event.title,
                "url": request.build_absolute_uri(event.url),
                "summary": str(event.summary),
                "actor": _person(request, event.actor) if event.actor else None,
                "count": event.count,
                "unread": event.unread,
            }
            for event in feed.events
        ],
        "next": request.build_absolute_uri(
            f"{request.path}?{urlencode({'before': feed.older.isoformat()})}"
        )
        if feed.older
        else None,
    }


class DigestOut(Schema):
    frequency: DigestFrequency = Field(
        description=doc(
            gettext_lazy("How often the email digest of home is sent: off, daily or weekly.")
        )
    )


class DigestIn(Schema):
    frequency: DigestFrequency


@router.get("/me/digest", response=DigestOut, summary=doc(gettext_lazy("My email digest")))
def digest_get(request: AuthenticatedRequest) -> object:
    return {"frequency": selectors.digest_frequency_of(user=request.user)}


@router.put(
    "/me/digest",
    response={200: DigestOut, 400: ErrorOut},
    summary=doc(gettext_lazy("Choose my email digest: off, daily or weekly")),
)
def digest_set(request: AuthenticatedRequest, payload: DigestIn) -> object:
    subscription = services.digest_preference_set(user=request.user, frequency=payload.frequency)
    return {"frequency": subscription.frequency}
