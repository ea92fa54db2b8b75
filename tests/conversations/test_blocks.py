"""Blocks in conversations: nobody invites, asks in or is let in across a block, either way; the
block withdraws what waited between the two; mentions and replies reach neither side."""

import pytest
from django.core import mail
from django.test import Client

from perchoir.conversations import services
from perchoir.conversations.models import (
    Invitation,
    JoinRequest,
    JoinRequestKind,
    Participant,
    RequestStatus,
    Visibility,
)
from perchoir.core.errors import Forbidden, InvalidInput
from perchoir.follows.services import block_create, block_delete
from perchoir.notifications.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada():
    return UserFactory(handle="ada", display_name="Ada Lovelace")


@pytest.fixture
def bob():
    return UserFactory(handle="bob", display_name="Bob Builder")


@pytest.fixture(params=["ada blocks bob", "bob blocks ada"])
def blocked(request, ada, bob):
    """A block between Ada and Bob, one way then the other: every rule holds both ways."""
    if request.param == "ada blocks bob":
        block_create(blocker=ada, handle="bob")
        return ada
    block_create(blocker=bob, handle="ada")
    return bob


@pytest.fixture
def rivers(ada):
    return services.conversation_start(starter=ada, title="Rivers", body="Which river?")


def signed_in(person):
    client = Client()
    client.force_login(person)
    return client


def api(person, method, path, data=None):
    return getattr(signed_in(person), method)(
        "/api/v1/conversations" + path, data or {}, content_type="application/json"
    )


# --- Invitations --------------------------------------------------------------------------------


def test_nobody_invites_across_a_block_by_handle_or_email(blocked, ada, bob, rivers):
    for address in ("@bob", "BOB", "bob@example.org"):
        with pytest.raises(InvalidInput) as refused:
            services.conversation_invite(
                inviter=ada, conversation_id=rivers.pk, addresses=[address]
            )
        shown = "bob@example.org" if "@example" in address else "@bob"
        assert refused.value.fields == {"invitees": [f"You cannot invite {shown}."]}
    assert not Invitation.objects.exists()
    assert not Notification.objects.exists()


def test_a_bulk_invitation_naming_someone_across_a_block_invites_nobody(
    blocked, ada, bob, rivers, django_capture_on_commit_callbacks
):
    carol = UserFactory(handle="carol")
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(InvalidInput, match=r"You cannot invite @bob\."),
    ):
        services.conversation_invite(
            inviter=ada,
            conversation_id=rivers.pk,
            addresses=["@carol, @bob newcomer@example.net"],
        )
    assert not Invitation.objects.filter(invitee=carol).exists()
    assert mail.outbox == []


def test_nobody_invites_someone_into_a_room_whose_starter_is_across_a_block(
    blocked, ada, bob, rivers
):
    carol = UserFactory(handle="carol")
    Participant.objects.create(conversation=rivers, user=carol)
    with pytest.raises(InvalidInput, match=r"You cannot invite @bob\."):
        services.conversation_invite(inviter=carol, conversation_id=rivers.pk, addresses=["bob"])
    assert not Invitation.objects.exists()


def test_starting_a_conversation_with_someone_across_a_block_keeps_what_was_written(blocked, ada):
    response = signed_in(ada).post(
        "/conversations/new/",
        {
            "title": "Bridges",
            "body": "Which bridge do you cross most?",
            "visibility": "public",
            "invite_policy": "participants",
            "invitees": "@bob",
        },
    )
    assert response.status_code == 400
    assert "You cannot invite @bob." in response.text
    assert "Which bridge do you cross most?" in response.text
    assert not Invitation.objects.exists()


def test_the_invite_form_says_who_cannot_be_invited(blocked, ada, rivers):
    response = signed_in(ada).post(f"/c/{rivers.pk}/invite/", {"invitees": "@bob"})
    assert response.status_code == 400
    assert "You cannot invite @bob." in response.text
    # Neutral: nothing says who blocked whom.
    assert "blocked" not in response.text.split("<main", 1)[-1].lower()
    assert not Invitation.objects.exists()


def test_the_api_refuses_an_invitation_across_a_block_with_the_field_named(blocked, ada, rivers):
    response = api(ada, "post", f"/{rivers.pk}/invitations", {"addresses": ["@bob"]})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"] == {"addresses": ["You cannot invite @bob."]}


@pytest.mark.parametrize("blocker", ["carol", "bob"])
def test_a_waiting_invitation_is_not_accepted_across_a_block(ada, bob, rivers, blocker):
    carol = UserFactory(handle="carol")
    Participant.objects.create(conversation=rivers, user=carol)
    services.conversation_invite(inviter=carol, conversation_id=rivers.pk, addresses=["@bob"])
    if blocker == "carol":
        block_create(blocker=carol, handle="bob")
    else:
        block_create(blocker=bob, handle="carol")
    assert Invitation.objects.get().status == RequestStatus.WITHDRAWN
    Invitation.objects.update(status=RequestStatus.PENDING)  # as if it were sent meanwhile
    with pytest.raises(Forbidden, match=r"You cannot accept this invitation\."):
        services.invitation_accept(user=bob, conversation_id=rivers.pk)
    response = api(bob, "post", f"/{rivers.pk}/invitation/accept")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "You cannot accept this invitation."
    page = signed_in(bob).post(f"/c/{rivers.pk}/invitation/", {"answer": "accept"})
    assert page.status_code == 403
    assert "You cannot accept this invitation." in page.text
    assert not Participant.objects.filter(user=bob).exists()
    # Declining is always possible.
    services.invitation_decline(user=bob, conversation_id=rivers.pk)


def test_unblocking_lets_them_invite_again(ada, bob, rivers):
    block_create(blocker=bob, handle="ada")
    block_delete(blocker=bob, handle="ada")
    outcome = services.conversation_invite(
        inviter=ada, conversation_id=rivers.pk, addresses=["@bob"]
    )
    assert outcome.invited == [bob]


# --- Requests to join, suggested messages -------------------------------------------------------


def test_nobody_asks_to_join_or_suggests_across_a_block(blocked, bob, rivers):
    with pytest.raises(Forbidden, match=r"You cannot ask to join this conversation\."):
        services.join_request_create(requester=bob, conversation_id=rivers.pk, pitch="Me!")
    with pytest.raises(Forbidden, match=r"You cannot suggest a message in this conversation\."):
        services.suggestion_create(requester=bob, conversation_id=rivers.pk, body="The Rhône")
    assert not JoinRequest.objects.exists()


def test_the_page_offers_no_asking_across_a_block_and_refuses_a_forced_post(blocked, bob, rivers):
    client = signed_in(bob)
    page = client.get(f"/c/{rivers.pk}/").text
    assert "Which river?" in page  # a public conversation is still readable
    assert f'href="/c/{rivers.pk}/join/"' not in page
    assert f'href="/c/{rivers.pk}/suggest/"' not in page
    forced = client.post(f"/c/{rivers.pk}/join/", {"pitch": "Me!"})
    assert forced.status_code == 403
    assert "You cannot ask to join this conversation." in forced.text
    forced = client.post(f"/c/{rivers.pk}/suggest/", {"body": "The Rhône"})
    assert forced.status_code == 403
    assert not JoinRequest.objects.exists()


def test_the_api_refuses_asking_across_a_block_and_says_so_in_the_capabilities(
    blocked, bob, rivers
):
    detail = api(bob, "get", f"/{rivers.pk}").json()
    assert detail["viewer"]["can_ask_to_join"] is False
    assert detail["viewer"]["can_suggest"] is False
    refused = api(bob, "post", f"/{rivers.pk}/join-requests", {"pitch": "Me!"})
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "You cannot ask to join this conversation."
    refused = api(bob, "post", f"/{rivers.pk}/suggestions", {"body": "The Rhône"})
    assert refused.status_code == 403


@pytest.mark.parametrize("blocker", ["ada", "bob"])
def test_a_request_is_not_approved_across_a_block(ada, bob, blocker):
    carol = UserFactory(handle="carol")
    meadows = services.conversation_start(starter=carol, title="Meadows", body="Hello")
    Participant.objects.create(conversation=meadows, user=ada)
    request = services.join_request_create(requester=bob, conversation_id=meadows.pk, pitch="Me")
    block_create(
        blocker=ada if blocker == "ada" else bob, handle="bob" if blocker == "ada" else "ada"
    )
    # Not Ada's conversation: Bob's request still waits, but Ada cannot let him in.
    assert JoinRequest.objects.get().status == RequestStatus.PENDING
    refused = api(ada, "post", f"/{meadows.pk}/requests/{request.pk}/approve")
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "You cannot approve this request."
    page = signed_in(ada).post(f"/c/{meadows.pk}/requests/{request.pk}/", {"answer": "approve"})
    assert page.status_code == 403
    assert not Participant.objects.filter(conversation=meadows, user=bob).exists()
    # Carol, who blocked nobody, may.
    services.join_request_decide(
        actor=carol, conversation_id=meadows.pk, request_id=request.pk, approve=True
    )
    assert Participant.objects.filter(conversation=meadows, user=bob).exists()


# --- At the moment of the block ----------------------------------------------------------------


def test_a_block_withdraws_the_invitations_and_requests_between_the_two(ada, bob, rivers):
    carol = UserFactory(handle="carol")
    bobs = services.conversation_start(starter=bob, title="Bob's", body="Hi")
    carols = services.conversation_start(starter=carol, title="Carol's", body="Hi")
    Participant.objects.create(conversation=rivers, user=carol)
    into_rivers = Invitation.objects.create(conversation=rivers, invitee=bob, inviter=carol)
    into_bobs = Invitation.objects.create(conversation=bobs, invitee=ada, inviter=bob)
    elsewhere = Invitation.objects.create(conversation=carols, invitee=bob, inviter=carol)
    tides = services.conversation_start(starter=ada, title="Tides", body="Hi")
    join = services.join_request_create(requester=bob, conversation_id=tides.pk, pitch="Me")
    suggestion = services.suggestion_create(requester=ada, conversation_id=bobs.pk, body="Hi")
    other_join = services.join_request_create(requester=ada, conversation_id=carols.pk, pitch="Me")

    block_create(blocker=ada, handle="bob")

    def status(row):
        row.refresh_from_db()
        return row.status

    assert status(into_rivers) == RequestStatus.WITHDRAWN
    assert status(into_bobs) == RequestStatus.WITHDRAWN
    assert status(join) == RequestStatus.WITHDRAWN
    assert status(suggestion) == RequestStatus.WITHDRAWN
    assert suggestion.kind == JoinRequestKind.SUGGESTION
    # Between other people, nothing changes.
    assert status(elsewhere) == RequestStatus.PENDING
    assert status(other_join) == RequestStatus.PENDING
    # Unblocking brings none of them back.
    block_delete(blocker=ada, handle="bob")
    assert status(into_rivers) == RequestStatus.WITHDRAWN


def test_a_block_leaves_taking_part_as_it_was(ada, bob, rivers):
    Participant.objects.create(conversation=rivers, user=bob)
    block_create(blocker=ada, handle="bob")
    assert Participant.objects.get(conversation=rivers, user=bob).is_active
    services.message_post(author=bob, conversation_id=rivers.pk, body="Still here")


# --- Mentions and replies -----------------------------------------------------------------------


@pytest.mark.parametrize("visibility", [Visibility.PUBLIC, Visibility.PRIVATE])
def test_mentions_and_replies_reach_neither_side_of_a_block(
    blocked, ada, bob, visibility, django_capture_on_commit_callbacks
):
    conversation = services.conversation_start(
        starter=ada, title="Tides", body="Hello", visibility=visibility
    )
    carol = UserFactory(handle="carol")
    Participant.objects.create(conversation=conversation, user=bob)
    Participant.objects.create(conversation=conversation, user=carol)
    first = conversation.messages.get()
    with django_capture_on_commit_callbacks(execute=True):
        from_bob = services.message_post(
            author=bob,
            conversation_id=conversation.pk,
            body="@ada and @carol, look",
            reply_to_id=first.pk,
        )
        services.message_post(
            author=ada,
            conversation_id=conversation.pk,
            body="@bob, no",
            reply_to_id=from_bob.pk,
        )
    # Carol alone hears of the mention; neither Ada nor Bob of the other, in the app or by email.
    assert list(Notification.objects.values_list("recipient__handle", "kind")) == [
        ("carol", "message_mention")
    ]
    assert [message.to for message in mail.outbox] == [["carol@example.org"]]
