"""Conversations over the API: the same services and selectors as the pages.

Each operation parses its input, calls one service or selector, and renders what it returns
(after a write, the conversation is read again through the viewer-aware selector, as the page
it redirects to would). Private conversations do not exist for outsiders: 404, as on the site.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, cast

from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema, Status

from perchoir.accounts.models import User
from perchoir.api.auth import OPTIONAL, OPTIONAL_SECURITY
from perchoir.api.errors import ErrorOut, error_responses
from perchoir.api.openapi import doc
from perchoir.api.pagination import NewestFirst
from perchoir.core.errors import Forbidden, InvalidInput, NotAuthenticated
from perchoir.core.types import AuthenticatedRequest
from perchoir.links.models import LinkPreview
from perchoir.media.selectors import image_url

from . import permissions, selectors, services
from .models import (
    Conversation,
    Highlight,
    InvitePolicy,
    JoinRequest,
    Message,
    MessageRevision,
    Participant,
    RoomLogEntry,
    Visibility,
)
from .permissions import Standing, Viewer

router = Router(tags=["Conversations"])

# Thumbnails the API points to: avatars as on a message (double density), cards as on the page.
AVATAR_WIDTH = 96
PREVIEW_WIDTH = 256
# Ids are 64-bit; anything larger is nobody's id (and must not reach the database).
ID_MAX = 2**63 - 1


# --- Output -------------------------------------------------------------------------------------


class ConversationPersonOut(Schema):
    handle: str
    name: str
    profile_url: str


class AuthorOut(ConversationPersonOut):
    avatar_url: str | None = Field(description=doc(gettext_lazy("Empty without an avatar.")))


class ConversationSummaryOut(Schema):
    id: int
    title: str
    url: str = Field(description=doc(gettext_lazy("The conversation's page on the site.")))
    visibility: Visibility
    invite_policy: InvitePolicy
    starter: AuthorOut
    link_url: str = Field(description=doc(gettext_lazy("The link it starts from, if any.")))
    locked: bool
    locked_at: datetime | None
    slow_mode_seconds: int = Field(
        description=doc(gettext_lazy("Minimum seconds between two messages of one person; 0: off."))
    )
    message_count: int
    created_at: datetime
    last_activity_at: datetime


class ConversationPageOut(Schema):
    next: str | None
    previous: str | None
    results: list[ConversationSummaryOut]


class MessageLinkPreviewOut(Schema):
    url: str
    status: str = Field(description=doc(gettext_lazy("pending, ready or failed.")))
    title: str
    description: str
    site_name: str
    image_url: str | None


class BranchOriginOut(Schema):
    conversation_id: int
    message_id: int
    title: str | None = Field(
        description=doc(gettext_lazy("Empty when that conversation is private."))
    )
    passage: str
    url: str


class ConversationViewerOut(Schema):
    """Where the caller stands, and what they may do: the same rules the services apply."""

    participant: bool
    role: str | None = Field(description=doc(gettext_lazy("starter or participant.")))
    removed: bool = Field(description=doc(gettext_lazy("Removed from this conversation.")))
    invited: bool = Field(description=doc(gettext_lazy("An invitation waits for an answer.")))
    asked_to_join: bool = Field(
        description=doc(gettext_lazy("Their request to join waits for an answer."))
    )
    pending_requests: int | None = Field(
        description=doc(gettext_lazy("Requests waiting for participants; empty for others."))
    )
    can_post: bool
    can_invite: bool
    can_ask_to_join: bool
    can_suggest: bool
    can_answer_requests: bool
    can_manage_room: bool
    can_highlight: bool
    can_branch: bool
    can_leave: bool


class ConversationOut(ConversationSummaryOut):
    link_preview: MessageLinkPreviewOut | None
    branched_from: BranchOriginOut | None
    viewer: ConversationViewerOut
    hidden_reason: str = Field(
        default="",
        description=doc(
            gettext_lazy(
                "Hidden by the moderators, and why: its messages are then for its starter "
                "and the moderators only."
            )
        ),
    )


class ReplyToOut(Schema):
    id: int
    author: ConversationPersonOut
    deleted: bool
    url: str


class BranchOut(Schema):
    id: int
    title: str
    url: str


class MessageOut(Schema):
    id: int
    conversation_id: int
    url: str = Field(description=doc(gettext_lazy("A permalink to the message on the site.")))
    author: AuthorOut
    deleted: bool = Field(
        description=doc(gettext_lazy("Deleted by its author: a tombstone without its text."))
    )
    hidden: bool = Field(
        default=False,
        description=doc(
            gettext_lazy(
                "Hidden by the moderators: others get no text, only `hidden_reason`; "
                "its author and the moderators still read it."
            )
        ),
    )
    hidden_reason: str = Field(default="", description=doc(gettext_lazy("Why it was hidden.")))
    body: str | None = Field(description=doc(gettext_lazy("Markdown, as written.")))
    body_html: str | None = Field(
        description=doc(gettext_lazy("Sanitised HTML rendered from the Markdown."))
    )
    reply_to: ReplyToOut | None
    quoted_passage: str
    suggested: bool = Field(
        description=doc(gettext_lazy("Suggested by a reader, then approved by a participant."))
    )
    created_at: datetime
    edited_at: datetime | None
    deleted_at: datetime | None
    revision_count: int = Field(
        description=doc(gettext_lazy("Earlier versions kept in its history."))
    )
    highlight_count: int
    branches: list[BranchOut] = Field(
        description=doc(gettext_lazy("Conversations started from it (private ones are left out)."))
    )


class MessagePageOut(Schema):
    results: list[MessageOut] = Field(description=doc(gettext_lazy("In reading order.")))
    older: int | None = Field(
        description=doc(gettext_lazy("Pass as `before` for the previous page; empty on the first."))
    )
    newer: int | None = Field(
        description=doc(gettext_lazy("Pass as `after` for the next page; empty on the last."))
    )


class RevisionOut(Schema):
    number: int
    body: str
    body_html: str
    written_at: datetime


class HighlightOut(Schema):
    id: int
    message_id: int
    passage: str
    created_at: datetime


class RankedPassageOut(Schema):
    message_id: int
    message_url: str
    author: AuthorOut
    passage: str
    count: int


class ConversationInviteOutcomeOut(Schema):
    invited: list[str] = Field(description=doc(gettext_lazy("Handles invited now.")))
    already_in: list[str] = Field(description=doc(gettext_lazy("Handles already taking part.")))
    waiting: list[str] = Field(
        description=doc(
            gettext_lazy("Addresses of people not here yet: their invitation waits for them.")
        )
    )


class ParticipantOut(Schema):
    person: AuthorOut
    role: str
    joined_at: datetime


class JoinRequestOut(Schema):
    id: int
    kind: str = Field(description=doc(gettext_lazy("join or suggestion.")))
    requester: AuthorOut
    body: str = Field(
        description=doc(gettext_lazy("The pitch, or the suggested message's Markdown."))
    )
    body_html: str = Field(description=doc(gettext_lazy("The suggested message, rendered.")))
    status: str
    created_at: datetime
    decided_at: datetime | None
    message_id: int | None = Field(
        description=doc(gettext_lazy("The message an approved suggestion became."))
    )


class RoomLogEntryOut(Schema):
    id: int
    action: str
    actor: ConversationPersonOut
    subject: ConversationPersonOut | None
    reason: str
    changes: dict[str, Any] = Field(
        description=doc(gettext_lazy('Before and after, e.g. {"slow_mode_seconds": [0, 60]}.'))
    )
    created_at: datetime


class RoomLogPageOut(Schema):
    next: str | None
    previous: str | None
    results: list[RoomLogEntryOut]


def _absolute(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


def _person(request: HttpRequest, person: User) -> dict[str, object]:
    return {
        "handle": person.handle,
        "name": person.name,
        "profile_url": _absolute(request, reverse("accounts:profile", args=[person.handle])),
    }


def _author(request: HttpRequest, person: User) -> dict[str, object]:
    """A person with their avatar: only where the selector fetched it along (select_related)."""
    avatar = person.avatar
    return {
        **_person(request, person),
        "avatar_url": _absolute(request, image_url(avatar, width=AVATAR_WIDTH)) if avatar else None,
    }


def _summary(request: HttpRequest, conversation: Conversation) -> dict[str, object]:
    return {
        "id": conversation.pk,
        "title": conversation.title,
        "url": _absolute(request, conversation.get_absolute_url()),
        "visibility": conversation.visibility,
        "invite_policy": conversation.invite_policy,
        "starter": _author(request, conversation.starter),
        "link_url": conversation.link_url,
        "locked": conversation.is_locked,
        "locked_at": conversation.locked_at,
        "slow_mode_seconds": conversation.slow_mode_seconds,
        "message_count": conversation.message_count,
        "created_at": conversation.created_at,
        "last_activity_at": conversation.last_activity_at,
    }


def _link_preview(request: HttpRequest, preview: LinkPreview | None) -> dict[str, object] | None:
    if preview is None:
        return None
    image = preview.image
    return {
        "url": preview.url,
        "status": preview.status,
        "title": preview.title,
        "description": preview.description,
        "site_name": preview.site_name,
        "image_url": _absolute(request, image_url(image, width=PREVIEW_WIDTH)) if image else None,
    }


def _branch_origin(request: HttpRequest, conversation: Conversation) -> dict[str, object] | None:
    origin = conversation.branched_from
    if origin is None:
        return None
    source = origin.conversation
    return {
        "conversation_id": source.pk,
        "message_id": origin.pk,
        # A public branch of a private (or hidden) conversation does not reveal even its title.
        "title": (
            source.title
            if source.visibility != Visibility.PRIVATE and not source.hidden_from(request.user)
            else None
        ),
        "passage": conversation.branched_passage,
        "url": _absolute(request, origin.get_absolute_url()),
    }


def _viewer(viewer: Viewer, conversation: Conversation, standing: Standing) -> dict[str, object]:
    membership = standing.membership
    answers = permissions.can_answer_requests(viewer, conversation, standing)
    asked = (
        not answers
        and permissions.is_member(viewer)
        and selectors.join_request_of(conversation=conversation, user=cast(User, viewer))
        is not None
    )
    return {
        "participant": standing.is_participant,
        "role": membership.role if standing.is_participant and membership else None,
        "removed": membership is not None and not membership.is_active,
        "invited": standing.invited,
        "asked_to_join": asked,
        "pending_requests": (
            selectors.join_requests_pending_count(conversation=conversation) if answers else None
        ),
        **permissions.capabilities(viewer, conversation, standing),
    }


def _conversation_out(request: HttpRequest, conversation_id: int) -> dict[str, object]:
    """The conversation as the caller sees it, read through the viewer-aware selector."""
    conversation, standing = selectors.conversation_get_for_viewer(
        viewer=request.user, conversation_id=conversation_id
    )
    return {
        **_summary(request, conversation),
        "link_preview": _link_preview(request, conversation.link_preview),
        "branched_from": _branch_origin(request, conversation),
        "viewer": _viewer(request.user, conversation, standing),
        "hidden_reason": conversation.hidden_reason if conversation.is_hidden else "",
    }


def _message(request: HttpRequest, message: Message, highlight_count: int) -> dict[str, object]:
    """A message; a deleted one is a tombstone: who and when, never what it said. A message
    hidden by the moderators shows its text to its author and the moderators only."""
    viewer = getattr(request, "auth", None) or request.user
    deleted = message.is_deleted or message.hidden_from(viewer)
    reply_to = None if deleted else message.reply_to
    return {
        "id": message.pk,
        "conversation_id": message.conversation_id,
        "url": _absolute(request, message.get_absolute_url()),
        "author": _author(request, message.author),
        "deleted": message.is_deleted,
        "hidden": message.is_hidden,
        "hidden_reason": message.hidden_reason,
        "body": None if deleted else message.body,
        "body_html": None if deleted else message.body_html,
        "reply_to": (
            {
                "id": reply_to.pk,
                "author": _person(request, reply_to.author),
                "deleted": reply_to.is_deleted or reply_to.is_hidden,
                "url": _absolute(request, reply_to.get_absolute_url()),
            }
            if reply_to is not None
            else None
        ),
        # A passage of a deleted message is its text: it goes with it.
        "quoted_passage": (
            message.quoted_passage
            if reply_to is not None and not (reply_to.is_deleted or reply_to.is_hidden)
            else ""
        ),
        "suggested": message.approved_by_id is not None,
        "created_at": message.created_at,
        "edited_at": message.edited_at,
        "deleted_at": message.deleted_at,
        "revision_count": message.revision_count,
        "highlight_count": highlight_count,
        "branches": [] if deleted else _branches(request, message),
    }


def _branches(request: HttpRequest, message: Message) -> list[dict[str, object]]:
    """Conversations started from the message; the selector left the private ones out."""
    return [
        {
            "id": branch.pk,
            "title": branch.title,
            "url": _absolute(request, branch.get_absolute_url()),
        }
        for branch in getattr(message, "visible_branches", [])
    ]


def _messages(request: HttpRequest, messages: list[Message]) -> list[dict[str, object]]:
    counts = selectors.highlight_counts(messages=messages)
    return [_message(request, message, counts.get(message.pk, 0)) for message in messages]


def _participant(request: HttpRequest, participant: Participant) -> dict[str, object]:
    return {
        "person": _author(request, participant.user),
        "role": participant.role,
        "joined_at": participant.joined_at,
    }


def _join_request(request: HttpRequest, join_request: JoinRequest) -> dict[str, object]:
    return {
        "id": join_request.pk,
        "kind": join_request.kind,
        "requester": _author(request, join_request.requester),
        "body": join_request.body,
        "body_html": join_request.body_html,
        "status": join_request.status,
        "created_at": join_request.created_at,
        "decided_at": join_request.decided_at,
        "message_id": join_request.message_id,
    }


def _highlight(highlight: Highlight) -> dict[str, object]:
    return {
        "id": highlight.pk,
        "message_id": highlight.message_id,
        "passage": highlight.passage,
        "created_at": highlight.created_at,
    }


def _revision(revision: MessageRevision) -> dict[str, object]:
    return {
        "number": revision.number,
        "body": revision.body,
        "body_html": revision.body_html,
        "written_at": revision.written_at,
    }


def _log_entry(request: HttpRequest, entry: RoomLogEntry) -> dict[str, object]:
    return {
        "id": entry.pk,
        "action": entry.action,
        "actor": _person(request, entry.actor),
        "subject": _person(request, entry.subject) if entry.subject else None,
        "reason": entry.reason,
        "changes": entry.changes,
        "created_at": entry.created_at,
    }


def _page(
    request: HttpRequest,
    queryset: QuerySet[Any],
    pagination: NewestFirst.Input,
    *,
    ordering: tuple[str, ...] = ("-created_at", "-id"),
) -> dict[str, Any]:
    """One page by the API's cursor pagination (`cursor`, `page_size`; `next`, `previous`)."""
    return cast(
        dict[str, Any],
        NewestFirst(ordering=ordering).paginate_queryset(queryset, pagination, request),
    )


@contextmanager
def _fields_named(**names: str) -> Iterator[None]:
    """Name a service's field errors after this operation's input (services speak the forms')."""
    try:
        yield
    except InvalidInput as error:
        error.fields = {names.get(name, name): messages for name, messages in error.fields.items()}
        raise


def _created(before: datetime, created_at: datetime) -> int:
    """201 for what this request created, 200 for what an earlier one did (a repeat)."""
    return 201 if created_at >= before else 200


# --- Input --------------------------------------------------------------------------------------


class StartIn(Schema):
    title: str = Field(
        "", description=doc(gettext_lazy("Optional: the first line of the message otherwise."))
    )
    body: str = Field("", description=doc(gettext_lazy("The first message, in Markdown.")))
    visibility: Visibility = Visibility.PUBLIC
    invite_policy: InvitePolicy = InvitePolicy.PARTICIPANTS
    link_url: str = Field("", description=doc(gettext_lazy("Start from this web address.")))
    branch_conversation_id: int | None = Field(
        None, le=ID_MAX, description=doc(gettext_lazy("Branch off a message of this conversation…"))
    )
    branch_message_id: int | None = Field(
        None, le=ID_MAX, description=doc(gettext_lazy("…this message…"))
    )
    passage: str = Field(
        "", description=doc(gettext_lazy("…from this passage of it (empty: the whole message)."))
    )
    invitees: list[str] = Field(
        [],
        description=doc(gettext_lazy("Handles, email addresses or provider:username to invite.")),
    )


class MessageIn(Schema):
    body: str = Field(description=doc(gettext_lazy("Markdown.")))
    reply_to_id: int | None = Field(
        None, le=ID_MAX, description=doc(gettext_lazy("The message this one replies to."))
    )
    quoted_passage: str = Field(
        "", description=doc(gettext_lazy("A passage of that message to quote."))
    )
    client_token: str = Field(
        "",
        max_length=64,
        description=doc(
            gettext_lazy("Any unique string: sending it again gives back the same message.")
        ),
    )


class MessageEditIn(Schema):
    body: str


class HighlightIn(Schema):
    passage: str = Field(
        "", description=doc(gettext_lazy("Words of the message; empty highlights all of it."))
    )


class ConversationInviteIn(Schema):
    addresses: list[str] = Field(
        description=doc(gettext_lazy("Handles, email addresses or provider:username."))
    )


class JoinRequestIn(Schema):
    pitch: str = Field(description=doc(gettext_lazy("Why you would like to join, in a sentence.")))


class SuggestionIn(Schema):
    body: str = Field(description=doc(gettext_lazy("The message you suggest, in Markdown.")))


class ReasonIn(Schema):
    reason: str = Field("", description=doc(gettext_lazy("Logged and shown to participants.")))


class SlowModeIn(Schema):
    seconds: int = Field(description=doc(gettext_lazy("0 turns slow mode off.")))
    reason: str = ""


class RemoveIn(Schema):
    reason: str = Field(description=doc(gettext_lazy("Logged, and sent to the person.")))


class SettingsIn(Schema):
    title: str
    visibility: Visibility
    invite_policy: InvitePolicy


# --- Conversations ------------------------------------------------------------------------------


@router.get(
    "",
    response={200: ConversationPageOut, 401: ErrorOut},
    auth=OPTIONAL,
    openapi_extra=OPTIONAL_SECURITY,
    summary=doc(gettext_lazy("Public conversations, or yours, most recently active first")),
    description=doc(
        gettext_lazy(
            "With `mine=true`, the conversations you take part in, whatever their visibility "
            "(signed in only)."
        )
    ),
)
def conversation_list(
    request: HttpRequest, pagination: Query[NewestFirst.Input], mine: bool = False
) -> object:
    if mine and not permissions.is_member(request.user):
        raise NotAuthenticated()
    conversations = (
        selectors.conversations_of_member(viewer=request.user)
        if mine
        else selectors.conversations_listed(viewer=request.user)
    )
    page = _page(request, conversations, pagination, ordering=("-last_activity_at", "-id"))
    page["results"] = [_summary(request, c) for c in page["results"]]
    return page


@router.post(
    "",
    response={201: ConversationOut, **error_responses(400, 403, 404, 429)},
    summary=doc(gettext_lazy("Start a conversation")),
    description=doc(
        gettext_lazy(
            "From a first message, a link, or a passage of another conversation's message; "
            "invitees are invited at once. Nothing is created if anything is wrong."
        )
    ),
)
def conversation_start(request: AuthenticatedRequest, payload: StartIn) -> object:
    with _fields_named(url="link_url", address="invitees"):
        conversation = services.conversation_start(
            starter=request.user,
            title=payload.title,
            body=payload.body,
            visibility=payload.visibility,
            invite_policy=payload.invite_policy,
            origin=services.StartOrigin(
                link_url=payload.link_url,
                branch_conversation_id=payload.branch_conversation_id,
                branch_message_id=payload.branch_message_id,
                passage=payload.passage,
            ),
            invitees=payload.invitees,
        )
    return Status(201, _conversation_out(request, conversation.pk))


@router.get(
    "/{conversation_id}",
    response={200: ConversationOut, 404: ErrorOut},
    auth=OPTIONAL,
    openapi_extra=OPTIONAL_SECURITY,
    summary=doc(gettext_lazy("A conversation, and what you may do in it")),
)
def conversation_get(request: HttpRequest, conversation_id: int) -> object:
    return _conversation_out(request, conversation_id)


@router.put(
    "/{conversation_id}/settings",
    response={200: ConversationOut, **error_responses(400, 403, 404)},
    summary=doc(gettext_lazy("Change the title, who can read and who can invite")),
    description=doc(gettext_lazy("The starter and the site's moderators; logged.")),
)
def conversation_settings(
    request: AuthenticatedRequest, conversation_id: int, payload: SettingsIn
) -> object:
    services.conversation_settings_update(
        actor=request.user,
        conversation_id=conversation_id,
        title=payload.title,
        visibility=payload.visibility,
        invite_policy=payload.invite_policy,
    )
    return _conversation_out(request, conversation_id)


# --- Messages -----------------------------------------------------------------------------------


class MessagePageQuery(Schema):
    after: int | None = Field(
        None,
        ge=0,
        le=ID_MAX,
        description=doc(gettext_lazy("Messages following this id.")),
    )
    before: int | None = Field(
        None,
        ge=0,
        le=ID_MAX,
        description=doc(gettext_lazy("Messages preceding this id.")),
    )
    latest: bool = Field(False, description=doc(gettext_lazy("The last page.")))
    page_size: int = Field(selectors.PAGE_SIZE, ge=1, le=selectors.PAGE_SIZE)


@router.get(
    "/{conversation_id}/messages",
    response={200: MessagePageOut, 404: ErrorOut},
    auth=OPTIONAL,
    openapi_extra=OPTIONAL_SECURITY,
    summary=doc(gettext_lazy("Messages in reading order, a page at a time")),
    description=doc(
        gettext_lazy(
            "Without parameters, the first page. Use at most one of `after`, `before` and "
            "`latest`; `newer` and `older` in the answer lead to the next and previous pages."
        )
    ),
)
def message_list(
    request: HttpRequest, conversation_id: int, query: Query[MessagePageQuery]
) -> object:
    if sum((query.after is not None, query.before is not None, query.latest)) > 1:
        raise InvalidInput(_("Use only one of after, before and latest."))
    conversation, _standing = selectors.conversation_get_for_viewer(
        viewer=request.user, conversation_id=conversation_id
    )
    page = selectors.messages_page(
        conversation=conversation,
        after=query.after,
        before=query.before,
        latest=query.latest,
        size=query.page_size,
    )
    return {
        "results": _messages(request, page.messages),
        "older": page.older,
        "newer": page.newer,
    }


@router.post(
    "/{conversation_id}/messages",
    response={200: MessageOut, 201: MessageOut, **error_responses(400, 403, 404, 409, 429)},
    summary=doc(gettext_lazy("Post a message (200: this client_token was already sent)")),
    description=doc(
        gettext_lazy(
            "Participants only, unless the conversation is locked. In slow mode, posting too "
            "soon answers 429 with Retry-After."
        )
    ),
)
def message_post(request: AuthenticatedRequest, conversation_id: int, payload: MessageIn) -> object:
    before = timezone.now()
    with _fields_named(reply_to="reply_to_id", passage="quoted_passage"):
        message = services.message_post(
            author=request.user,
            conversation_id=conversation_id,
            body=payload.body,
            reply_to_id=payload.reply_to_id,
            quoted_passage=payload.quoted_passage,
            client_token=payload.client_token,
        )
    return Status(_created(before, message.created_at), _message_get(request, message))


def _message_get(request: HttpRequest, message: Message) -> dict[str, object]:
    """A message read again through the selector, with what the page shows around it."""
    _conversation, _standing, message = selectors.message_get_for_viewer(
        viewer=request.user, conversation_id=message.conversation_id, message_id=message.pk
    )
    return _messages(request, [message])[0]


@router.get(
    "/{conversation_id}/messages/{message_id}",
    response={200: MessageOut, 404: ErrorOut},
    auth=OPTIONAL,
    openapi_extra=OPTIONAL_SECURITY,
    summary=doc(gettext_lazy("One message")),
)
def message_get(request: HttpRequest, conversation_id: int, message_id: int) -> object:
    _conversation, _standing, message = selectors.message_get_for_viewer(
        viewer=request.user, conversation_id=conversation_id, message_id=message_id
    )
    return _messages(request, [message])[0]


@router.patch(
    "/{conversation_id}/messages/{message_id}",
    response={200: MessageOut, **error_responses(400, 403, 404, 409)},
    summary=doc(gettext_lazy("Edit your message (the earlier version stays in its history)")),
)
def message_edit(
    request: AuthenticatedRequest, conversation_id: int, message_id: int, payload: MessageEditIn
) -> object:
    message = services.message_edit(
        author=request.user,
        conversation_id=conversation_id,
        message_id=message_id,
        body=payload.body,
    )
    return _message_get(request, message)


@router.delete(
    "/{conversation_id}/messages/{message_id}",
    response={200: MessageOut, **error_responses(403, 404, 409)},
    summary=doc(gettext_lazy("Delete your message (a tombstone takes its place)")),
)
def message_delete(request: AuthenticatedRequest, conversation_id: int, message_id: int) -> object:
    message = services.message_delete(
        author=request.user, conversation_id=conversation_id, message_id=message_id
    )
    return _message_get(request, message)


@router.get(
    "/{conversation_id}/messages/{message_id}/history",
    response={200: list[RevisionOut], 404: ErrorOut},
    auth=OPTIONAL,
    openapi_extra=OPTIONAL_SECURITY,
    summary=doc(gettext_lazy("A message's earlier versions, oldest first")),
    description=doc(gettext_lazy("Empty for a deleted message: its words are not shown again.")),
)
def message_history(request: HttpRequest, conversation_id: int, message_id: int) -> object:
    _conversation, _standing, message = selectors.message_get_for_viewer(
        viewer=request.user, conversation_id=conversation_id, message_id=message_id
    )
    if message.is_deleted or message.hidden_from(request.user):
        # Nor the earlier words of a message the moderators hid from this reader.
        return []
    return [_revision(revision) for revision in selectors.message_revisions(message=message)]


# --- Highlights ---------------------------------------------------------------------------------


@router.post(
    "/{conversation_id}/messages/{message_id}/highlights",
    response={200: HighlightOut, 201: HighlightOut, **error_responses(400, 403, 404, 409)},
    summary=doc(gettext_lazy("Highlight a passage of a message (200: you already had)")),
)
def highlight_add(
    request: AuthenticatedRequest, conversation_id: int, message_id: int, payload: HighlightIn
) -> object:
    before = timezone.now()
    highlight = services.highlight_add(
        user=request.user,
        conversation_id=conversation_id,
        message_id=message_id,
        passage=payload.passage,
    )
    return Status(_created(before, highlight.created_at), _highlight(highlight))


@router.delete(
    "/{conversation_id}/highlights/{highlight_id}",
    response={204: None, 404: ErrorOut},
    summary=doc(gettext_lazy("Remove one of your highlights")),
)
def highlight_remove(
    request: AuthenticatedRequest, conversation_id: int, highlight_id: int
) -> object:
    services.highlight_remove(
        user=request.user, conversation_id=conversation_id, highlight_id=highlight_id
    )
    return Status(204, None)


@router.get(
    "/{conversation_id}/highlights",
    response={200: list[RankedPassageOut], 404: ErrorOut},
    auth=OPTIONAL,
    openapi_extra=OPTIONAL_SECURITY,
    summary=doc(gettext_lazy("The passages readers highlighted most, most first")),
)
def highlights_ranked(request: HttpRequest, conversation_id: int) -> object:
    conversation, _standing = selectors.conversation_get_for_viewer(
        viewer=request.user, conversation_id=conversation_id
    )
    return [
        {
            "message_id": ranked.message.pk,
            "message_url": _absolute(request, ranked.message.get_absolute_url()),
            "author": _author(request, ranked.message.author),
            "passage": ranked.passage,
            "count": ranked.count,
        }
        for ranked in selectors.highlights_ranked(conversation=conversation)
    ]


# --- People: invitations, requests to join, suggestions -----------------------------------------


@router.post(
    "/{conversation_id}/invitations",
    response={200: ConversationInviteOutcomeOut, **error_responses(400, 403, 404, 429)},
    summary=doc(gettext_lazy("Invite people by handle, email address or provider:username")),
    description=doc(
        gettext_lazy(
            "Members are invited at once and notified; people without an account get an "
            "invitation that waits for them."
        )
    ),
)
def invite(
    request: AuthenticatedRequest, conversation_id: int, payload: ConversationInviteIn
) -> object:
    with _fields_named(invitees="addresses", address="addresses"):
        outcome = services.conversation_invite(
            inviter=request.user, conversation_id=conversation_id, addresses=payload.addresses
        )
    return {
        "invited": [person.handle for person in outcome.invited],
        "already_in": [person.handle for person in outcome.already_in],
        "waiting": [invitation.address for invitation in outcome.waiting],
    }


@router.post(
    "/{conversation_id}/invitation/accept",
    response={200: ParticipantOut, **error_responses(403, 404, 409)},
    summary=doc(gettext_lazy("Accept your invitation and take part")),
)
def invitation_accept(request: AuthenticatedRequest, conversation_id: int) -> object:
    participant = services.invitation_accept(user=request.user, conversation_id=conversation_id)
    return _participant(request, participant)


@router.post(
    "/{conversation_id}/invitation/decline",
    response={204: None, **error_responses(404, 409)},
    summary=doc(gettext_lazy("Decline your invitation")),
)
def invitation_decline(request: AuthenticatedRequest, conversation_id: int) -> object:
    services.invitation_decline(user=request.user, conversation_id=conversation_id)
    return Status(204, None)


@router.post(
    "/{conversation_id}/join-requests",
    response={200: JoinRequestOut, 201: JoinRequestOut, **error_responses(400, 403, 404, 409, 429)},
    summary=doc(gettext_lazy("Ask to join (200: your request was already waiting)")),
)
def join_request_create(
    request: AuthenticatedRequest, conversation_id: int, payload: JoinRequestIn
) -> object:
    before = timezone.now()
    join_request = services.join_request_create(
        requester=request.user, conversation_id=conversation_id, pitch=payload.pitch
    )
    return Status(_created(before, join_request.created_at), _join_request(request, join_request))


@router.post(
    "/{conversation_id}/suggestions",
    response={201: JoinRequestOut, **error_responses(400, 403, 404, 409, 429)},
    summary=doc(gettext_lazy("Suggest a message without joining")),
    description=doc(gettext_lazy("A participant may approve it into the conversation.")),
)
def suggestion_create(
    request: AuthenticatedRequest, conversation_id: int, payload: SuggestionIn
) -> object:
    suggestion = services.suggestion_create(
        requester=request.user, conversation_id=conversation_id, body=payload.body
    )
    return Status(201, _join_request(request, suggestion))


@router.get(
    "/{conversation_id}/requests",
    response={200: list[JoinRequestOut], **error_responses(403, 404)},
    summary=doc(gettext_lazy("Requests to join and suggested messages waiting for an answer")),
    description=doc(gettext_lazy("Participants only; oldest first.")),
)
def join_requests_pending(request: AuthenticatedRequest, conversation_id: int) -> object:
    conversation, standing = selectors.conversation_get_for_viewer(
        viewer=request.user, conversation_id=conversation_id
    )
    if not permissions.can_answer_requests(request.user, conversation, standing):
        raise Forbidden(_("Only participants answer requests."))
    return [
        _join_request(request, pending)
        for pending in selectors.join_requests_pending(conversation=conversation)
    ]


def _decide(
    request: AuthenticatedRequest, conversation_id: int, request_id: int, *, approve: bool
) -> dict[str, object]:
    decided = services.join_request_decide(
        actor=request.user,
        conversation_id=conversation_id,
        request_id=request_id,
        approve=approve,
    )
    return _join_request(request, decided)


@router.post(
    "/{conversation_id}/requests/{request_id}/approve",
    response={200: JoinRequestOut, **error_responses(403, 404, 409)},
    summary=doc(gettext_lazy("Approve a request to join or a suggested message")),
)
def join_request_approve(
    request: AuthenticatedRequest, conversation_id: int, request_id: int
) -> object:
    return _decide(request, conversation_id, request_id, approve=True)


@router.post(
    "/{conversation_id}/requests/{request_id}/decline",
    response={200: JoinRequestOut, **error_responses(403, 404, 409)},
    summary=doc(gettext_lazy("Decline a request to join or a suggested message")),
)
def join_request_decline(
    request: AuthenticatedRequest, conversation_id: int, request_id: int
) -> object:
    return _decide(request, conversation_id, request_id, approve=False)


@router.post(
    "/{conversation_id}/leave",
    response={204: None, **error_responses(403, 404)},
    summary=doc(gettext_lazy("Leave the conversation")),
)
def leave(request: AuthenticatedRequest, conversation_id: int) -> object:
    services.conversation_leave(user=request.user, conversation_id=conversation_id)
    return Status(204, None)


@router.get(
    "/{conversation_id}/participants",
    response={200: list[ParticipantOut], 404: ErrorOut},
    auth=OPTIONAL,
    openapi_extra=OPTIONAL_SECURITY,
    summary=doc(gettext_lazy("The people taking part, in the order they joined")),
)
def participant_list(request: HttpRequest, conversation_id: int) -> object:
    conversation, _standing = selectors.conversation_get_for_viewer(
        viewer=request.user, conversation_id=conversation_id
    )
    return [
        _participant(request, participant)
        for participant in selectors.participants_active(conversation=conversation)
    ]


# --- The room: the starter and the site's moderators -------------------------------------------


@router.post(
    "/{conversation_id}/lock",
    response={200: ConversationOut, **error_responses(400, 403, 404)},
    summary=doc(gettext_lazy("Lock the conversation: nobody posts, joins or is invited")),
    description=doc(gettext_lazy("A reason is required; it is logged.")),
)
def lock(request: AuthenticatedRequest, conversation_id: int, payload: ReasonIn) -> object:
    services.conversation_lock(
        actor=request.user, conversation_id=conversation_id, locked=True, reason=payload.reason
    )
    return _conversation_out(request, conversation_id)


@router.post(
    "/{conversation_id}/unlock",
    response={200: ConversationOut, **error_responses(400, 403, 404)},
    summary=doc(gettext_lazy("Unlock the conversation")),
)
def unlock(request: AuthenticatedRequest, conversation_id: int, payload: ReasonIn) -> object:
    services.conversation_lock(
        actor=request.user, conversation_id=conversation_id, locked=False, reason=payload.reason
    )
    return _conversation_out(request, conversation_id)


@router.put(
    "/{conversation_id}/slow-mode",
    response={200: ConversationOut, **error_responses(400, 403, 404)},
    summary=doc(gettext_lazy("Set slow mode: seconds between two messages of one person")),
)
def slow_mode(request: AuthenticatedRequest, conversation_id: int, payload: SlowModeIn) -> object:
    services.conversation_slow_mode_set(
        actor=request.user,
        conversation_id=conversation_id,
        seconds=payload.seconds,
        reason=payload.reason,
    )
    return _conversation_out(request, conversation_id)


@router.post(
    "/{conversation_id}/participants/{handle}/remove",
    response={200: ParticipantOut, **error_responses(400, 403, 404)},
    summary=doc(gettext_lazy("Remove a participant (their messages stay)")),
    description=doc(gettext_lazy("A reason is required: it is logged and sent to the person.")),
)
def participant_remove(
    request: AuthenticatedRequest, conversation_id: int, handle: str, payload: RemoveIn
) -> object:
    participant = services.participant_remove(
        actor=request.user, conversation_id=conversation_id, handle=handle, reason=payload.reason
    )
    return _participant(request, participant)


@router.get(
    "/{conversation_id}/room-log",
    response={200: RoomLogPageOut, **error_responses(403, 404)},
    summary=doc(gettext_lazy("What was done to the room, by whom and why, newest first")),
)
def room_log(
    request: AuthenticatedRequest, conversation_id: int, pagination: Query[NewestFirst.Input]
) -> object:
    conversation, _standing = selectors.conversation_get_for_viewer(
        viewer=request.user, conversation_id=conversation_id
    )
    if not permissions.can_manage_room(request.user, conversation):
        raise Forbidden(_("Only the person who started this conversation manages it."))
    page = _page(request, selectors.room_log(conversation=conversation), pagination)
    page["results"] = [_log_entry(request, entry) for entry in page["results"]]
    return page
