"""Members invite people who are not here yet, by email address or provider:username."""

from datetime import timedelta

import pytest
from allauth.socialaccount.models import SocialAccount
from django.core import mail
from django.test import Client
from django.utils import timezone

from perchoir.core.errors import Conflict, Forbidden, InvalidInput, NotFound, RateLimited
from perchoir.invitations import selectors, services
from perchoir.invitations.models import PendingInvitation, PendingInvitationStatus
from tests.factories import InviteLinkFactory, ModeratorFactory, UserFactory
from tests.invitations.helpers import site_set

pytestmark = pytest.mark.django_db

LINKS = "/invitations/"
CREATE = "/invitations/pending/"
PROVIDERS = {
    "github": {"APPS": [{"client_id": "id", "secret": "secret"}]},
    "openid_connect": {
        "APPS": [
            {
                "provider_id": "acme",
                "name": "Acme",
                "client_id": "id",
                "secret": "secret",
                "settings": {"server_url": "https://id.example/"},
            }
        ]
    },
}


@pytest.fixture(autouse=True)
def _providers(settings):
    settings.SOCIALACCOUNT_PROVIDERS = PROVIDERS


def test_an_email_invitation_is_sent_with_a_one_time_link(
    member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.pending_invitation_create(
            inviter=member,
            address=" Grace@Example.org ",
            message="Come and see our conversations.",
        )
    assert invitation.address == "Grace@Example.org"
    assert invitation.status() == PendingInvitationStatus.WAITING
    assert invitation.target_kind == "site"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["Grace@Example.org"]
    assert f"{member.name} invites you to" in message.subject
    assert "Come and see our conversations." in message.body
    assert "http://testserver/invitations/pending/accept/" in message.body
    # Only a digest of the token is stored.
    token = message.body.split("/invitations/pending/accept/")[1].split("/")[0]
    assert token not in invitation.token_hash
    assert selectors.pending_invitation_get_by_token(token=token) == invitation


def test_an_identity_invitation_is_stored_lowercased_and_sends_no_email(
    member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.pending_invitation_create(inviter=member, address="GitHub:@OctoCat")
    assert (invitation.provider, invitation.username) == ("github", "octocat")
    assert invitation.address == "github:octocat"
    assert invitation.token_hash == ""
    assert mail.outbox == []
    assert selectors.pending_invitation_for_identity("GITHUB", "Octocat") == invitation


def test_an_identity_already_linked_here_is_refused_with_the_member_named(member):
    octo = UserFactory(handle="octo")
    SocialAccount.objects.create(
        user=octo, provider="github", uid="1", extra_data={"login": "OctoCat"}
    )
    with pytest.raises(InvalidInput) as error:
        services.pending_invitation_create(inviter=member, address="github:octocat")
    assert error.value.fields["address"] == ["github:octocat is already here: it is @octo."]
    assert not PendingInvitation.objects.exists()


def test_an_oidc_provider_id_is_a_known_provider(member):
    invitation = services.pending_invitation_create(inviter=member, address="acme:alice")
    assert invitation.address == "acme:alice"


def test_an_unknown_provider_is_refused_with_the_known_ones_listed(member):
    with pytest.raises(InvalidInput) as error:
        services.pending_invitation_create(inviter=member, address="myspace:tom")
    assert error.value.fields["address"] == [
        "“myspace” is not a sign-in provider of this site. Known providers: acme, github."
    ]
    assert not PendingInvitation.objects.exists()


def test_without_any_provider_identity_invitations_point_to_email(member, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {}
    with pytest.raises(InvalidInput) as error:
        services.pending_invitation_create(inviter=member, address="github:octocat")
    assert "invite by email address instead" in str(error.value.fields["address"])


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("", "Write an email address or provider:username"),
        ("octocat", "is neither an email address nor provider:username"),
        ("grace@", "is neither an email address nor provider:username"),
        ("github:octo cat", "without spaces"),
        ("github:", "without spaces"),
        (":octocat", "without spaces"),
        ("git hub:octocat", "without spaces"),
    ],
)
def test_bad_addresses_are_refused_clearly_and_nothing_is_saved(member, address, message):
    with pytest.raises(InvalidInput) as error:
        services.pending_invitation_create(inviter=member, address=address)
    assert message in error.value.fields["address"][0]
    assert not PendingInvitation.objects.exists()
    assert mail.outbox == []


def test_a_too_long_message_is_refused(member):
    with pytest.raises(InvalidInput) as error:
        services.pending_invitation_create(
            inviter=member, address="grace@example.org", message="x" * 1001
        )
    assert "under 1000 characters" in error.value.fields["message"][0]
    assert not PendingInvitation.objects.exists()


def test_an_address_that_belongs_to_a_member_suggests_their_handle(member):
    UserFactory(email="ada@example.org")
    with pytest.raises(InvalidInput) as error:
        services.pending_invitation_create(inviter=member, address="ADA@example.org")
    assert (
        "already belongs to a member of this site: find them by their handle"
        in (error.value.fields["address"][0])
    )
    assert not PendingInvitation.objects.exists()
    assert mail.outbox == []


def test_inviting_the_same_address_twice_gives_back_the_waiting_invitation(
    member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.pending_invitation_create(inviter=member, address="grace@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        again = services.pending_invitation_create(inviter=member, address="GRACE@example.org")
        identity = services.pending_invitation_create(inviter=member, address="github:octocat")
        identity_again = services.pending_invitation_create(
            inviter=member, address="github:OctoCat"
        )
    assert again == first
    assert identity_again == identity
    assert PendingInvitation.objects.count() == 2
    assert len(mail.outbox) == 1


def test_an_expired_invitation_can_be_renewed(member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.pending_invitation_create(inviter=member, address="grace@example.org")
    PendingInvitation.objects.filter(id=first.id).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        second = services.pending_invitation_create(inviter=member, address="grace@example.org")
    assert second != first
    assert len(mail.outbox) == 2


def test_invitations_expire_after_the_sites_longest_link_duration(member):
    site_set(invite_max_days=3)
    invitation = services.pending_invitation_create(inviter=member, address="github:octocat")
    assert timedelta(days=2, hours=23) < invitation.expires_at - timezone.now() <= timedelta(days=3)
    PendingInvitation.objects.filter(id=invitation.id).update(expires_at=timezone.now())
    invitation.refresh_from_db()
    assert invitation.status() == PendingInvitationStatus.EXPIRED
    assert selectors.pending_invitation_for_identity("github", "octocat") is None


def test_a_waiting_invitation_holds_one_seat_until_it_expires_or_is_revoked(member):
    site_set(invite_quota=3)
    InviteLinkFactory(created_by=member, max_uses=1)
    services.pending_invitation_create(inviter=member, address="a@example.org")
    revoked = services.pending_invitation_create(inviter=member, address="github:b")
    assert selectors.invite_seats_held(user=member) == 3
    with pytest.raises(InvalidInput) as error:
        services.pending_invitation_create(inviter=member, address="acme:c")
    assert "You have used all your invitations (3)" in error.value.fields["address"][0]
    # Invite links count the invitations too.
    with pytest.raises(InvalidInput):
        services.invite_link_create(user=member, days=1, max_uses=1)

    services.pending_invitation_revoke(user=member, invitation_id=revoked.id)
    assert selectors.invite_seats_held(user=member) == 2
    services.pending_invitation_create(inviter=member, address="acme:c")


def test_moderators_have_no_quota(db):
    site_set(invite_quota=0)
    moderator = ModeratorFactory()
    services.pending_invitation_create(inviter=moderator, address="github:octocat")


def test_when_only_moderators_invite_members_cannot_address_invitations(member):
    site_set(members_may_invite=False)
    with pytest.raises(Forbidden):
        services.pending_invitation_create(inviter=member, address="grace@example.org")
    assert not PendingInvitation.objects.exists()


def test_creating_invitations_is_rate_limited(member, monkeypatch):
    monkeypatch.setattr(services, "PENDING_INVITATION_CREATE_LIMIT", 2)
    site_set(invite_quota=10)
    services.pending_invitation_create(inviter=member, address="github:a")
    services.pending_invitation_create(inviter=member, address="github:b")
    with pytest.raises(RateLimited):
        services.pending_invitation_create(inviter=member, address="github:c")
    assert PendingInvitation.objects.count() == 2


def test_only_the_inviter_revokes_and_a_claimed_invitation_stays_claimed(member):
    invitation = services.pending_invitation_create(inviter=member, address="github:octocat")
    with pytest.raises(NotFound):
        services.pending_invitation_revoke(user=UserFactory(), invitation_id=invitation.id)
    newcomer = UserFactory()
    services.pending_invitations_claim(user=newcomer, provider="github", username="octocat")
    with pytest.raises(Conflict):
        services.pending_invitation_revoke(user=member, invitation_id=invitation.id)


# --- The page -----------------------------------------------------------------------------


def test_member_invites_from_the_invitations_page_and_sees_the_list(
    member_client, member, django_assert_max_num_queries
):
    response = member_client.post(
        CREATE, {"address": "grace@example.org", "message": "Hello Grace"}
    )
    assert response.status_code == 302
    assert response.url == LINKS
    page = member_client.get(LINKS)
    body = page.content.decode()
    assert "Your invitation is on its way to grace@example.org." in body
    assert "Invitations waiting" in body
    assert "grace@example.org" in body
    assert "Waiting" in body
    assert "/invitations/pending/" in body


def test_inviting_the_same_address_again_from_the_page_says_so(member_client, member):
    member_client.post(CREATE, {"address": "github:octocat"})
    member_client.get(LINKS)
    response = member_client.post(CREATE, {"address": "github:octocat"}, follow=True)
    assert "An invitation to github:octocat is already waiting" in response.content.decode()
    assert PendingInvitation.objects.count() == 1


def test_a_bad_address_on_the_page_is_shown_inline_and_saves_nothing(member_client):
    response = member_client.post(CREATE, {"address": "myspace:tom"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "is not a sign-in provider of this site" in body
    assert 'value="myspace:tom"' in body
    assert not PendingInvitation.objects.exists()


def test_the_page_lists_every_status_with_a_flat_number_of_queries(
    member_client, member, django_assert_max_num_queries
):
    site_set(invite_quota=50)
    now = timezone.now()
    for index in range(8):
        services.pending_invitation_create(inviter=member, address=f"github:waiting{index}")
    expired = services.pending_invitation_create(inviter=member, address="github:late")
    PendingInvitation.objects.filter(id=expired.id).update(expires_at=now)
    revoked = services.pending_invitation_create(inviter=member, address="github:gone")
    services.pending_invitation_revoke(user=member, invitation_id=revoked.id)
    for index in range(5):
        services.pending_invitation_create(inviter=member, address=f"acme:joined{index}")
        services.pending_invitations_claim(
            user=UserFactory(), provider="acme", username=f"joined{index}"
        )
    with django_assert_max_num_queries(13):
        page = member_client.get(LINKS)
    body = page.content.decode()
    assert page.status_code == 200
    for label in ("Waiting", "Claimed", "Expired", "Revoked"):
        assert f'<span class="badge">{label}</span>' in body
    assert body.count("/revoke/") == 8
    joined = PendingInvitation.objects.filter(claimed_by__isnull=False).first().claimed_by
    assert f"@{joined.handle}" in body


def test_revoking_from_the_page_withdraws_the_invitation(member_client, member):
    invitation = services.pending_invitation_create(inviter=member, address="github:octocat")
    response = member_client.post(f"/invitations/pending/{invitation.id}/revoke/", follow=True)
    assert "The invitation is withdrawn." in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.status() == PendingInvitationStatus.REVOKED


def test_someone_elses_invitation_cannot_be_revoked_from_the_page(member_client):
    invitation = services.pending_invitation_create(inviter=UserFactory(), address="github:x")
    response = member_client.post(f"/invitations/pending/{invitation.id}/revoke/")
    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_posting_without_a_csrf_token_is_refused(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post(CREATE, {"address": "github:octocat"})
    assert response.status_code == 403
    invitation = services.pending_invitation_create(inviter=member, address="github:kept")
    response = client.post(f"/invitations/pending/{invitation.id}/revoke/")
    assert response.status_code == 403
    assert PendingInvitation.objects.get().revoked_at is None
