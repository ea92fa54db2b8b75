"""What a block does to invitations waiting for an address (email, identity) of someone on the
other side, and what the block and unblock pages tell."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client

from perchoir.conversations import services as conversations
from perchoir.conversations.models import Invitation
from perchoir.follows.services import block_create
from perchoir.invitations.models import PendingInvitation, PendingInvitationTargetKind
from perchoir.invitations.services import (
    InvitationTarget,
    pending_invitation_create,
    pending_invitations_claim,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada():
    return UserFactory(handle="ada", display_name="Ada Lovelace")


@pytest.fixture
def grace():
    return UserFactory(handle="grace", display_name="Grace Hopper")


def signed_in(person):
    client = Client()
    client.force_login(person)
    return client


def _invite_to_conversation(ada, address, capture):
    conversation = conversations.conversation_start(starter=ada, title="Rivers", body="Hello")
    with capture(execute=True):
        conversations.conversation_invite(
            inviter=ada, conversation_id=conversation.pk, addresses=[address]
        )
    return conversation


@pytest.mark.parametrize("who_blocks", ["ada", "grace"])
def test_a_block_revokes_waiting_invitations_to_the_other_persons_addresses(
    ada, grace, who_blocks, django_capture_on_commit_callbacks
):
    _invite_to_conversation(ada, "grace.old@example.net", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        site = pending_invitation_create(inviter=ada, address="grace.new@example.net")
    # Grace adds both addresses to her account after the invitations were sent.
    EmailAddress.objects.create(user=grace, email="grace.old@example.net", verified=True)
    EmailAddress.objects.create(user=grace, email="Grace.New@example.net", verified=False)
    other = pending_invitation_create(inviter=ada, address="someone@example.net")

    blocker, blocked = (ada, grace) if who_blocks == "ada" else (grace, ada)
    block_create(blocker=blocker, handle=blocked.handle)

    revoked = PendingInvitation.objects.filter(revoked_at__isnull=False)
    assert {invitation.email for invitation in revoked} == {
        "grace.old@example.net",
        site.email,
    }
    other.refresh_from_db()
    assert other.is_waiting()


def test_a_waiting_invitation_from_across_a_block_is_not_claimed(
    ada, grace, django_capture_on_commit_callbacks
):
    _invite_to_conversation(ada, "grace.old@example.net", django_capture_on_commit_callbacks)
    block_create(blocker=grace, handle="ada")
    mail.outbox.clear()
    # Grace verifies the address only now.
    with django_capture_on_commit_callbacks(execute=True):
        claimed = pending_invitations_claim(user=grace, email="grace.old@example.net")
    assert claimed == []
    assert PendingInvitation.objects.get().claimed_by is None
    assert not Invitation.objects.exists()
    assert mail.outbox == []  # Ada is not told that Grace arrived


def test_an_emailed_invitation_is_not_accepted_across_a_block(
    ada, grace, django_capture_on_commit_callbacks
):
    _invite_to_conversation(ada, "grace.old@example.net", django_capture_on_commit_callbacks)
    link = next(w for w in mail.outbox[-1].body.split() if "/invitations/pending/accept/" in w)
    block_create(blocker=ada, handle="grace")
    response = signed_in(grace).post(link.removeprefix("http://testserver"), follow=True)
    assert "You cannot accept this invitation." in response.text
    assert PendingInvitation.objects.get().is_waiting()
    assert not Invitation.objects.exists()


def test_a_waiting_invitation_to_a_collection_claimed_across_a_block_leads_nowhere(ada, grace):
    from perchoir.collections.models import ContributorInvitation
    from perchoir.collections.services import pending_invitation_claimed
    from tests.collections.factories import CollectionFactory

    shells = CollectionFactory(owner=ada, policy="invited")
    invitation = pending_invitation_create(
        inviter=ada,
        address="grace.old@example.net",
        target=InvitationTarget(
            kind=PendingInvitationTargetKind.COLLECTION, id=shells.pk, title=shells.title
        ),
    )
    block_create(blocker=grace, handle="ada")
    pending_invitation_claimed(invitation, grace)
    assert not ContributorInvitation.objects.exists()


# --- Pages --------------------------------------------------------------------------------------


def test_the_block_page_says_what_happens_to_invitations_and_collections(ada, grace):
    page = signed_in(ada).get("/@grace/block/").text
    assert "You both stop following each other's collections" in page
    assert "invitations and requests waiting between you are withdrawn" in page
    assert "collections either contributes to stay as they are" in page


def test_unblocking_says_that_what_the_block_ended_does_not_come_back(ada, grace):
    block_create(blocker=ada, handle="grace")
    client = signed_in(ada)
    page = client.get("/settings/blocked/").text
    assert "the follows, invitations and requests that the block ended do not come back" in page
    response = client.post("/@grace/unblock/", {"next": "/settings/blocked/"}, follow=True)
    assert "You no longer block @grace." in response.text
    assert (
        "The follows, invitations and requests that the block ended do not come back."
        in response.text
    )
