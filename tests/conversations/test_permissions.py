"""Who may do what in a conversation: the pure predicates, as a matrix of roles, actions and
visibilities. Pages and the API (tests/conversations/test_api_permissions.py) use the same ones."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from perchoir.accounts.models import Role, User
from perchoir.conversations.models import Conversation, Participant, ParticipantRole, Visibility
from perchoir.conversations.permissions import Standing, can_view, capabilities

ROLES = ["anonymous", "stranger", "invitee", "participant", "starter", "moderator", "removed"]

# What each role may do in an open (unlocked) conversation; visibility only changes reading.
EXPECTED = {
    "anonymous": set(),
    "stranger": {"can_ask_to_join", "can_suggest", "can_highlight", "can_branch"},
    "invitee": {"can_suggest", "can_highlight", "can_branch"},
    "participant": {
        "can_post",
        "can_invite",
        "can_answer_requests",
        "can_highlight",
        "can_branch",
        "can_leave",
    },
    "starter": {
        "can_post",
        "can_invite",
        "can_answer_requests",
        "can_manage_room",
        "can_highlight",
        "can_branch",
    },
    "moderator": {
        "can_ask_to_join",
        "can_suggest",
        "can_manage_room",
        "can_highlight",
        "can_branch",
    },
    "removed": {"can_suggest", "can_highlight", "can_branch"},
}
PRIVATE_READERS = {"invitee", "participant", "starter"}


def person(pk: int, role: str = Role.MEMBER) -> User:
    return User(pk=pk, handle=f"p{pk}", role=role, is_active=True)


def situation(role: str, visibility: str, *, locked: bool = False):
    starter = person(1)
    conversation = Conversation(pk=10, starter=starter, visibility=visibility)
    if locked:
        conversation.locked_at = timezone.now()
    viewer = {
        "anonymous": AnonymousUser(),
        "starter": starter,
        "moderator": person(3, Role.MODERATOR),
    }.get(role, person(2))
    membership = None
    if role in ("participant", "starter", "removed"):
        membership = Participant(
            conversation=conversation,
            user=viewer,
            role=ParticipantRole.STARTER if role == "starter" else ParticipantRole.PARTICIPANT,
        )
        if role == "removed":
            membership.removed_at = timezone.now()
    return viewer, conversation, Standing(membership=membership, invited=role == "invitee")


@pytest.mark.parametrize("visibility", Visibility.values)
@pytest.mark.parametrize("role", ROLES)
def test_who_reads(role, visibility):
    viewer, conversation, standing = situation(role, visibility)
    readable = visibility != Visibility.PRIVATE or role in PRIVATE_READERS
    assert can_view(viewer, conversation, standing) is readable


@pytest.mark.parametrize("role", ROLES)
def test_what_each_role_may_do_in_an_open_conversation(role):
    viewer, conversation, standing = situation(role, Visibility.PUBLIC)
    allowed = {name for name, yes in capabilities(viewer, conversation, standing).items() if yes}
    assert allowed == EXPECTED[role]


@pytest.mark.parametrize("role", ROLES)
def test_a_locked_conversation_takes_no_message_request_or_invitation(role):
    viewer, conversation, standing = situation(role, Visibility.PUBLIC, locked=True)
    allowed = capabilities(viewer, conversation, standing)
    for action in ("can_post", "can_invite", "can_ask_to_join", "can_suggest"):
        assert not allowed[action], action
    # Managing the room (to unlock it) and reading stay possible.
    assert allowed["can_manage_room"] is (role in ("starter", "moderator"))


def test_only_the_starter_invites_when_they_restrict_it():
    viewer, conversation, standing = situation("participant", Visibility.PUBLIC)
    conversation.invite_policy = "starter"
    assert not capabilities(viewer, conversation, standing)["can_invite"]
    starter, conversation, standing = situation("starter", Visibility.PUBLIC)
    conversation.invite_policy = "starter"
    assert capabilities(starter, conversation, standing)["can_invite"]
