"""The rules of signing in with an account elsewhere: handle suggestions, the sign-up gate,
waiting invitations, and refused callbacks."""

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialLogin
from django.test import RequestFactory

from perchoir.accounts.models import User
from perchoir.accounts.social_adapter import SocialAccountAdapter, handle_suggest
from perchoir.core.errors import Forbidden
from perchoir.core.models import SiteMode
from perchoir.core.selectors import site_settings_get
from perchoir.invitations.services import INVITE_SESSION_KEY, pending_invitation_create

from ..factories import InviteLinkFactory, UserFactory
from ..media.images import image_bytes

pytestmark = pytest.mark.django_db

ACME_APP = {
    "openid_connect": {
        "APPS": [
            {
                "provider_id": "acme",
                "name": "Acme",
                "client_id": "perchoir",
                "secret": "s3cret",
                "settings": {"server_url": "https://id.acme.example"},
            }
        ]
    }
}


@pytest.fixture(autouse=True)
def acme(settings):
    settings.SOCIALACCOUNT_PROVIDERS = ACME_APP


def site_mode_set(mode):
    site = site_settings_get()
    site.mode = mode
    site.save()


def sociallogin_for(username):
    userinfo = {"sub": "1", "preferred_username": username, "name": "Alice"}
    account = SocialAccount(provider="acme", uid="1", extra_data={"userinfo": userinfo})
    return SocialLogin(user=User(), account=account)


def request_with_session(session):
    request = RequestFactory().get("/")
    request.session = session
    return request


def test_handle_is_suggested_from_the_provider_username_made_valid():
    assert handle_suggest("alice.liddell-42") == "alice_liddell_42"


def test_suggested_handle_is_made_unique():
    UserFactory(handle="Alice")
    assert handle_suggest("alice") == "alice2"


def test_reserved_or_too_short_usernames_fall_back_to_the_next_candidate():
    assert handle_suggest("admin", "Alice Liddell") == "admin2"
    assert handle_suggest("x", "Alice Liddell") == "Alice_Liddell"
    assert handle_suggest("", "", "") == "member"


def test_invite_only_site_is_closed_to_a_newcomer_without_an_invitation():
    site_mode_set(SiteMode.INVITE_ONLY)
    adapter = SocialAccountAdapter()
    assert not adapter.is_open_for_signup(request_with_session({}), sociallogin_for("alice"))


def test_invite_link_in_the_session_opens_sign_up():
    site_mode_set(SiteMode.INVITE_ONLY)
    link = InviteLinkFactory()
    request = request_with_session({INVITE_SESSION_KEY: link.code})
    assert SocialAccountAdapter().is_open_for_signup(request, sociallogin_for("alice"))


def test_an_invitation_waiting_for_this_identity_opens_sign_up():
    site_mode_set(SiteMode.INVITE_ONLY)
    inviter = UserFactory()
    pending_invitation_create(inviter=inviter, address="acme:Alice")
    adapter = SocialAccountAdapter()
    assert adapter.is_open_for_signup(request_with_session({}), sociallogin_for("alice"))
    assert not adapter.is_open_for_signup(request_with_session({}), sociallogin_for("bob"))


def test_a_closed_site_stays_closed_even_with_a_waiting_invitation():
    site_mode_set(SiteMode.INVITE_ONLY)
    pending_invitation_create(inviter=UserFactory(), address="acme:alice")
    site_mode_set(SiteMode.CLOSED)
    adapter = SocialAccountAdapter()
    assert not adapter.is_open_for_signup(request_with_session({}), sociallogin_for("alice"))


def test_a_forged_state_is_refused_and_signs_nobody_in(client):
    response = client.get(
        "/accounts/oidc/acme/login/callback/", {"state": "forged", "code": "stolen"}
    )
    assert response.status_code == 401
    assert "Sign-in did not work" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not User.objects.exists()


def test_first_sign_in_claims_invitations_to_the_identity_and_to_a_verified_address():
    site_mode_set(SiteMode.INVITE_ONLY)
    to_identity = pending_invitation_create(inviter=UserFactory(), address="acme:alice")
    to_address = pending_invitation_create(inviter=UserFactory(), address="alice@provider.test")
    sociallogin = sociallogin_for("alice")
    sociallogin.user.handle = "alice"
    sociallogin.user.email = "alice@provider.test"
    sociallogin.email_addresses = [
        EmailAddress(email="alice@provider.test", verified=True, primary=True)
    ]

    alice = SocialAccountAdapter().save_user(request_with_session({}), sociallogin)

    assert alice.invited_by == to_identity.inviter
    assert not alice.has_usable_password()
    for invitation in (to_identity, to_address):
        invitation.refresh_from_db()
        assert invitation.claimed_by == alice


def test_invite_only_site_refuses_to_save_a_newcomer_without_an_invitation():
    site_mode_set(SiteMode.INVITE_ONLY)
    sociallogin = sociallogin_for("alice")
    sociallogin.user.handle = "alice"
    with pytest.raises(Forbidden):
        SocialAccountAdapter().save_user(request_with_session({}), sociallogin)
    assert not User.objects.exists()
    assert not SocialAccount.objects.exists()


def github_login(avatar_url):
    account = SocialAccount(
        provider="github",
        uid="42",
        extra_data={"login": "octocat", "name": "Octo Cat", "avatar_url": avatar_url},
    )
    login = SocialLogin(user=User(handle="octocat"), account=account)
    login.email_addresses = []
    return login


@pytest.fixture
def github(settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"github": {"APPS": [{"client_id": "i", "secret": "s"}]}}
    site_mode_set(SiteMode.OPEN)


def test_the_provider_picture_becomes_the_avatar_of_a_new_account(
    github, site, django_capture_on_commit_callbacks
):
    picture = site.page("/octocat.png", image_bytes("PNG"), content_type="image/png")
    with django_capture_on_commit_callbacks(execute=True):
        octocat = SocialAccountAdapter().save_user(request_with_session({}), github_login(picture))
    octocat.refresh_from_db()
    assert octocat.avatar is not None
    assert octocat.avatar.uploaded_by == octocat


def test_a_picture_at_a_private_address_is_never_fetched(
    github, settings, django_capture_on_commit_callbacks
):
    settings.FETCH_ALLOW_LOOPBACK = False
    with django_capture_on_commit_callbacks(execute=True):
        octocat = SocialAccountAdapter().save_user(
            request_with_session({}), github_login("http://169.254.169.254/latest/meta-data")
        )
    octocat.refresh_from_db()
    assert octocat.avatar is None


def test_a_broken_picture_leaves_the_initials(github, site, django_capture_on_commit_callbacks):
    picture = site.page("/broken.png", b"not an image", content_type="image/png")
    with django_capture_on_commit_callbacks(execute=True):
        octocat = SocialAccountAdapter().save_user(request_with_session({}), github_login(picture))
    octocat.refresh_from_db()
    assert octocat.avatar is None
