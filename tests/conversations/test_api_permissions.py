"""Who may do what through the API: every role, action and visibility, as the pages allow it.

A private conversation does not exist for those outside it: 404, never 403, for every operation.
"""

import pytest

from perchoir.conversations.models import InvitePolicy, Message, Participant, Visibility
from tests.factories import ModeratorFactory, UserFactory

from .factories import ConversationFactory, InvitationFactory, MessageFactory

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "stranger", "invitee", "participant", "starter", "moderator")
VISIBILITIES = (Visibility.PUBLIC, Visibility.UNLISTED, Visibility.PRIVATE)

# Expected status by role, for a public, an unlisted and a private conversation.
EXPECTED = {
    "read": {
        "anonymous": (200, 200, 404),
        "stranger": (200, 200, 404),
        "invitee": (200, 200, 200),
        "participant": (200, 200, 200),
        "starter": (200, 200, 200),
        "moderator": (200, 200, 404),
    },
    "post": {
        "anonymous": (401, 401, 401),
        "stranger": (403, 403, 404),
        "invitee": (403, 403, 403),
        "participant": (201, 201, 201),
        "starter": (201, 201, 201),
        "moderator": (403, 403, 404),
    },
    "invite": {
        "anonymous": (401, 401, 401),
        "stranger": (403, 403, 404),
        "invitee": (403, 403, 403),
        "participant": (200, 200, 200),
        "starter": (200, 200, 200),
        "moderator": (403, 403, 404),
    },
    "lock": {
        "anonymous": (401, 401, 401),
        "stranger": (403, 403, 404),
        "invitee": (403, 403, 403),
        "participant": (403, 403, 403),
        "starter": (200, 200, 200),
        "moderator": (200, 200, 404),
    },
}


def room(visibility):
    """A conversation with one person in each role; returns it and the people by role."""
    participant, invitee = UserFactory(), UserFactory()
    conversation = ConversationFactory(visibility=visibility, participants=[participant])
    InvitationFactory(conversation=conversation, invitee=invitee)
    people = {
        "anonymous": None,
        "stranger": UserFactory(),
        "invitee": invitee,
        "participant": participant,
        "starter": conversation.starter,
        "moderator": ModeratorFactory(),
    }
    return conversation, people


def act(api, action, conversation):
    path = f"/{conversation.pk}"
    if action == "read":
        return api.get(path)
    if action == "post":
        return api.post(f"{path}/messages", {"body": "Hello"})
    if action == "invite":
        return api.post(f"{path}/invitations", {"addresses": [UserFactory().handle]})
    return api.post(f"{path}/lock", {"reason": "Time for a break"})


@pytest.mark.parametrize("action", EXPECTED)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_permissions_matrix(api_as, action, role, visibility):
    conversation, people = room(visibility)
    expected = EXPECTED[action][role][VISIBILITIES.index(visibility)]

    response = act(api_as(people[role]), action, conversation)

    assert response.status_code == expected, response.json()
    if expected >= 400:
        assert set(response.json()["error"]) == {"code", "message", "fields"}
    if expected == 404:
        # Nothing about the conversation leaks into the answer.
        assert conversation.title not in response.content.decode()
    if action == "post":
        assert Message.objects.filter(conversation=conversation).exists() == (expected == 201)


READS = ("", "/messages", "/participants", "/highlights", "/messages/{message}",
         "/messages/{message}/history")  # fmt: skip


@pytest.mark.parametrize("path", READS)
@pytest.mark.parametrize("role", ["anonymous", "stranger", "moderator"])
def test_every_read_of_a_private_conversation_is_absent_for_outsiders(api_as, path, role):
    conversation, people = room(Visibility.PRIVATE)
    message = MessageFactory(conversation=conversation, body="Between us")

    response = api_as(people[role]).get(f"/{conversation.pk}" + path.format(message=message.pk))

    assert response.status_code == 404
    assert "Between us" not in response.content.decode()


@pytest.mark.parametrize("role", ["anonymous", "stranger", "moderator"])
def test_private_conversations_are_never_listed_for_outsiders(api_as, role):
    conversation, people = room(Visibility.PRIVATE)
    listed = api_as(people[role]).get("").json()["results"]
    assert conversation.pk not in [c["id"] for c in listed]


def test_only_the_starter_invites_when_the_policy_says_so(api_as):
    participant = UserFactory()
    conversation = ConversationFactory(
        invite_policy=InvitePolicy.STARTER, participants=[participant]
    )

    response = api_as(participant).post(
        f"/{conversation.pk}/invitations", {"addresses": [UserFactory().handle]}
    )

    assert response.status_code == 403
    assert "only the person who started it" in response.json()["error"]["message"]


def test_a_removed_participant_can_no_longer_post(api_as):
    removed = UserFactory()
    conversation = ConversationFactory(participants=[removed])
    api_as(conversation.starter).post(
        f"/{conversation.pk}/participants/{removed.handle}/remove", {"reason": "Off topic"}
    )

    response = api_as(removed).post(f"/{conversation.pk}/messages", {"body": "Still here?"})

    assert response.status_code == 403


def test_only_the_author_edits_or_deletes_a_message(api_as):
    participant = UserFactory()
    conversation = ConversationFactory(participants=[participant])
    message = MessageFactory(conversation=conversation, body="Mine")
    api = api_as(participant)

    edited = api.patch(f"/{conversation.pk}/messages/{message.pk}", {"body": "Now theirs"})
    deleted = api.delete(f"/{conversation.pk}/messages/{message.pk}")

    assert edited.status_code == 403
    assert deleted.status_code == 403
    message.refresh_from_db()
    assert message.body == "Mine"
    assert message.deleted_at is None


def test_only_participants_see_and_answer_requests(api_as):
    conversation = ConversationFactory()
    stranger = UserFactory()
    asked = api_as(stranger).post(f"/{conversation.pk}/join-requests", {"pitch": "Hello"}).json()
    other = api_as(UserFactory())

    listed = other.get(f"/{conversation.pk}/requests")
    approved = other.post(f"/{conversation.pk}/requests/{asked['id']}/approve")

    assert listed.status_code == 403
    assert approved.status_code == 403
    assert not Participant.objects.filter(conversation=conversation, user=stranger).exists()


def test_only_the_starter_and_moderators_read_the_room_log(api_as):
    participant = UserFactory()
    conversation = ConversationFactory(participants=[participant])

    assert api_as(participant).get(f"/{conversation.pk}/room-log").status_code == 403
    assert api_as(None).get(f"/{conversation.pk}/room-log").status_code == 401
    assert api_as(ModeratorFactory()).get(f"/{conversation.pk}/room-log").status_code == 200


def test_participants_cannot_change_settings_slow_mode_or_remove_people(api_as):
    participant, other = UserFactory(), UserFactory()
    conversation = ConversationFactory(participants=[participant, other])
    api = api_as(participant)
    path = f"/{conversation.pk}"

    responses = [
        api.put(f"{path}/settings", {"title": "Mine now", "visibility": "private",
                                     "invite_policy": "starter"}),
        api.put(f"{path}/slow-mode", {"seconds": 600}),
        api.post(f"{path}/participants/{other.handle}/remove", {"reason": "Bye"}),
    ]  # fmt: skip

    assert [r.status_code for r in responses] == [403, 403, 403]
    conversation.refresh_from_db()
    assert conversation.title != "Mine now"
    assert conversation.slow_mode_seconds == 0


def test_someone_elses_highlight_cannot_be_removed(api_as, member):
    conversation = ConversationFactory()
    message = MessageFactory(conversation=conversation, body="A fine sentence.")
    highlight = (
        api_as(member)
        .post(f"/{conversation.pk}/messages/{message.pk}/highlights", {"passage": "fine"})
        .json()
    )

    response = api_as(UserFactory()).delete(f"/{conversation.pk}/highlights/{highlight['id']}")

    assert response.status_code == 404
