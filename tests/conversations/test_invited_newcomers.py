"""People invited to a conversation before they have an account arrive in the conversation."""

import pytest
from django.core import mail

from perchoir.accounts.models import User
from perchoir.conversations import services
from perchoir.conversations.models import Invitation, Visibility
from perchoir.core.models import SiteMode
from tests.factories import UserFactory
from tests.invitations.helpers import signup_data, site_set
from tests.invitations.test_pending_claim import SIGNUP, confirmation_path

pytestmark = pytest.mark.django_db


def test_invited_by_email_to_a_private_conversation_they_sign_up_and_land_in_it(
    client, django_capture_on_commit_callbacks
):
    site_set(mode=SiteMode.INVITE_ONLY)
    ada = UserFactory(display_name="Ada")
    conversation = services.conversation_start(
        starter=ada, title="Our rivers", body="Hello", visibility=Visibility.PRIVATE
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.conversation_invite(
            inviter=ada, conversation_id=conversation.pk, addresses=["grace@example.net"]
        )
    email = mail.outbox[-1]
    assert "the conversation “Our rivers”" in email.body
    link = next(word for word in email.body.split() if "/invitations/pending/accept/" in word)
    client.get(link.removeprefix("http://testserver"))

    with django_capture_on_commit_callbacks(execute=True):
        client.post(SIGNUP, signup_data("grace", "grace@example.net"))
    grace = User.objects.get(handle="grace")
    assert Invitation.objects.get(invitee=grace).conversation == conversation

    landed = client.post(confirmation_path("grace@example.net"))
    assert landed["Location"] == conversation.get_absolute_url()
    page = client.get(landed["Location"]).content.decode()
    assert "You are invited to take part" in page
    client.post(f"/c/{conversation.pk}/invitation/", {"answer": "accept"})
    assert conversation.participants.filter(user=grace).exists()


def test_a_member_who_links_the_invited_identity_gets_the_invitation(settings, rf):
    from allauth.socialaccount.models import SocialAccount, SocialLogin
    from django.contrib.sessions.backends.db import SessionStore

    settings.SOCIALACCOUNT_PROVIDERS = {"github": {"APPS": [{"client_id": "i", "secret": "s"}]}}
    ada, member = UserFactory(), UserFactory()
    conversation = services.conversation_start(starter=ada, title="Octopuses", body="Hello")
    outcome = services.conversation_invite(
        inviter=ada, conversation_id=conversation.pk, addresses=["github:octocat"]
    )
    assert outcome.waiting  # nobody here has linked github:octocat yet

    request = rf.get("/")
    request.session = SessionStore()
    request.user = member
    account = SocialAccount(provider="github", uid="9", extra_data={"login": "octocat"})
    SocialLogin(user=member, account=account).connect(request, member)

    assert Invitation.objects.get(invitee=member).conversation == conversation
    assert request.session["perchoir_landing_url"] == conversation.get_absolute_url()


def _emailed_link(ada, conversation, address, capture):
    with capture(execute=True):
        services.conversation_invite(
            inviter=ada, conversation_id=conversation.pk, addresses=[address]
        )
    body = mail.outbox[-1].body
    link = next(word for word in body.split() if "/invitations/pending/accept/" in word)
    return link.removeprefix("http://testserver")


def test_a_signed_in_member_who_follows_the_emailed_link_accepts_it_as_themselves(
    client, django_capture_on_commit_callbacks
):
    ada, grace = UserFactory(display_name="Ada"), UserFactory(handle="grace")
    conversation = services.conversation_start(
        starter=ada, title="Our rivers", body="Hello", visibility=Visibility.PRIVATE
    )
    link = _emailed_link(
        ada, conversation, "grace.old@example.net", django_capture_on_commit_callbacks
    )
    client.force_login(grace)

    page = client.get(link).content.decode()
    assert "Ada (@" in page
    assert "invites you to a conversation" in page
    assert "Accept as @grace" in page
    landed = client.post(link)
    assert landed["Location"] == conversation.get_absolute_url()
    assert Invitation.objects.get(invitee=grace).conversation == conversation
    # Used up: following it again says so, and nothing more happens.
    again = client.get(link)
    assert again.status_code == 410
    assert "already been accepted" in again.content.decode()
    assert Invitation.objects.filter(invitee=grace).count() == 1


def test_the_inviter_cannot_accept_their_own_emailed_invitation(
    client, django_capture_on_commit_callbacks
):
    ada = UserFactory()
    conversation = services.conversation_start(starter=ada, title="Rivers", body="Hello")
    link = _emailed_link(
        ada, conversation, "someone@example.net", django_capture_on_commit_callbacks
    )
    client.force_login(ada)
    page = client.post(link, follow=True).content.decode()
    assert "This is your own invitation" in page
    assert not Invitation.objects.exists()


def test_a_signed_in_member_following_an_invitation_to_the_site_leaves_it_waiting(
    client, django_capture_on_commit_callbacks
):
    from perchoir.invitations.models import PendingInvitation
    from perchoir.invitations.services import pending_invitation_create

    ada, member = UserFactory(), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        pending_invitation_create(inviter=ada, address="newcomer@example.net")
    body = mail.outbox[-1].body
    link = next(word for word in body.split() if "/invitations/pending/accept/" in word)
    client.force_login(member)
    response = client.post(link.removeprefix("http://testserver"))
    assert "You already have an account" in response.content.decode()
    assert PendingInvitation.objects.get().claimed_by is None


def test_a_member_accepts_an_emailed_invitation_through_the_api(
    client, django_capture_on_commit_callbacks
):
    from perchoir.api.services import access_token_create

    ada, grace = UserFactory(), UserFactory()
    conversation = services.conversation_start(
        starter=ada, title="Rivers", body="Hello", visibility=Visibility.PRIVATE
    )
    link = _emailed_link(ada, conversation, "grace@old.example", django_capture_on_commit_callbacks)
    token = link.rstrip("/").rsplit("/", 1)[-1]
    _token, secret = access_token_create(user=grace, name="Script")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    response = client.post(
        "/api/v1/invitations/pending/accept",
        {"token": token},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 200, response.json()
    assert response.json()["landing_url"].endswith(conversation.get_absolute_url())
    assert Invitation.objects.get(invitee=grace).conversation == conversation
    again = client.post(
        "/api/v1/invitations/pending/accept",
        {"token": token},
        content_type="application/json",
        **auth,
    )
    assert again.status_code == 409
    assert "already been accepted" in again.json()["error"]["message"]
