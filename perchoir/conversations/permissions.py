"""Who may do what in a conversation: pure predicates, no queries.

`membership` is the viewer's Participant row in the conversation (None if they never joined),
`invited` whether an invitation waits for them and `blocked` whether the viewer and the starter
are across a block (either way); selectors fetch them with the conversation.
"""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser

from perchoir.accounts.models import Role, User

from .models import Conversation, InvitePolicy, Message, Participant, Visibility

Viewer = User | AnonymousUser


@dataclass(frozen=True)
class Standing:
    """Where the viewer stands in one conversation."""

    membership: Participant | None = None
    invited: bool = False
    # The viewer and the starter blocked one another (either way): no asking in.
    blocked: bool = False

    @property
    def is_participant(self) -> bool:
        return self.membership is not None and self.membership.is_active


def is_member(viewer: Viewer) -> bool:
    return bool(viewer.is_authenticated and viewer.is_active)


def is_moderator(viewer: Viewer) -> bool:
    return is_member(viewer) and getattr(viewer, "role", None) in (Role.MODERATOR, Role.ADMIN)


def is_starter(viewer: Viewer, conversation: Conversation) -> bool:
    return is_member(viewer) and conversation.starter_id == viewer.pk


def can_view(viewer: Viewer, conversation: Conversation, standing: Standing) -> bool:
    """Public and unlisted: anyone with the address. Private: participants and invitees only —
    for anyone else it does not exist."""
    if conversation.visibility != Visibility.PRIVATE:
        return True
    return is_member(viewer) and (standing.is_participant or standing.invited)


def can_post(viewer: Viewer, conversation: Conversation, standing: Standing) -> bool:
    return is_member(viewer) and standing.is_participant and not conversation.is_locked


def can_invite(viewer: Viewer, conversation: Conversation, standing: Standing) -> bool:
    if not (is_member(viewer) and standing.is_participant) or conversation.is_locked:
        return False
    return conversation.invite_policy == InvitePolicy.PARTICIPANTS or is_starter(
        viewer, conversation
    )


def can_ask_to_join(viewer: Viewer, conversation: Conversation, standing: Standing) -> bool:
    """A reader who is not in the conversation (and was not removed from it, and is not across a
    block from its starter) may ask."""
    return (
        is_member(viewer)
        and standing.membership is None
        and not standing.invited
        and not standing.blocked
        and not conversation.is_locked
        and can_view(viewer, conversation, standing)
    )


def can_suggest(viewer: Viewer, conversation: Conversation, standing: Standing) -> bool:
    return (
        is_member(viewer)
        and not standing.is_participant
        and not standing.blocked
        and not conversation.is_locked
        and can_view(viewer, conversation, standing)
    )


def can_answer_requests(viewer: Viewer, conversation: Conversation, standing: Standing) -> bool:
    """Any participant approves or declines requests to join and suggested messages."""
    return is_member(viewer) and standing.is_participant


def can_manage_room(viewer: Viewer, conversation: Conversation) -> bool:
    """Lock, slow mode, remove a participant, settings: the starter, and the site's moderators."""
    return is_starter(viewer, conversation) or is_moderator(viewer)


def can_edit_message(viewer: Viewer, message: Message) -> bool:
    return is_member(viewer) and message.author_id == viewer.pk and not message.is_deleted


def can_delete_message(viewer: Viewer, message: Message) -> bool:
    return can_edit_message(viewer, message)


def can_highlight(viewer: Viewer, conversation: Conversation, standing: Standing) -> bool:
    return is_member(viewer) and can_view(viewer, conversation, standing)


def can_branch(viewer: Viewer, conversation: Conversation, standing: Standing) -> bool:
    """Any member who reads a message may start a new conversation from it."""
    return is_member(viewer) and can_view(viewer, conversation, standing)


def can_leave(viewer: Viewer, conversation: Conversation, standing: Standing) -> bool:
    """The starter keeps the room; others may leave."""
    return standing.is_participant and not is_starter(viewer, conversation)


def capabilities(viewer: Viewer, conversation: Conversation, standing: Standing) -> dict[str, bool]:
    """Everything the viewer may do in the conversation, for pages and API answers alike."""
    return {
        "can_post": can_post(viewer, conversation, standing),
        "can_invite": can_invite(viewer, conversation, standing),
        "can_ask_to_join": can_ask_to_join(viewer, conversation, standing),
        "can_suggest": can_suggest(viewer, conversation, standing),
        "can_answer_requests": can_answer_requests(viewer, conversation, standing),
        "can_manage_room": can_manage_room(viewer, conversation),
        "can_highlight": can_highlight(viewer, conversation, standing),
        "can_branch": can_branch(viewer, conversation, standing),
        "can_leave": can_leave(viewer, conversation, standing),
    }
