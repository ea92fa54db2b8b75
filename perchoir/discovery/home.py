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
    people_hidden_from,
    person_findable,
    sanctioned_ids,
)

PAGE_SIZE = 20


def _title_of(relation: str = "") -> tuple[str, ...]:
    """The columns an entry shows of a conversation or collection: its link and title."""
    prefix = f"{relation}__" if relation else ""
    return (f"{prefix}id", f"{prefix}title")


def _name_of(relation: str) -> tuple[str, ...]:
    """The columns an entry shows of a person: their name."""
    return (f"{relation}__id", f"{relation}__handle", f"{relation}__display_name")


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

    @property
    def newest_unseen(self) -> datetime | None:
        """The time to mark home seen up to, if this page shows something newer than the last
        visit (otherwise there is nothing to write)."""
        if self.events and (self.seen_at is None or self.events[0].at > self.seen_at):
            return self.events[0].at
        return None


def _invitations(context: HomeContext) -> list[FeedEvent]:
    viewer, before, limit = context.viewer, context.before, context.limit
    invitations = (
        Invitation.objects.filter(
            invitee=viewer, status=RequestStatus.PENDING, conversation__hidden_at__isnull=True
        )
        .filter(unblocked(viewer, "inviter_id"))
        .select_related("conversation", "inviter")
        .only(*_title_of("conversation"), *_name_of("inviter"), "created_at")
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


def _unhidden(field: str, context: HomeContext) -> Q:
    """Leaves out rows by people suspended or banned now, or across a block either way."""
    if context.hidden_people is None:
        return ~Q(**{f"{field}__in": sanctioned_ids()}) & unblocked(context.viewer, field)
    return ~Q(**{f"{field}__in": context.hidden_people})


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
    rows = list(
        conversations.only("id", "title", "last_activity_at").order_by("-last_activity_at", "-id")[
            :limit
        ]
    )
    since = context.seen_at
    # Only a conversation active since the last visit can hold new messages: counting them
    # elsewhere would read every message of the page's conversations for nothing.
    active = [c.pk for c in rows if since is None or c.last_activity_at > since]
    if not active:
        return [_activity(conversation, 0) for conversation in rows]
    others = (
        Message.objects.filter(
            conversation__in=active, deleted_at__isnull=True, hidden_at__isnull=True
        )
        .exclude(author=viewer)
        .filter(_unhidden("author_id", context))
    )
    if since is not None:
        others = others.filter(created_at__gt=since)
    new_counts = dict(
        others.order_by()
        .values_list("conversation_id")
        .annotate(n=Count("id"))
        .values_list("conversation_id", "n")
    )
    return [_activity(conversation, new_counts.get(conversation.pk, 0)) for conversation in rows]


def _activity(conversation: Conversation, count: int) -> FeedEvent:
    return FeedEvent(
        kind="activity",
        at=conversation.last_activity_at,
        title=conversation.title,
        url=conversation.get_absolute_url(),
        summary=_("new messages") if count else _("recent activity"),
        count=count,
    )


def _started_by_followed(
    context: HomeContext, things: QuerySet[Any], *, owner: str, kind: str, summary: Promise
) -> list[FeedEvent]:
    """What people the viewer follows started (conversations, collections), newest first."""
    things = (
        things.filter(
            **{f"{owner}__in": Follow.objects.filter(follower=context.viewer).values("followed_id")}
        )
        .select_related(owner)
        .only(*_title_of(), *_name_of(owner), "created_at")
    )
    if context.before is not None:
        things = things.filter(created_at__lt=context.before)
    return [
        FeedEvent(
            kind=kind,
            at=thing.created_at,
            title=thing.title,
            url=thing.get_absolute_url(),
            summary=summary,
            actor=getattr(thing, owner),
        )
        for thing in things.order_by("-created_at", "-id")[: context.limit]
    ]


def _followed_conversations(context: HomeContext) -> list[FeedEvent]:
    """Conversations started by people the viewer follows, that the viewer is not in."""
    conversations = (
        conversations_findable(context.viewer)
        .filter(person_findable("starter", context.viewer, context.hidden_people))
        .exclude(participants__user=context.viewer)
    )
    return _started_by_followed(
        context,
        conversations,
        owner="starter",
        kind="followed_conversation",
        summary=_("started a conversation"),
    )


def _followed_collections(context: HomeContext) -> QuerySet[Collection]:
    """Collections the viewer follows and may still see (a followed unlisted collection too:
    they have its address), not hidden, by findable owners."""
    viewer = context.viewer
    return Collection.objects.filter(
        Q(visibility__in=[CollectionVisibility.PUBLIC, CollectionVisibility.UNLISTED])
        | Q(owner_id=viewer.pk)
        | Q(pk__in=Contributor.objects.filter(user_id=viewer.pk).values("collection_id")),
        person_findable("owner", viewer, context.hidden_people),
        pk__in=CollectionFollow.objects.filter(user_id=viewer.pk).values("collection_id"),
        hidden_at__isnull=True,
    )


def _collection_items(context: HomeContext) -> list[FeedEvent]:
    """One entry per followed collection that others added items to, however many."""
    viewer, before, limit = context.viewer, context.before, context.limit
    added = Connection.objects.filter(
        person_findable("item__author", viewer, context.hidden_people),
        collection__in=_followed_collections(context).values("pk"),
        status=ConnectionStatus.APPROVED,
        item__published_at__isnull=False,
        item__hidden_at__isnull=True,
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
    seen_at = context.seen_at
    # As for conversations: only a collection with an addition since the visit has new items.
    active = [pk for pk, at in latest.items() if seen_at is None or at > seen_at]
    since = added.filter(collection_id__in=active)
    if seen_at is not None:
        since = since.filter(created_at__gt=seen_at)
    new_counts = (
        dict(
            since.order_by()
            .values("collection_id")
            .annotate(n=Count("id"))
            .values_list("collection_id", "n")
        )
        if active
        else {}
    )
    collections = Collection.objects.only(*_title_of()).in_bulk(list(latest))
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
    return _started_by_followed(
        context,
        collections_findable(context.viewer, context.hidden_people),
        owner="owner",
        kind="followed_collection",
        summary=_("created a collection"),
    )


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
    context = HomeContext(viewer, before, size + 1, seen_at, people_hidden_from(viewer))
    events: list[FeedEvent] = []
    for source in home_sources():
        events.extend(source.events(context))
    events.sort(key=lambda event: event.at, reverse=True)
    page = events[:size]
    older = page[-1].at if len(events) > size else None
    marked = [
        FeedEvent(**{**event.__dict__, "unread": seen_at is None or event.at > seen_at})
        for event in page
    ]
    return FeedPage(events=marked, older=older, seen_at=seen_at)
