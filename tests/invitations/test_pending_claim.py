"""Waiting invitations are claimed by the person they were addressed to."""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone

from perchoir.accounts.models import User
from perchoir.core.errors import Conflict
from perchoir.core.models import SiteMode
from perchoir.invitations import selectors, services
from perchoir.invitations.models import PendingInvitation, PendingInvitationStatus
from tests.factories import UserFactory
from tests.invitations.helpers import signup_data, site_set

pytestmark = pytest.mark.django_db

SIGNUP = "/accounts/signup/"


@pytest.fixture(autouse=True)
def _providers(settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"github": {"APPS": [{"client_id": "i", "secret": "s"}]}}


@pytest.fixture
def inviter(db):
    return UserFactory(display_name="Grace Hopper", email="grace@example.org")


def invite_by_email(inviter, capture, address="ada@example.org", message="Join us, Ada!"):
    """Create an email invitation; return it and the link of the email sent."""
    with capture(execute=True):
        invitation = services.pending_invitation_create(
            inviter=inviter, address=address, message=message
        )
    body = mail.outbox[-1].body
    link = re.search(r"http://testserver(/invitations/pending/accept/\S+/)", body)
    assert link is not None
    return invitation, link.group(1)


def confirmation_path(address: str) -> str:
    message = next(m for m in reversed(mail.outbox) if address.lower() in map(str.lower, m.to))
    found = re.search(r"http://testserver(/accounts/confirm-email/\S+/)", message.body)
    assert found is not None
    return found.group(1)


# --- Through the emailed link ---------------------------------------------------------------


def test_the_emailed_link_opens_sign_up_on_an_invite_only_site_and_is_claimed_once(
    client, inviter, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    site_set(mode=SiteMode.INVITE_ONLY)
    invitation, path = invite_by_email(inviter, django_capture_on_commit_callbacks)
    assert "Joining is by invitation" in client.get(SIGNUP).content.decode()

    with django_assert_max_num_queries(10):
        page = client.get(path)
    body = page.content.decode()
    assert page.status_code == 200
    assert "Grace Hopper" in body
    assert "Join us, Ada!" in body
    assert "Create your account" in body

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SIGNUP, signup_data("ada", "ada@example.org"))
    assert response.status_code == 302
    ada = User.objects.get(handle="ada")
    assert ada.invited_by == inviter
    invitation.refresh_from_db()
    assert invitation.status() == PendingInvitationStatus.CLAIMED
    assert invitation.claimed_by == ada
    # The inviter hears about it.
    notice = next(m for m in mail.outbox if m.to == ["grace@example.org"])
    assert "accepted your invitation" in notice.subject
    assert "@ada" in notice.body
    assert "http://testserver/@ada" in notice.body

    # Confirming the address lands on the home page with a welcome.
    client.post(confirmation_path("ada@example.org"))
    home = client.get("/")
    assert "Welcome to Perchoir! You are here at the invitation of Grace Hopper." in (
        home.content.decode()
    )

    # The link works once: another visitor is told so and sign-up stays closed.
    client.logout()
    other = client.get(path)
    assert other.status_code == 410
    assert "already been accepted" in other.content.decode()
    assert "Joining is by invitation" in client.get(SIGNUP).content.decode()


def test_a_token_used_meanwhile_creates_no_account(inviter, django_capture_on_commit_callbacks):
    site_set(mode=SiteMode.INVITE_ONLY)
    _invitation, path = invite_by_email(inviter, django_capture_on_commit_callbacks)
    token = path.rstrip("/").rsplit("/", 1)[1]
    services.signup_user_save(user=User(handle="first", email="a@example.org"), pending_token=token)
    with pytest.raises(Conflict) as error:
        services.signup_user_save(
            user=User(handle="second", email="b@example.org"), pending_token=token
        )
    assert "already been used" in str(error.value.message)
    assert not User.objects.filter(handle="second").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"expires_at": timezone.now() - timedelta(minutes=1)}, "This invitation has expired."),
        ({"revoked_at": timezone.now()}, "withdrawn by the person who sent it"),
    ],
)
def test_an_unusable_emailed_link_says_why_and_opens_nothing(
    client, inviter, django_capture_on_commit_callbacks, change, message
):
    site_set(mode=SiteMode.INVITE_ONLY)
    invitation, path = invite_by_email(inviter, django_capture_on_commit_callbacks)
    PendingInvitation.objects.filter(id=invitation.id).update(**change)
    response = client.get(path)
    assert response.status_code == 410
    page = response.content.decode()
    assert message in page
    assert "<h1>This invitation does not work</h1>" in page
    assert "Ask the person who invited you for a new invitation." in page
    assert "Joining is by invitation" in client.get(SIGNUP).content.decode()


def test_a_wrong_token_is_not_found(client):
    response = client.get("/invitations/pending/accept/not-a-token/")
    assert response.status_code == 404
    assert "This invitation does not exist" in response.content.decode()


def test_on_a_closed_site_the_emailed_link_says_sign_up_is_closed(
    client, inviter, django_capture_on_commit_callbacks
):
    _invitation, path = invite_by_email(inviter, django_capture_on_commit_callbacks)
    site_set(mode=SiteMode.CLOSED)
    response = client.get(path)
    assert response.status_code == 410
    assert "not accepting new accounts" in response.content.decode()
    assert not services.signup_is_open(
        founder_token=None, invite_code=None, pending_token=path.split("/")[-2]
    )


# --- By verifying the address ---------------------------------------------------------------


def test_verifying_the_address_claims_the_invitation_and_welcomes_the_newcomer(
    client, inviter, django_capture_on_commit_callbacks
):
    site_set(mode=SiteMode.OPEN)
    other_inviter = UserFactory(display_name="Alan Turing")
    invitation, _path = invite_by_email(inviter, django_capture_on_commit_callbacks)
    second, _path = invite_by_email(other_inviter, django_capture_on_commit_callbacks)
    # Signed up without following the link: nothing is claimed until the address is verified.
    client.post(SIGNUP, signup_data("ada", "Ada@Example.org"))
    invitation.refresh_from_db()
    assert invitation.status() == PendingInvitationStatus.WAITING
    path = confirmation_path("Ada@Example.org")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path)
    assert response.status_code == 302
    ada = User.objects.get(handle="ada")
    for each in (invitation, second):
        each.refresh_from_db()
        assert (each.claimed_by, each.status()) == (ada, PendingInvitationStatus.CLAIMED)
    assert ada.invited_by == inviter  # the first invitation wins
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        ["grace@example.org", other_inviter.email]
    )
    home = client.get(response.url)
    assert "You are here at the invitation of Grace Hopper" in home.content.decode()


def test_an_existing_account_verifying_a_new_address_claims_without_changing_its_inviter(
    client, inviter, django_capture_on_commit_callbacks
):
    first_inviter = UserFactory()
    member = UserFactory(invited_by=first_inviter)
    invitation, _path = invite_by_email(
        inviter, django_capture_on_commit_callbacks, address="second@example.org"
    )
    client.force_login(member)
    client.post("/accounts/email/", {"email": "second@example.org", "action_add": ""})
    assert EmailAddress.objects.filter(email="second@example.org", verified=False).exists()
    client.post(confirmation_path("second@example.org"))
    invitation.refresh_from_db()
    member.refresh_from_db()
    assert invitation.claimed_by == member
    assert member.invited_by == first_inviter


# --- By a sign-in identity (as the social adapter does) --------------------------------------


def test_an_identity_invitation_is_found_then_claimed_at_first_sign_in(
    inviter, django_capture_on_commit_callbacks
):
    invitation = services.pending_invitation_create(inviter=inviter, address="github:octocat")
    found = selectors.pending_invitation_for_identity("github", "OctoCat")
    assert found == invitation
    newcomer = UserFactory(handle="octocat")
    with django_capture_on_commit_callbacks(execute=True):
        claimed = services.pending_invitations_claim(
            user=newcomer, provider="GitHub", username="OctoCat"
        )
    assert claimed == [invitation]
    invitation.refresh_from_db()
    newcomer.refresh_from_db()
    assert invitation.claimed_by == newcomer
    assert invitation.claimed_at is not None
    assert newcomer.invited_by == inviter
    assert mail.outbox[0].to == ["grace@example.org"]
    assert "github:octocat" in mail.outbox[0].body
    # Claimed once: it no longer opens sign-up and a second claim finds nothing.
    assert selectors.pending_invitation_for_identity("github", "octocat") is None
    assert (
        services.pending_invitations_claim(user=newcomer, provider="github", username="octocat")
        == []
    )


def test_identity_and_email_are_claimed_together(inviter):
    by_identity = services.pending_invitation_create(inviter=inviter, address="github:ada")
    by_email = services.pending_invitation_create(inviter=inviter, address="ada@example.org")
    ada = UserFactory(handle="ada", verified_email=False)
    claimed = services.pending_invitations_claim(
        user=ada, provider="github", username="ada", email="ADA@example.org"
    )
    assert {each.id for each in claimed} == {by_identity.id, by_email.id}


def test_expired_and_revoked_invitations_are_not_claimed(inviter):
    expired = services.pending_invitation_create(inviter=inviter, address="github:late")
    PendingInvitation.objects.filter(id=expired.id).update(expires_at=timezone.now())
    revoked = services.pending_invitation_create(inviter=inviter, address="github:gone")
    services.pending_invitation_revoke(user=inviter, invitation_id=revoked.id)
    assert selectors.pending_invitation_for_identity("github", "late") is None
    assert selectors.pending_invitation_for_identity("github", "gone") is None
    person = UserFactory()
    assert services.pending_invitations_claim(user=person, provider="github", username="late") == []
    assert services.pending_invitations_claim(user=person, provider="github", username="gone") == []
    person.refresh_from_db()
    assert person.invited_by is None


def test_nothing_to_match_claims_nothing(inviter):
    services.pending_invitation_create(inviter=inviter, address="github:octocat")
    assert services.pending_invitations_claim(user=UserFactory()) == []
    assert services.pending_invitations_claim(user=UserFactory(), provider="github") == []
    assert selectors.pending_invitation_for_identity("", "octocat") is None


def test_a_claimed_invitation_keeps_its_seat_like_a_used_invite_link(inviter):
    site_set(invite_quota=1)
    services.pending_invitation_create(inviter=inviter, address="github:octocat")
    services.pending_invitations_claim(user=UserFactory(), provider="github", username="octocat")
    assert selectors.invite_seats_held(user=inviter) == 1
