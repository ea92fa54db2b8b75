"""Every write to conversations: starting, inviting, posting, editing, answering, the room."""

import html
import operator
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import reduce

from allauth.account.models import EmailAddress
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from perchoir.accounts.identities import people_by_identities
from perchoir.accounts.models import User
from perchoir.core.errors import Conflict, Forbidden, InvalidInput, NotFound, RateLimited
from perchoir.core.markdown import link_mentions, mentioned_handles, render_markdown
from perchoir.core.ratelimit import ratelimit_hit
from perchoir.core.text import text_clean
from perchoir.discovery.services import search_index_conversation, search_index_message
from perchoir.follows.selectors import people_blocked_with
from perchoir.invitations.models import PendingInvitation, PendingInvitationTargetKind
from perchoir.invitations.services import InvitationTarget, pending_invitation_create
from perchoir.links.addresses import url_normalise
from perchoir.links.models import LinkPreview
from perchoir.links.services import link_preview_request
from perchoir.moderation.log import log_append
from perchoir.notifications.models import NotificationKind
from perchoir.notifications.services import notification_send, notification_send_many

from . import permissions
from .events import publish_conversation_event, publish_message_event
from .models import (
    MESSAGE_MAX_LENGTH,
    PASSAGE_MAX_LENGTH,
    PITCH_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Conversation,
    Highlight,
    Invitation,
    InvitePolicy,
    JoinRequest,
    JoinRequestKind,
    Mention,
    Message,
    MessageRevision,
    Participant,
    ParticipantRole,
    RequestStatus,
    RoomAction,
    RoomLogEntry,
    Visibility,
)
from .selectors import (
    conversation_get_for_viewer,
    message_get_for_viewer,
    messages_with_relations,
)

# Posting is cheap; a flood is not. Slow mode is the starter's finer tool.
MESSAGE_POST_LIMIT = 20
MESSAGE_POST_PERIOD = 60
CONVERSATION_START_LIMIT = 10
CONVERSATION_START_PERIOD = 3600
INVITE_LIMIT = 100
INVITE_PERIOD = 3600
REQUEST_LIMIT = 10
REQUEST_PERIOD = 3600
SLOW_MODE_MAX_SECONDS = 24 * 3600
EXCERPT_LENGTH = 140


# --- Text ---------------------------------------------------------------------------------------


def _clean_body(body: str, *, field_name: str = "body") -> str:
    body = body.strip()
    if not body:
        raise InvalidInput.for_field(field_name, _("Write something first."))
    if len(body) > MESSAGE_MAX_LENGTH:
        raise InvalidInput.for_field(
            field_name,
            _(
                "This message is %(length)s characters long; the limit is %(max)s. "
                "Split it into several messages."
            )
            % {"length": f"{len(body):,}", "max": f"{MESSAGE_MAX_LENGTH:,}"},
        )
    return body


def _any_of(field_name: str, values: Iterable[str]) -> Q:
    """`field` equal to any of `values`, ignoring case."""
    return reduce(operator.or_, (Q(**{f"{field_name}__iexact": v}) for v in values), Q(pk__in=[]))


def _mentioned_people(body: str) -> dict[str, User]:
    handles = mentioned_handles(body)
    if not handles:
        return {}
    people = User.objects.filter(_any_of("handle", handles), is_active=True)
    return {person.handle.lower(): person for person in people}


def _render(body: str, people: dict[str, User]) -> str:
    return link_mentions(
        render_markdown(body), {key: person.handle for key, person in people.items()}
    )


def plain_text(body_html: str) -> str:
    """The words of rendered HTML, whitespace collapsed: what a reader selects."""
    return normalise_passage(html.unescape(strip_tags(body_html)))


def normalise_passage(passage: str) -> str:
    return " ".join(passage.split())


def excerpt(message_html: str) -> str:
    text = plain_text(message_html)
    return text if len(text) <= EXCERPT_LENGTH else text[: EXCERPT_LENGTH - 1].rstrip() + "…"


def _clean_passage(passage: str, message: Message) -> str:
    """A passage must be text of the message as it reads; empty means the whole message."""
    passage = normalise_passage(passage)
    if len(passage) > PASSAGE_MAX_LENGTH:
        raise InvalidInput.for_field(
            "passage",
            _("Choose a shorter passage (at most %(max)d characters).")
            % {"max": PASSAGE_MAX_LENGTH},
        )
    if passage and passage not in plain_text(message.body_html):
        raise InvalidInput.for_field(
            "passage", _("This passage is not in the message; select it again.")
        )
    return passage


# --- Starting -----------------------------------------------------------------------------------


def _title_from(title: str, body: str, link_url: str, passage: str) -> str:
    title = " ".join(title.split())
    if not title:
        # Like a subject line: the first words of what was written.
        first_line = next((line for line in body.splitlines() if line.strip()), "")
        title = " ".join((first_line or passage or link_url).lstrip("#> ").split())
    if not title:
        raise InvalidInput.for_field("title", _("Give the conversation a title."))
    if len(title) > TITLE_MAX_LENGTH:
        title = title[: TITLE_MAX_LENGTH - 1].rstrip() + "…"
    return title


@dataclass
class StartOrigin:
    """What a conversation starts from, besides a thought: a link, or a passage of a message."""

    link_url: str = ""
    branch_conversation_id: int | None = None
    branch_message_id: int | None = None
    passage: str = ""


@transaction.atomic
def conversation_start(
    *,
    starter: User,
    title: str,
    body: str,
    visibility: str = Visibility.PUBLIC,
    invite_policy: str = InvitePolicy.PARTICIPANTS,
    origin: StartOrigin | None = None,
    invitees: list[str] | None = None,
) -> Conversation:
    """Start a conversation from a thought, a link or a passage of another message (B1, B7),
    and invite people at once. Nothing is created if anything is wrong."""
    if not permissions.is_member(starter):
        raise Forbidden()
    origin = origin or StartOrigin()
    if visibility not in Visibility.values:
        raise InvalidInput.for_field("visibility", _("Choose who can read the conversation."))
    if invite_policy not in InvitePolicy.values:
        raise InvalidInput.for_field("invite_policy", _("Choose who may invite people."))
    branched_from, passage = _branch_origin(starter, origin)
    link_url = _clean_link(origin.link_url) if origin.link_url.strip() else ""
    body = body.strip()
    if not body and not link_url and branched_from is None:
        raise InvalidInput.for_field(
            "body", _("Write a first message, or start from a link or a passage.")
        )
    if body:
        body = _clean_body(body)
    preview = _link_preview(link_url, starter) if link_url else None
    ratelimit_hit(
        "conversation-start",
        str(starter.pk),
        limit=CONVERSATION_START_LIMIT,
        period=CONVERSATION_START_PERIOD,
    )
    conversation = Conversation.objects.create(
        title=_title_from(title, body, link_url, passage),
        starter=starter,
        visibility=visibility,
        invite_policy=invite_policy,
        link_url=link_url,
        link_preview=preview,
        branched_from=branched_from,
        branched_passage=passage,
    )
    search_index_conversation(conversation)
    participant = Participant.objects.create(
        conversation=conversation, user=starter, role=ParticipantRole.STARTER
    )
    if invitees:
        conversation_invite(inviter=starter, conversation_id=conversation.pk, addresses=invitees)
    if body:
        # Last: publishing a live event holds the publishers' queue until commit.
        _message_create(
            conversation=conversation, participant=participant, author=starter, body=body
        )
    if branched_from is not None and visibility != Visibility.PRIVATE:
        _announce_branch(branched_from)
    return conversation


def _announce_branch(message: Message) -> None:
    """The message branched off now names the new conversation, for live readers and pages."""
    fresh = messages_with_relations(Message.objects.filter(pk=message.pk)).get()
    fresh.conversation = message.conversation
    publish_message_event(fresh, "message.branched")


def _clean_link(link_url: str) -> str:
    try:
        return url_normalise(link_url.strip())
    except InvalidInput as error:
        raise InvalidInput.for_field("link_url", error.message) from None


def _link_preview(link_url: str, starter: User) -> LinkPreview | None:
    """The link's card; past the fetch limit the conversation starts with a plain link."""
    try:
        return link_preview_request(url=link_url, requested_by=starter)
    except RateLimited:
        return None


def _branch_origin(starter: User, origin: StartOrigin) -> tuple[Message | None, str]:
    if origin.branch_message_id is None:
        return None, ""
    if origin.branch_conversation_id is None:
        raise InvalidInput.for_field(
            "branch_conversation_id", _("Say which conversation the message belongs to.")
        )
    _conversation, _standing, message = message_get_for_viewer(
        viewer=starter,
        conversation_id=origin.branch_conversation_id,
        message_id=origin.branch_message_id,
    )
    if message.is_deleted:
        raise InvalidInput.for_field("passage", _("This message was deleted."))
    if message.is_hidden:
        raise InvalidInput.for_field("passage", _("This message was hidden by the moderators."))
    return message, _clean_passage(origin.passage, message)


# --- Messages -----------------------------------------------------------------------------------


def _message_create(
    *,
    conversation: Conversation,
    participant: Participant | None,
    author: User,
    body: str,
    reply_to: Message | None = None,
    quoted_passage: str = "",
    client_token: str = "",
    approved_by: User | None = None,
) -> Message:
    people = _mentioned_people(body)
    now = timezone.now()
    message = Message.objects.create(
        conversation=conversation,
        author=author,
        body=body,
        body_html=_render(body, people),
        reply_to=reply_to,
        quoted_passage=quoted_passage,
        client_token=client_token,
        approved_by=approved_by,
    )
    Mention.objects.bulk_create(
        [Mention(message=message, user=person) for person in people.values()]
    )
    search_index_message(message)
    Conversation.objects.filter(pk=conversation.pk).update(
        message_count=F("message_count") + 1, last_activity_at=now
    )
    if participant is not None:
        Participant.objects.filter(pk=participant.pk).update(last_posted_at=now)
    message.conversation = conversation
    _notify_reply_and_mentions(message, people.values())
    publish_message_event(message, "message.created")
    return message


def _notify_reply_and_mentions(
    message: Message, mentioned: Iterable[User], *, notify_reply: bool = True
) -> None:
    conversation = message.conversation
    url = message.get_absolute_url()
    params = {"title": conversation.title, "excerpt": excerpt(message.body_html)}
    replied_to = message.reply_to.author if notify_reply and message.reply_to else None
    if replied_to is not None:
        notification_send(
            recipient=replied_to,
            kind=NotificationKind.MESSAGE_REPLY,
            actor=message.author,
            url=url,
            params=params,
        )
    people = [person for person in mentioned if person != replied_to]
    if conversation.visibility == Visibility.PRIVATE:
        # A private conversation does not exist for those outside it: no mention reaches them.
        inside = set(
            conversation.participants.filter(removed_at__isnull=True).values_list(
                "user_id", flat=True
            )
        )
        people = [person for person in people if person.pk in inside]
    notification_send_many(
        recipients=people,
        kind=NotificationKind.MESSAGE_MENTION,
        actor=message.author,
        url=url,
        params=params,
    )


def _check_slow_mode(conversation: Conversation, participant: Participant, author: User) -> None:
    if not conversation.slow_mode_seconds or permissions.can_manage_room(author, conversation):
        return
    if participant.last_posted_at is None:
        return
    ready_at = participant.last_posted_at + timedelta(seconds=conversation.slow_mode_seconds)
    wait = (ready_at - timezone.now()).total_seconds()
    if wait > 0:
        seconds = int(wait) + 1
        raise RateLimited(
            _(
                "Slow mode is on: one message every %(every)d seconds. You can post again in "
                "%(seconds)d seconds; your text is kept below."
            )
            % {"every": conversation.slow_mode_seconds, "seconds": seconds},
            retry_after=seconds,
        )


def _reply_target(conversation: Conversation, reply_to_id: int | None) -> Message | None:
    if reply_to_id is None:
        return None
    message = (
        Message.objects.filter(conversation=conversation, pk=reply_to_id)
        .select_related("author")
        .first()
    )
    if message is None:
        raise InvalidInput.for_field(
            "reply_to", _("The message you reply to is not in this conversation.")
        )
    if message.is_deleted:
        raise InvalidInput.for_field("reply_to", _("The message you reply to was deleted."))
    if message.is_hidden:
        raise InvalidInput.for_field(
            "reply_to", _("The message you reply to was hidden by the moderators.")
        )
    return message


@transaction.atomic
def message_post(
    *,
    author: User,
    conversation_id: int,
    body: str,
    reply_to_id: int | None = None,
    quoted_passage: str = "",
    client_token: str = "",
) -> Message:
    """Post a message (B3), maybe replying to another (B6). The same `client_token` twice (a
    double submit) gives back the first message."""
    conversation, standing = conversation_get_for_viewer(
        viewer=author, conversation_id=conversation_id, for_update=True
    )
    client_token = client_token.strip()[:64]
    if client_token:
        earlier = Message.objects.filter(author=author, client_token=client_token).first()
        if earlier is not None:
            if earlier.conversation_id != conversation.pk:
                raise Conflict()
            return earlier
    if conversation.is_locked:
        raise Forbidden(_("This conversation is locked: nobody can post for now."))
    if not permissions.can_post(author, conversation, standing):
        raise Forbidden(
            _("Only participants post here. You can ask to join, or suggest a message.")
        )
    assert standing.membership is not None
    body = _clean_body(body)
    reply_to = _reply_target(conversation, reply_to_id)
    quoted_passage = _clean_passage(quoted_passage, reply_to) if reply_to else ""
    _check_slow_mode(conversation, standing.membership, author)
    ratelimit_hit(
        "message-post", str(author.pk), limit=MESSAGE_POST_LIMIT, period=MESSAGE_POST_PERIOD
    )
    try:
        with transaction.atomic():
            return _message_create(
                conversation=conversation,
                participant=standing.membership,
                author=author,
                body=body,
                reply_to=reply_to,
                quoted_passage=quoted_passage,
                client_token=client_token,
            )
    except IntegrityError:
        # The same submit raced itself: the other request wrote it.
        earlier = Message.objects.filter(author=author, client_token=client_token).first()
        if earlier is None:
            raise
        return earlier


def _keep_revision(message: Message) -> None:
    MessageRevision.objects.create(
        message=message,
        number=message.revision_count + 1,
        body=message.body,
        body_html=message.body_html,
        written_at=message.edited_at or message.created_at,
    )


def _message_for_author(
    *, author: User, conversation_id: int, message_id: int
) -> tuple[Conversation, Message]:
    conversation, _standing, message = message_get_for_viewer(
        viewer=author, conversation_id=conversation_id, message_id=message_id
    )
    if message.author_id != author.pk:
        raise Forbidden(_("Only its author can change a message."))
    if message.is_deleted:
        raise Conflict(_("This message was deleted."))
    return conversation, message


@transaction.atomic
def message_edit(*, author: User, conversation_id: int, message_id: int, body: str) -> Message:
    """Change a message; every earlier version stays readable in its history (B10)."""
    conversation, message = _message_for_author(
        author=author, conversation_id=conversation_id, message_id=message_id
    )
    if conversation.is_locked:
        raise Forbidden(_("This conversation is locked: nobody can post for now."))
    body = _clean_body(body)
    if body == message.body:
        return message
    _keep_revision(message)
    before = set(message.mentions.values_list("user_id", flat=True))
    people = _mentioned_people(body)
    message.body = body
    message.body_html = _render(body, people)
    message.edited_at = timezone.now()
    message.revision_count += 1
    message.save(update_fields=["body", "body_html", "edited_at", "revision_count"])
    search_index_message(message)
    new_people = [person for person in people.values() if person.pk not in before]
    Mention.objects.bulk_create(
        [Mention(message=message, user=person) for person in new_people], ignore_conflicts=True
    )
    # The person replied to was told when the message was written.
    _notify_reply_and_mentions(message, new_people, notify_reply=False)
    publish_message_event(message, "message.edited")
    return message


@transaction.atomic
def message_delete(*, author: User, conversation_id: int, message_id: int) -> Message:
    """The author deletes a message: a tombstone takes its place; the text is kept, unseen."""
    _conversation, message = _message_for_author(
        author=author, conversation_id=conversation_id, message_id=message_id
    )
    message.deleted_at = timezone.now()
    message.save(update_fields=["deleted_at"])
    publish_message_event(message, "message.deleted")
    return message


# --- Invitations --------------------------------------------------------------------------------


@dataclass
class InviteOutcome:
    invited: list[User] = field(default_factory=list)
    already_in: list[User] = field(default_factory=list)
    waiting: list[PendingInvitation] = field(default_factory=list)


def _split_addresses(addresses: list[str]) -> list[str]:
    words: list[str] = []
    for chunk in addresses:
        words.extend(word.strip().rstrip(",;") for word in chunk.replace(",", " ").split())
    seen: dict[str, str] = {}
    for word in words:
        if word:
            seen.setdefault(word.lower(), word)
    return list(seen.values())


def _is_handle(word: str) -> bool:
    return ":" not in word and "@" not in word.lstrip("@")


def _members_for(words: list[str]) -> tuple[dict[str, User], list[str]]:
    """Members named by handle, verified email address or linked identity; the rest are
    addresses of people not here yet."""
    handles = {w.lstrip("@").lower(): w for w in words if _is_handle(w)}
    emails = {w.lower(): w for w in words if not _is_handle(w) and ":" not in w}
    found: dict[str, User] = {}
    if handles:
        for person in User.objects.filter(_any_of("handle", handles), is_active=True):
            found[handles[person.handle.lower()]] = person
    unknown = [handles[key] for key in handles if handles[key] not in found]
    if unknown:
        raise InvalidInput.for_field(
            "invitees",
            _("Nobody here has the handle %(handles)s.")
            % {"handles": ", ".join("@" + h.lstrip("@") for h in unknown)},
        )
    if emails:
        verified = EmailAddress.objects.filter(
            _any_of("email", emails),
            verified=True,
            user__is_active=True,
        ).select_related("user")
        for address in verified:
            found[emails[address.email.lower()]] = address.user
    identities = {
        (provider.strip().lower(), username.strip().lstrip("@").lower()): w
        for w in words
        if ":" in w
        for provider, _colon, username in [w.partition(":")]
    }
    for key, person in people_by_identities(identities).items():
        found[identities[key]] = person
    rest = [w for w in words if not _is_handle(w) and w not in found]
    return found, rest


@transaction.atomic
def conversation_invite(
    *, inviter: User, conversation_id: int, addresses: list[str]
) -> InviteOutcome:
    """Invite people by handle, email address or `provider:username` (B2). Members are invited
    at once and notified; others get a waiting invitation, claimed when they arrive."""
    conversation, standing = conversation_get_for_viewer(
        viewer=inviter, conversation_id=conversation_id, for_update=True
    )
    if not permissions.can_invite(inviter, conversation, standing):
        if conversation.invite_policy == InvitePolicy.STARTER and standing.is_participant:
            raise Forbidden(_("In this conversation, only the person who started it invites."))
        raise Forbidden(_("Only participants invite people to this conversation."))
    words = _split_addresses(addresses)
    if not words:
        raise InvalidInput.for_field(
            "invitees", _("Write handles, email addresses or provider:username, one or more.")
        )
    ratelimit_hit("conversation-invite", str(inviter.pk), limit=INVITE_LIMIT, period=INVITE_PERIOD)
    members, others = _members_for(words)
    _refuse_across_blocks(members, inviter=inviter, host_id=conversation.starter_id)
    outcome = InviteOutcome()
    target = InvitationTarget(
        kind=PendingInvitationTargetKind.CONVERSATION, id=conversation.pk, title=conversation.title
    )
    # Waiting invitations are validated (and may fail) before anyone is notified.
    outcome.waiting = [
        pending_invitation_create(inviter=inviter, address=word, target=target) for word in others
    ]
    memberships = {
        p.user_id: p
        for p in Participant.objects.filter(
            conversation=conversation, user__in=list(members.values())
        )
    }
    for person in members.values():
        membership = memberships.get(person.pk)
        if (membership is not None and membership.is_active) or person == inviter:
            outcome.already_in.append(person)
            continue
        if membership is not None and not permissions.can_manage_room(inviter, conversation):
            raise Forbidden(
                _("@%(handle)s was removed; only the starter can invite them back.")
                % {"handle": person.handle}
            )
        if _invitation_open(conversation=conversation, invitee=person, inviter=inviter):
            outcome.invited.append(person)
    return outcome


def _refuse_across_blocks(members: dict[str, User], *, inviter: User, host_id: int) -> None:
    """Nobody is invited across a block with the inviter or with the host (the starter, the
    owner), either way. The whole list is refused, as for an unknown handle, with words that do
    not tell who blocked whom."""
    refused = people_blocked_with(
        people_ids={inviter.pk, host_id}, others_ids={person.pk for person in members.values()}
    )
    if refused:
        named = [
            "@" + person.handle if _is_handle(word) else word
            for word, person in members.items()
            if person.pk in refused
        ]
        raise InvalidInput.for_field(
            "invitees", _("You cannot invite %(people)s.") % {"people": ", ".join(named)}
        )


def _across_block(person: User, *others_ids: int) -> bool:
    return bool(people_blocked_with(people_ids={person.pk}, others_ids=set(others_ids)))


def _invitation_open(*, conversation: Conversation, invitee: User, inviter: User) -> bool:
    """Create a pending invitation and notify; False if one already waited."""
    if Invitation.objects.filter(
        conversation=conversation, invitee=invitee, status=RequestStatus.PENDING
    ).exists():
        return False
    Invitation.objects.create(conversation=conversation, invitee=invitee, inviter=inviter)
    notification_send(
        recipient=invitee,
        kind=NotificationKind.CONVERSATION_INVITATION,
        actor=inviter,
        url=conversation.get_absolute_url(),
        params={"title": conversation.title},
    )
    return True


def pending_invitation_claimed(invitation: PendingInvitation, user: User) -> None:
    """A person invited to a conversation before they had an account has arrived."""
    if invitation.target_id is None:
        return
    conversation = Conversation.objects.filter(pk=invitation.target_id).first()
    if conversation is None or conversation.is_locked:
        return
    if Participant.objects.filter(conversation=conversation, user=user).exists():
        return
    if _across_block(user, invitation.inviter_id, conversation.starter_id):
        return  # claimed, but it leads nowhere while a block stands
    _invitation_open(conversation=conversation, invitee=user, inviter=invitation.inviter)


def _pending_invitation_for(conversation: Conversation, user: User) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update()
        .filter(conversation=conversation, invitee=user, status=RequestStatus.PENDING)
        .first()
    )
    if invitation is None:
        raise Conflict(_("There is no invitation waiting for you in this conversation."))
    return invitation


@transaction.atomic
def invitation_accept(*, user: User, conversation_id: int) -> Participant:
    conversation, standing = conversation_get_for_viewer(
        viewer=user, conversation_id=conversation_id, for_update=True
    )
    invitation = _pending_invitation_for(conversation, user)
    if conversation.is_locked:
        raise Forbidden(_("This conversation is locked: nobody can join for now."))
    if standing.blocked or _across_block(user, invitation.inviter_id):
        raise Forbidden(_("You cannot accept this invitation."))
    invitation.status = RequestStatus.APPROVED
    invitation.decided_at = timezone.now()
    invitation.save(update_fields=["status", "decided_at"])
    return _participant_add(conversation, user)


@transaction.atomic
def invitation_decline(*, user: User, conversation_id: int) -> Invitation:
    conversation, _standing = conversation_get_for_viewer(
        viewer=user, conversation_id=conversation_id, for_update=True
    )
    invitation = _pending_invitation_for(conversation, user)
    invitation.status = RequestStatus.DECLINED
    invitation.decided_at = timezone.now()
    invitation.save(update_fields=["status", "decided_at"])
    return invitation


def _participant_add(conversation: Conversation, user: User) -> Participant:
    participant, created = Participant.objects.get_or_create(conversation=conversation, user=user)
    if not created and participant.removed_at is not None:
        participant.removed_at = None
        participant.joined_at = timezone.now()
        participant.save(update_fields=["removed_at", "joined_at"])
    # Whatever else they had asked is answered by joining.
    JoinRequest.objects.filter(
        conversation=conversation,
        requester=user,
        kind=JoinRequestKind.JOIN,
        status=RequestStatus.PENDING,
    ).update(status=RequestStatus.APPROVED, decided_at=timezone.now())
    Conversation.objects.filter(pk=conversation.pk).update(last_activity_at=timezone.now())
    publish_conversation_event(
        conversation, "participant.joined", {"handle": user.handle, "name": user.name}
    )
    return participant


@transaction.atomic
def conversation_leave(*, user: User, conversation_id: int) -> None:
    conversation, standing = conversation_get_for_viewer(
        viewer=user, conversation_id=conversation_id, for_update=True
    )
    if not permissions.can_leave(user, conversation, standing):
        raise Forbidden(_("The person who started a conversation keeps it; you can lock it."))
    assert standing.membership is not None
    # Leaving is removing oneself; they may ask to join again.
    standing.membership.delete()


@transaction.atomic
def invitations_withdraw_across_block(*, person: User, other: User) -> None:
    """Two people are across a block now: the pending invitations between them, and those and
    the requests (to join, suggested messages) of each into the other's conversations, are
    withdrawn; kept with their state, as when someone leaves. Participation stays."""
    now = timezone.now()
    between = Q()
    for one, two in ((person, other), (other, person)):
        between |= Q(invitee=one) & (Q(inviter=two) | Q(conversation__starter=two))
    Invitation.objects.filter(between, status=RequestStatus.PENDING).update(
        status=RequestStatus.WITHDRAWN, decided_at=now
    )
    JoinRequest.objects.filter(
        Q(requester=person, conversation__starter=other)
        | Q(requester=other, conversation__starter=person),
        status=RequestStatus.PENDING,
    ).update(status=RequestStatus.WITHDRAWN, decided_at=now)


# --- Asking to join, suggesting a message (B5) --------------------------------------------------


def _participant_ids(conversation: Conversation) -> list[int]:
    return list(
        conversation.participants.filter(removed_at__isnull=True).values_list("user_id", flat=True)
    )


@transaction.atomic
def join_request_create(*, requester: User, conversation_id: int, pitch: str) -> JoinRequest:
    conversation, standing = conversation_get_for_viewer(
        viewer=requester, conversation_id=conversation_id, for_update=True
    )
    if standing.is_participant:
        raise Conflict(_("You already take part in this conversation."))
    if standing.invited:
        raise Conflict(_("You are invited already: accept the invitation to join."))
    if standing.membership is not None:
        raise Forbidden(_("You were removed from this conversation; you cannot ask to join again."))
    if standing.blocked:
        raise Forbidden(_("You cannot ask to join this conversation."))
    if not permissions.can_ask_to_join(requester, conversation, standing):
        raise Forbidden(_("This conversation is locked: nobody can join for now."))
    pitch = " ".join(pitch.split())
    if not pitch:
        raise InvalidInput.for_field("pitch", _("Say in a few words why you would like to join."))
    if len(pitch) > PITCH_MAX_LENGTH:
        raise InvalidInput.for_field(
            "pitch", _("Keep it under %(max)d characters.") % {"max": PITCH_MAX_LENGTH}
        )
    waiting = JoinRequest.objects.filter(
        conversation=conversation,
        requester=requester,
        kind=JoinRequestKind.JOIN,
        status=RequestStatus.PENDING,
    ).first()
    if waiting is not None:
        return waiting
    ratelimit_hit("join-request", str(requester.pk), limit=REQUEST_LIMIT, period=REQUEST_PERIOD)
    request = JoinRequest.objects.create(
        conversation=conversation, requester=requester, kind=JoinRequestKind.JOIN, body=pitch
    )
    _notify_participants(conversation, requester, NotificationKind.CONVERSATION_JOIN_REQUEST, pitch)
    return request


def _notify_participants(
    conversation: Conversation, actor: User, kind: NotificationKind, text: str
) -> None:
    notification_send_many(
        recipients=User.objects.filter(pk__in=_participant_ids(conversation)),
        kind=kind,
        actor=actor,
        url=reverse("conversations:requests", args=[conversation.pk]),
        params={"title": conversation.title, "excerpt": text[:EXCERPT_LENGTH]},
    )


@transaction.atomic
def suggestion_create(*, requester: User, conversation_id: int, body: str) -> JoinRequest:
    """A reader suggests one message; a participant may approve it into the conversation."""
    conversation, standing = conversation_get_for_viewer(
        viewer=requester, conversation_id=conversation_id, for_update=True
    )
    if standing.is_participant:
        raise Conflict(_("You take part in this conversation: post your message directly."))
    if standing.blocked:
        raise Forbidden(_("You cannot suggest a message in this conversation."))
    if not permissions.can_suggest(requester, conversation, standing):
        raise Forbidden(_("This conversation is locked: nobody can post for now."))
    body = _clean_body(body)
    ratelimit_hit("join-request", str(requester.pk), limit=REQUEST_LIMIT, period=REQUEST_PERIOD)
    suggestion = JoinRequest.objects.create(
        conversation=conversation,
        requester=requester,
        kind=JoinRequestKind.SUGGESTION,
        body=body,
        body_html=render_markdown(body),
    )
    _notify_participants(
        conversation,
        requester,
        NotificationKind.CONVERSATION_SUGGESTION,
        excerpt(suggestion.body_html),
    )
    return suggestion


DECISION_NOTIFICATIONS = {
    (JoinRequestKind.JOIN, True): NotificationKind.CONVERSATION_JOIN_APPROVED,
    (JoinRequestKind.JOIN, False): NotificationKind.CONVERSATION_JOIN_DECLINED,
    (JoinRequestKind.SUGGESTION, True): NotificationKind.CONVERSATION_SUGGESTION_APPROVED,
    (JoinRequestKind.SUGGESTION, False): NotificationKind.CONVERSATION_SUGGESTION_DECLINED,
}


@transaction.atomic
def join_request_decide(
    *, actor: User, conversation_id: int, request_id: int, approve: bool
) -> JoinRequest:
    """A participant approves or declines a request to join or a suggested message; the
    person who asked is told."""
    conversation, standing = conversation_get_for_viewer(
        viewer=actor, conversation_id=conversation_id, for_update=True
    )
    if not permissions.can_answer_requests(actor, conversation, standing):
        raise Forbidden(_("Only participants answer requests."))
    request = (
        JoinRequest.objects.select_for_update()
        .select_related("requester")
        .filter(conversation=conversation, pk=request_id)
        .first()
    )
    if request is None:
        raise NotFound()
    if request.status != RequestStatus.PENDING:
        raise Conflict(_("Someone has already answered this request."))
    if approve and conversation.is_locked:
        raise Forbidden(_("This conversation is locked: unlock it first."))
    if approve and _across_block(request.requester, actor.pk, conversation.starter_id):
        raise Forbidden(_("You cannot approve this request."))
    request.status = RequestStatus.APPROVED if approve else RequestStatus.DECLINED
    request.decided_by = actor
    request.decided_at = timezone.now()
    if approve and request.kind == JoinRequestKind.JOIN:
        _participant_add(conversation, request.requester)
    elif approve:
        request.message = _message_create(
            conversation=conversation,
            participant=None,
            author=request.requester,
            body=request.body,
            approved_by=actor,
        )
    request.save(update_fields=["status", "decided_by", "decided_at", "message"])
    notification_send(
        recipient=request.requester,
        kind=DECISION_NOTIFICATIONS[(JoinRequestKind(request.kind), approve)],
        actor=actor,
        url=request.message.get_absolute_url()
        if request.message
        else conversation.get_absolute_url(),
        params={"title": conversation.title},
    )
    return request


# --- Highlights (B8) ----------------------------------------------------------------------------


@transaction.atomic
def highlight_add(*, user: User, conversation_id: int, message_id: int, passage: str) -> Highlight:
    conversation, standing, message = message_get_for_viewer(
        viewer=user, conversation_id=conversation_id, message_id=message_id
    )
    if not permissions.can_highlight(user, conversation, standing):
        raise Forbidden(_("Sign in to highlight passages."))
    if message.is_deleted:
        raise Conflict(_("This message was deleted."))
    if message.is_hidden:
        raise Conflict(_("This message was hidden by the moderators."))
    passage = _clean_passage(passage, message) or plain_text(message.body_html)[:PASSAGE_MAX_LENGTH]
    highlight, created = Highlight.objects.get_or_create(
        message=message, user=user, passage=passage
    )
    if created:
        count = Highlight.objects.filter(message=message).count()
        publish_conversation_event(
            conversation,
            "highlight.added",
            {"message_id": message.pk, "passage": passage, "count": count},
        )
    return highlight


@transaction.atomic
def highlight_remove(*, user: User, conversation_id: int, highlight_id: int) -> None:
    conversation, _standing = conversation_get_for_viewer(
        viewer=user, conversation_id=conversation_id
    )
    deleted, _rows = Highlight.objects.filter(
        pk=highlight_id, user=user, message__conversation=conversation
    ).delete()
    if not deleted:
        raise NotFound()


# --- The room (B11) -----------------------------------------------------------------------------


def _room_for_manager(actor: User, conversation_id: int) -> Conversation:
    conversation, _standing = conversation_get_for_viewer(
        viewer=actor, conversation_id=conversation_id, for_update=True
    )
    if not permissions.can_manage_room(actor, conversation):
        raise Forbidden(_("Only the person who started this conversation manages it."))
    return conversation


def _log(
    conversation: Conversation,
    actor: User,
    action: RoomAction,
    *,
    reason: str = "",
    subject: User | None = None,
    changes: dict[str, list[object]] | None = None,
) -> None:
    RoomLogEntry.objects.create(
        conversation=conversation,
        actor=actor,
        action=action,
        subject=subject,
        reason=reason,
        changes=changes or {},
    )
    # The team sees the starters' acts in their rooms in the one moderation log (B11, D6).
    changed = changes or {}
    log_append(
        actor=actor,
        actor_role="starter" if actor.pk == conversation.starter_id else "moderator",
        verb=f"room.{action}",
        subject=subject,
        target_kind="conversation",
        target_id=conversation.pk,
        reason=reason,
        before={name: values[0] for name, values in changed.items()},
        after={name: values[1] for name, values in changed.items()},
    )


@transaction.atomic
def conversation_lock(
    *, actor: User, conversation_id: int, locked: bool, reason: str = ""
) -> Conversation:
    """Lock (nobody posts, joins or is invited) or unlock; logged with who and why."""
    conversation = _room_for_manager(actor, conversation_id)
    reason = text_clean(reason, required=locked)
    if conversation.is_locked == locked:
        return conversation
    conversation.locked_at = timezone.now() if locked else None
    # The starter's lock has no end; it replaces a moderator's timed lock that has ended.
    conversation.locked_until = None
    conversation.save(update_fields=["locked_at", "locked_until"])
    _log(conversation, actor, RoomAction.LOCK if locked else RoomAction.UNLOCK, reason=reason)
    publish_conversation_event(conversation, "conversation.changed", {"locked": locked})
    return conversation


@transaction.atomic
def conversation_slow_mode_set(
    *, actor: User, conversation_id: int, seconds: int, reason: str = ""
) -> Conversation:
    conversation = _room_for_manager(actor, conversation_id)
    if not 0 <= seconds <= SLOW_MODE_MAX_SECONDS:
        raise InvalidInput.for_field(
            "seconds",
            _("Choose between 0 (off) and %(max)d seconds.") % {"max": SLOW_MODE_MAX_SECONDS},
        )
    reason = text_clean(reason, required=False)
    if seconds == conversation.slow_mode_seconds:
        return conversation
    _log(
        conversation,
        actor,
        RoomAction.SLOW_MODE,
        reason=reason,
        changes={"slow_mode_seconds": [conversation.slow_mode_seconds, seconds]},
    )
    conversation.slow_mode_seconds = seconds
    conversation.save(update_fields=["slow_mode_seconds"])
    publish_conversation_event(conversation, "conversation.changed", {"slow_mode_seconds": seconds})
    return conversation


@transaction.atomic
def participant_remove(
    *, actor: User, conversation_id: int, handle: str, reason: str
) -> Participant:
    """Remove someone from the room; their messages stay. Logged, and they are told why."""
    conversation = _room_for_manager(actor, conversation_id)
    reason = text_clean(reason, required=True)
    participant = (
        conversation.participants.select_related("user")
        .filter(user__handle__iexact=handle.lstrip("@"), removed_at__isnull=True)
        .first()
    )
    if participant is None:
        raise NotFound(_("This person does not take part in this conversation."))
    if participant.user_id == conversation.starter_id:
        raise Forbidden(_("The person who started the conversation cannot be removed."))
    participant.removed_at = timezone.now()
    participant.save(update_fields=["removed_at"])
    _log(
        conversation, actor, RoomAction.REMOVE_PARTICIPANT, reason=reason, subject=participant.user
    )
    notification_send(
        recipient=participant.user,
        kind=NotificationKind.CONVERSATION_PARTICIPANT_REMOVED,
        actor=actor,
        url=conversation.get_absolute_url(),
        params={"title": conversation.title, "reason": reason},
    )
    publish_conversation_event(
        conversation, "participant.removed", {"handle": participant.user.handle}
    )
    return participant


@transaction.atomic
def conversation_settings_update(
    *, actor: User, conversation_id: int, title: str, visibility: str, invite_policy: str
) -> Conversation:
    conversation = _room_for_manager(actor, conversation_id)
    title = " ".join(title.split())
    if not title:
        raise InvalidInput.for_field("title", _("Give the conversation a title."))
    if len(title) > TITLE_MAX_LENGTH:
        raise InvalidInput.for_field(
            "title", _("Keep the title under %(max)d characters.") % {"max": TITLE_MAX_LENGTH}
        )
    if visibility not in Visibility.values:
        raise InvalidInput.for_field("visibility", _("Choose who can read the conversation."))
    if invite_policy not in InvitePolicy.values:
        raise InvalidInput.for_field("invite_policy", _("Choose who may invite people."))
    changes: dict[str, list[object]] = {}
    for name, value in (
        ("title", title),
        ("visibility", visibility),
        ("invite_policy", invite_policy),
    ):
        if getattr(conversation, name) != value:
            changes[name] = [getattr(conversation, name), value]
            setattr(conversation, name, value)
    if changes:
        conversation.save(update_fields=list(changes))
        search_index_conversation(conversation)
        _log(conversation, actor, RoomAction.SETTINGS, changes=changes)
    return conversation
