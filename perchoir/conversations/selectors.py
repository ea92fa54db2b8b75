"""Reads of conversations, always through the viewer: what they may not see does not exist."""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from perchoir.accounts.models import User
from perchoir.core.errors import NotFound
from perchoir.follows.selectors import block_between_exists
from perchoir.moderation.hiding import HiddenByModerators

from .models import (
    Conversation,
    Highlight,
    Invitation,
    JoinRequest,
    Message,
    MessageRevision,
    Participant,
    RequestStatus,
    RoomLogEntry,
    Visibility,
)
from .permissions import Standing, Viewer, can_view, is_member

PAGE_SIZE = 200
# A permalink opens the page that starts this many messages before the linked one.
PERMALINK_CONTEXT = 5


def _viewer_id(viewer: Viewer) -> int | None:
    return viewer.pk if is_member(viewer) else None


def conversation_get_for_viewer(
    *, viewer: Viewer, conversation_id: int, for_update: bool = False
) -> tuple[Conversation, Standing]:
    """The conversation and where the viewer stands in it; NotFound if they may not see it."""
    viewer_id = _viewer_id(viewer)
    # Unordered, and without the invitation check for visitors: the busiest query of the site.
    conversations = Conversation.objects.select_related(
        "starter__avatar", "link_preview__image", "branched_from__conversation"
    ).order_by()
    if viewer_id is not None:
        conversations = conversations.annotate(
            viewer_invited=Exists(
                Invitation.objects.filter(
                    conversation=OuterRef("pk"),
                    invitee_id=viewer_id,
                    status=RequestStatus.PENDING,
                )
            ),
            viewer_blocked=block_between_exists(viewer_id, OuterRef("starter_id")),
        )
    if for_update:
        conversations = conversations.select_for_update(of=("self",))
    conversation = next(iter(conversations.filter(pk=conversation_id)[:1]), None)
    if conversation is None:
        raise NotFound()
    membership = None
    if viewer_id is not None:
        membership = Participant.objects.filter(
            conversation=conversation, user_id=viewer_id
        ).first()
    invited = bool(getattr(conversation, "viewer_invited", False))
    standing = Standing(
        membership=membership,
        invited=invited,
        blocked=bool(getattr(conversation, "viewer_blocked", False)),
    )
    if not can_view(viewer, conversation, standing):
        raise NotFound()
    if conversation.hidden_from(viewer):
        # Hidden by the moderators: for all but its starter and the moderators, only a notice
        # (its title included: not in the API, its live stream, or anything built on this).
        raise HiddenByModerators(conversation, _("This conversation was hidden by the moderators."))
    return conversation, standing


def conversations_listed(*, viewer: Viewer) -> QuerySet[Conversation]:
    """Conversations that appear in public lists: public ones, most recently active first."""
    return (
        Conversation.objects.filter(visibility=Visibility.PUBLIC, hidden_at__isnull=True)
        .select_related("starter__avatar")
        .order_by("-last_activity_at", "-id")
    )


def conversations_of_member(*, viewer: Viewer) -> QuerySet[Conversation]:
    """The viewer's own conversations (all visibilities), most recently active first."""
    viewer_id = _viewer_id(viewer)
    if viewer_id is None:
        return Conversation.objects.none()
    return (
        Conversation.objects.filter(
            participants__user_id=viewer_id, participants__removed_at__isnull=True
        )
        .select_related("starter__avatar")
        .order_by("-last_activity_at", "-id")
    )


def conversations_of_person(*, person: User, viewer: Viewer) -> QuerySet[Conversation]:
    """A profile's conversations (started or joined): public ones, plus those the viewer takes
    part in."""
    visible = Q(visibility=Visibility.PUBLIC)
    viewer_id = _viewer_id(viewer)
    if viewer_id is not None:
        visible |= Q(
            pk__in=Participant.objects.filter(user_id=viewer_id, removed_at__isnull=True).values(
                "conversation_id"
            )
        )
    taking_part = Participant.objects.filter(user=person, removed_at__isnull=True).values(
        "conversation_id"
    )
    return (
        Conversation.objects.filter(visible, pk__in=taking_part, hidden_at__isnull=True)
        .select_related("starter__avatar")
        .order_by("-last_activity_at", "-id")
    )


def invitations_pending_for(*, user: User) -> QuerySet[Invitation]:
    return Invitation.objects.filter(invitee=user, status=RequestStatus.PENDING).select_related(
        "conversation", "inviter"
    )


def _visible_branches() -> Prefetch[str]:
    # A private branch is never announced on the public side, nor one the moderators hid.
    return Prefetch(
        "branches",
        queryset=Conversation.objects.exclude(visibility=Visibility.PRIVATE)
        .filter(hidden_at__isnull=True)
        .only("id", "title", "branched_from_id"),
        to_attr="visible_branches",
    )


def messages_with_relations(queryset: QuerySet[Message]) -> QuerySet[Message]:
    """Everything a message's template shows, in a fixed number of queries."""
    return queryset.select_related("author__avatar", "reply_to__author").prefetch_related(
        _visible_branches()
    )


@dataclass(frozen=True)
class MessagePage:
    messages: list[Message]
    older: int | None  # `?before=` for the previous page, None on the first
    newer: int | None  # `?after=` for the next page, None on the last

    @property
    def is_last(self) -> bool:
        return self.newer is None


def messages_page(
    *,
    conversation: Conversation,
    after: int | None = None,
    before: int | None = None,
    latest: bool = False,
    size: int = PAGE_SIZE,
) -> MessagePage:
    """One page of a conversation in reading order, by keyset: stable however long it grows.

    `after`: messages following that id; `before`: those preceding it; `latest`: the last page.
    """
    messages = messages_with_relations(Message.objects.filter(conversation=conversation))
    if before is not None or latest:
        if before is not None:
            messages = messages.filter(id__lt=before)
        # One more than a page tells whether an older page exists.
        window = list(messages.order_by("-id")[: size + 1])
        has_older = len(window) > size
        page = list(reversed(window[:size]))
        newer = page[-1].id if page and before is not None else None
        if (
            newer is not None
            and not Message.objects.filter(conversation=conversation, id__gt=newer).exists()
        ):
            newer = None
        return MessagePage(page, older=page[0].id if page and has_older else None, newer=newer)
    if after is not None:
        messages = messages.filter(id__gt=after)
    window = list(messages.order_by("id")[: size + 1])
    page = window[:size]
    has_newer = len(window) > size
    older = page[0].id if page and after is not None else None
    if (
        older is not None
        and not Message.objects.filter(conversation=conversation, id__lt=older).exists()
    ):
        older = None
    return MessagePage(page, older=older, newer=page[-1].id if page and has_newer else None)


def message_page_anchor(*, message: Message) -> int | None:
    """The `?after=` that opens a page showing `message` near its top (None: the first page)."""
    earlier = list(
        Message.objects.filter(conversation_id=message.conversation_id, id__lt=message.id)
        .order_by("-id")
        .values_list("id", flat=True)[: PERMALINK_CONTEXT + 1]
    )
    if len(earlier) <= PERMALINK_CONTEXT:
        return None
    return earlier[-1]


def message_get_for_viewer(
    *, viewer: Viewer, conversation_id: int, message_id: int
) -> tuple[Conversation, Standing, Message]:
    """A message of a conversation the viewer may see; a message of another conversation is
    as absent as one that does not exist."""
    conversation, standing = conversation_get_for_viewer(
        viewer=viewer, conversation_id=conversation_id
    )
    message = (
        messages_with_relations(Message.objects.filter(conversation=conversation))
        .filter(pk=message_id)
        .first()
    )
    if message is None:
        raise NotFound()
    message.conversation = conversation
    return conversation, standing, message


def message_revisions(*, message: Message) -> list[MessageRevision]:
    return list(message.revisions.order_by("number"))


def participants_active(*, conversation: Conversation) -> list[Participant]:
    return list(
        conversation.participants.filter(removed_at__isnull=True)
        .select_related("user__avatar")
        .order_by("joined_at", "id")
    )


def join_requests_pending(*, conversation: Conversation) -> list[JoinRequest]:
    return list(
        conversation.join_requests.filter(status=RequestStatus.PENDING)
        .select_related("requester__avatar")
        .order_by("created_at", "id")
    )


def join_requests_pending_count(*, conversation: Conversation) -> int:
    return conversation.join_requests.filter(status=RequestStatus.PENDING).count()


def join_request_of(*, conversation: Conversation, user: User) -> JoinRequest | None:
    """The viewer's own pending request to join, to show "waiting for an answer"."""
    return (
        conversation.join_requests.filter(requester=user, status=RequestStatus.PENDING, kind="join")
        .order_by("-id")
        .first()
    )


@dataclass(frozen=True)
class RankedPassage:
    message: Message
    passage: str
    count: int


def highlights_ranked(*, conversation: Conversation, limit: int = 50) -> list[RankedPassage]:
    """The passages most highlighted by readers, most first; deleted messages are left out."""
    rows = list(
        Highlight.objects.filter(
            message__conversation=conversation,
            message__deleted_at__isnull=True,
            message__hidden_at__isnull=True,
        )
        .values("message_id", "passage")
        .annotate(count=Count("id"))
        .order_by("-count", "message_id")[:limit]
    )
    messages = Message.objects.select_related("author__avatar").in_bulk(
        {row["message_id"] for row in rows}
    )
    return [
        RankedPassage(
            message=messages[row["message_id"]], passage=row["passage"], count=row["count"]
        )
        for row in rows
    ]


def highlight_counts(*, messages: list[Message]) -> dict[int, int]:
    """How many highlights each message on a page has, in one query."""
    rows = (
        Highlight.objects.filter(message__in=[m.id for m in messages])
        .values("message_id")
        .annotate(count=Count("id"))
        .order_by()
    )
    return {row["message_id"]: row["count"] for row in rows}


def room_log(*, conversation: Conversation) -> QuerySet[RoomLogEntry]:
    return conversation.room_log.select_related("actor", "subject").order_by("-created_at", "-id")


def conversation_visible_to(viewer: Viewer, key: str) -> bool:
    """May `viewer` follow the live stream `conversation:<key>`?"""
    if not key.isdigit():
        return False
    try:
        conversation_get_for_viewer(viewer=viewer, conversation_id=int(key))
    except NotFound:
        return False
    return True


def public_activity_of_person(*, person: User, size: int) -> list[Conversation | Message]:
    """What anybody may read of `person` (their Atom feed): the public conversations they
    started and their messages in public conversations, neither hidden nor deleted, newest first.
    Two queries, whatever the size."""
    started = Conversation.objects.filter(
        starter=person, visibility=Visibility.PUBLIC, hidden_at__isnull=True
    ).order_by("-created_at", "-id")[:size]
    written = (
        Message.objects.filter(
            author=person,
            conversation__visibility=Visibility.PUBLIC,
            conversation__hidden_at__isnull=True,
            deleted_at__isnull=True,
            hidden_at__isnull=True,
        )
        .select_related("conversation")
        .order_by("-created_at", "-id")[:size]
    )
    activity: list[Conversation | Message] = [*started, *written]
    activity.sort(key=lambda entry: (entry.created_at, isinstance(entry, Message)), reverse=True)
    return activity[:size]
