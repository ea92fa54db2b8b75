"""Home (F5): what happened among the people, collections and conversations a member follows and
takes part in, newest first, one entry per busy conversation or collection. Each kind of event
is a source registered with `registry.home_source_register`."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from perchoir.accounts.models import User
from perchoir.collections.models import (
    Collection,
    CollectionFollow,
    Connection,
    ConnectionStatus,
    Contributor,
)
from perchoir.collections.models import Visibility as CollectionVisibility
from perchoir.conversations.models import (
    Conversation,
    Invitation,
    Message,
    Participant,
    RequestStatus,
)
from perchoir.follows.models import Follow
from perchoir.follows.selectors import unblocked

from .models import HomeVisit
from .registry import HomeContext, HomeSource, home_source_register, home_sources
from .visibility import (
    collections_findable,
    conversations_findable,
    people_findable_by,
    sanctioned_ids,
)

PAGE_SIZE = 20


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
class FeedPage:
    events: list[FeedEvent]
    # `?before=` for the next (older) page; None on the last.
    older: datetime | None
    seen_at: datetime | None


def _invitations(context: HomeContext) -> list[FeedEvent]:
    viewer, before, limit = context.viewer, context.before, context.limit
    invitations = (
        Invitation.objects.filter(
            invitee=viewer, status=RequestStatus.PENDING, conversation__hidden_at__isnull=True
        )
        .filter(unblocked(viewer, "inviter_id"))
        .select_related("conversation", "inviter__avatar")
    )
    if before is not None:
        invitations = invitations.filter(created_at__lt=before)
    return [
        FeedEvent(
            kind="invitation",
            at=invitation.created_at,
            title=invitation.conversation.title,
            url=invitation.conversation.get_absolute_url(),
            summary=_("invited you to take part"),
            actor=invitation.inviter,
        )
        for invitation in invitations.order_by("-created_at", "-id")[:limit]
    ]


def _conversation_activity(context: HomeContext) -> list[FeedEvent]:
    """One entry per conversation the viewer takes part in, however many messages arrived."""
    viewer, before, limit = context.viewer, context.before, context.limit
    conversations = Conversation.objects.filter(
        hidden_at__isnull=True,
        pk__in=Participant.objects.filter(user=viewer, removed_at__isnull=True).values(
            "conversation_id"
        ),
        message_count__gt=0,
    )
    if before is not None:
        conversations = conversations.filter(last_activity_at__lt=before)
    rows = list(conversations.order_by("-last_activity_at", "-id")[:limit])
    since = context.seen_at
    others = (
        Message.objects.filter(
            conversation__in=[c.pk for c in rows], deleted_at__isnull=True, hidden_at__isnull=True
        )
        .exclude(author=viewer)
        .exclude(author_id__in=sanctioned_ids())
        .filter(unblocked(viewer, "author_id"))
    )
    if since is not None:
        others = others.filter(created_at__gt=since)
    new_counts = dict(
        others.order_by()
        .values_list("conversation_id")
        .annotate(n=Count("id"))
        .values_list("conversation_id", "n")
    )
    events = []
    for conversation in rows:
        count = new_counts.get(conversation.pk, 0)
        events.append(
            FeedEvent(
                kind="activity",
                at=conversation.last_activity_at,
                title=conversation.title,
                url=conversation.get_absolute_url(),
                summary=_("new messages") if count else _("recent activity"),
                count=count,
            )
        )
    return events


def _followed_conversations(context: HomeContext) -> list[FeedEvent]:
    """Conversations started by people the viewer follows, that the viewer is not in."""
    viewer, before, limit = context.viewer, context.before, context.limit
    conversations = (
        conversations_findable(viewer)
        .filter(
            starter__in=Follow.objects.filter(follower=viewer).values("followed_id"),
        )
        .filter(starter__in=people_findable_by(viewer))
        .exclude(participants__user=viewer)
        .select_related("starter__avatar")
    )
    if before is not None:
        conversations = conversations.filter(created_at__lt=before)
    return [
        FeedEvent(
            kind="followed_conversation",
            at=conversation.created_at,
            title=conversation.title,
            url=conversation.get_absolute_url(),
            summary=_("started a conversation"),
            actor=conversation.starter,
        )
        for conversation in conversations.order_by("-created_at", "-id")[:limit]
    ]


def _followed_collections(viewer: Any) -> QuerySet[Collection]:
    """Collections the viewer follows and may still see (a followed unlisted collection too:
    they have its address), not hidden, by findable owners."""
    return Collection.objects.filter(
        Q(visibility__in=[CollectionVisibility.PUBLIC, CollectionVisibility.UNLISTED])
        | Q(owner_id=viewer.pk)
        | Q(pk__in=Contributor.objects.filter(user_id=viewer.pk).values("collection_id")),
        pk__in=CollectionFollow.objects.filter(user_id=viewer.pk).values("collection_id"),
        hidden_at__isnull=True,
        owner__in=people_findable_by(viewer),
    )


def _collection_items(context: HomeContext) -> list[FeedEvent]:
    """One entry per followed collection that others added items to, however many."""
    viewer, before, limit = context.viewer, context.before, context.limit
    added = Connection.objects.filter(
        collection__in=_followed_collections(viewer).values("pk"),
        status=ConnectionStatus.APPROVED,
        item__published_at__isnull=False,
        item__hidden_at__isnull=True,
        item__author__in=people_findable_by(viewer),
    ).exclude(item__author_id=viewer.pk)
    if before is not None:
        added = added.filter(created_at__lt=before)
    latest = dict(
        added.order_by()
        .values("collection_id")
        .annotate(latest=Max("created_at"))
        .order_by("-latest", "-collection_id")
        .values_list("collection_id", "latest")[:limit]
    )
    if not latest:
        return []
    since = added.filter(collection_id__in=list(latest))
    if context.seen_at is not None:
        since = since.filter(created_at__gt=context.seen_at)
    new_counts = dict(
        since.order_by()
        .values("collection_id")
        .annotate(n=Count("id"))
        .values_list("collection_id", "n")
    )
    collections = Collection.objects.in_bulk(list(latest))
    return [
        FeedEvent(
            kind="collection_items",
            at=at,
            title=collections[collection_id].title,
            url=collections[collection_id].get_absolute_url(),
            summary=_("new items"),
            count=new_counts.get(collection_id, 0),
        )
        for collection_id, at in latest.items()
        if collection_id in collections
    ]


def _followed_peoples_collections(context: HomeContext) -> list[FeedEvent]:
    """Collections created by people the viewer follows."""
    viewer, before, limit = context.viewer, context.before, context.limit
    collections = (
        collections_findable(viewer)
        .filter(owner__in=Follow.objects.filter(follower=viewer).values("followed_id"))
        .select_related("owner__avatar")
    )
    if before is not None:
        collections = collections.filter(created_at__lt=before)
    return [
        FeedEvent(
            kind="followed_collection",
            at=collection.created_at,
            title=collection.title,
            url=collection.get_absolute_url(),
            summary=_("created a collection"),
            actor=collection.owner,
        )
        for collection in collections.order_by("-created_at", "-id")[:limit]
    ]


def register_collection_sources() -> None:
    home_source_register(HomeSource("collection_items", _collection_items))
    home_source_register(HomeSource("followed_collections", _followed_peoples_collections))


def register_conversation_sources() -> None:
    home_source_register(HomeSource("invitations", _invitations))
    home_source_register(HomeSource("conversation_activity", _conversation_activity))
    home_source_register(HomeSource("followed_conversations", _followed_conversations))


def home_feed(*, viewer: Any, before: datetime | None = None, size: int = PAGE_SIZE) -> FeedPage:
    """One page of the viewer's home, newest first; `before` continues from an older page.

    Each source gives at most `size + 1` events, so the queries do not grow with how many people
    and conversations the viewer follows."""
    visit = HomeVisit.objects.filter(user=viewer).first()
    seen_at = visit.seen_at if visit else None
    events: list[FeedEvent] = []
    for source in home_sources():
        events.extend(source.events(HomeContext(viewer, before, size + 1, seen_at)))
    events.sort(key=lambda event: event.at, reverse=True)
    page = events[:size]
    older = page[-1].at if len(events) > size else None
    marked = [
        FeedEvent(**{**event.__dict__, "unread": seen_at is None or event.at > seen_at})
        for event in page
    ]
    return FeedPage(events=marked, older=older, seen_at=seen_at)
