"""Signing in with an account elsewhere, in a real browser, against a real OpenID Connect
provider (the npm package oidc-provider) running on loopback: tests/oidc/provider.mjs.

The provider's own sign-in page accepts any login name; the claims it then gives Perchoir come
from the accounts handed to it below.
"""

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from allauth.socialaccount.models import SocialAccount
from django.conf import settings as django_settings

from perchoir.accounts.models import User
from perchoir.core.models import SiteMode
from perchoir.core.selectors import site_settings_get
from perchoir.invitations.services import pending_invitation_create

from ..factories import PASSWORD, InviteLinkFactory, UserFactory
from .conftest import missing

pytestmark = pytest.mark.django_db(transaction=True)

PROVIDER_SCRIPT = Path(__file__).resolve().parent.parent / "oidc" / "provider.mjs"
NODE_MODULES = Path(django_settings.BASE_DIR) / "node_modules" / "oidc-provider"
ACCOUNTS = {
    "alice": {
        "preferred_username": "alice",
        "name": "Alice Liddell",
        "email": "alice@provider.test",
        "email_verified": True,
    },
    "mallory": {
        "preferred_username": "mallory",
        "name": "Mallory",
        "email": "victim@example.org",
        "email_verified": True,
    },
}


@pytest.fixture
def oidc_provider(request: Any, live_server: Any, settings: Any) -> Iterator[str]:
    """Starts the provider on a free loopback port, with a client for the live server's callback,
    and configures it as the "acme" provider. Yields its issuer address. Parametrised indirectly
    with "nonce" or "audience", the provider misbehaves that way (see provider.mjs)."""
    node = shutil.which("node")
    if node is None or not NODE_MODULES.exists():
        missing("Node.js and oidc-provider are needed for this test: run `npm ci`")
    callback = f"{live_server.url}/accounts/oidc/acme/login/callback/"
    config = {
        "port": 0,
        "client": {
            "client_id": "perchoir",
            "client_secret": "a-test-secret",
            "redirect_uris": [callback],
        },
        "accounts": ACCOUNTS,
        "tamper": getattr(request, "param", None),
    }
    process = subprocess.Popen(
        [str(node), str(PROVIDER_SCRIPT), json.dumps(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        issuer = ""
        for line in process.stdout:
            if line.startswith("ready "):
                issuer = line.split()[1]
                break
        assert issuer, "the OpenID Connect provider did not start"
        settings.SOCIALACCOUNT_PROVIDERS = {
            "openid_connect": {
                "OAUTH_PKCE_ENABLED": True,
                "APPS": [
                    {
                        "provider_id": "acme",
                        "name": "Acme",
                        "client_id": "perchoir",
                        "secret": "a-test-secret",
                        "settings": {"server_url": issuer},
                    }
                ],
            }
        }
        settings.CSP_FORM_ACTION = ["'self'", issuer]
        yield issuer
    finally:
        process.terminate()
        process.wait(timeout=10)


def site_mode_set(mode: str) -> None:
    site = site_settings_get()
    site.mode = mode
    site.save()


def sign_in_at_provider(page: Any, login: str, button: str = "Continue with Acme") -> None:
    """From one of our pages: the Acme button, then the provider's own pages."""
    page.get_by_role("button", name=button).click()
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("anything")
    page.locator("button[type=submit]").click()
    consent = page.get_by_role("button", name="Continue")
    consent.click()
    page.wait_for_load_state()


def test_first_sign_in_creates_the_account_and_the_second_reuses_it(page, oidc_provider):
    site_mode_set(SiteMode.OPEN)
    callbacks: list[str] = []
    page.on("request", lambda r: callbacks.append(r.url) if "/login/callback/" in r.url else None)
    page.goto("/accounts/login/")
    sign_in_at_provider(page, "alice")

    # The handle is suggested from the provider's username; the person confirms it.
    assert page.get_by_role("heading", name="Choose your handle").is_visible()
    handle = page.get_by_label("Handle")
    assert handle.input_value() == "alice"
    handle.fill("alice_l")
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_load_state()

    user = User.objects.get(handle="alice_l")
    assert user.display_name == "Alice Liddell"
    assert not user.has_usable_password()
    assert user.socialaccount_set.get().provider == "acme"

    # The provider's answer cannot be replayed: its state was used up.
    page.goto(callbacks[-1])
    assert page.get_by_role("heading", name="Sign-in did not work").is_visible()
    assert SocialAccount.objects.count() == 1

    # Signed out, then in again through the provider: the same account, no questions.
    page.context.clear_cookies(domain="localhost")
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Continue with Acme").click()
    page.wait_for_load_state()
    if page.locator("input[name=login]").count():  # the provider may ask again
        page.locator("input[name=login]").fill("alice")
        page.locator("input[name=password]").fill("anything")
        page.locator("button[type=submit]").click()
        page.wait_for_load_state()
    assert "Choose your handle" not in page.content()
    assert User.objects.count() == 1
    assert "Welcome, Alice Liddell" in page.locator("main").inner_text()


@pytest.mark.parametrize("oidc_provider", ["nonce", "audience"], indirect=True)
def test_an_id_token_of_another_sign_in_or_for_another_site_is_refused(page, oidc_provider):
    site_mode_set(SiteMode.OPEN)
    page.goto("/accounts/login/")
    with page.expect_request(lambda request: "/auth?" in request.url) as authorization:
        page.get_by_role("button", name="Continue with Acme").click()
    # The authorization request carries this sign-in's nonce; the provider answers with another.
    assert "nonce=" in authorization.value.url
    page.locator("input[name=login]").fill("alice")
    page.locator("input[name=password]").fill("anything")
    page.locator("button[type=submit]").click()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()

    assert page.get_by_role("heading", name="Sign-in did not work").is_visible()
    assert "Choose your handle" not in page.content()
    assert not User.objects.exists()
    assert not SocialAccount.objects.exists()


def test_invite_only_site_refuses_a_newcomer_without_an_invitation(page, oidc_provider):
    site_mode_set(SiteMode.INVITE_ONLY)
    page.goto("/accounts/login/")
    sign_in_at_provider(page, "alice")
    assert "Choose your handle" not in page.content()
    assert "invite" in page.locator("main").inner_text().lower()
    assert not User.objects.exists()


def test_invite_link_is_carried_through_the_round_trip_to_the_provider(page, oidc_provider):
    site_mode_set(SiteMode.INVITE_ONLY)
    link = InviteLinkFactory(max_uses=1)
    page.goto(f"/invitations/join/{link.code}/")
    page.goto("/accounts/signup/")
    sign_in_at_provider(page, "alice")
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_load_state()

    alice = User.objects.get(handle="alice")
    assert alice.invited_by == link.created_by
    link.refresh_from_db()
    assert link.uses_count == 1


def test_provider_email_of_an_existing_member_does_not_sign_in_as_them(page, oidc_provider):
    site_mode_set(SiteMode.OPEN)
    victim = UserFactory(handle="victim", email="victim@example.org")
    page.goto("/accounts/login/")
    sign_in_at_provider(page, "mallory")

    # Mallory is only offered a new account; with the member's address it is not created (the
    # answer does not reveal that the address is taken) and nobody is signed in.
    assert page.get_by_role("heading", name="Choose your handle").is_visible()
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_load_state()
    assert "Verify" in page.locator("main").inner_text()
    assert not victim.socialaccount_set.exists()
    assert User.objects.count() == 1
    page.goto("/settings/profile/")
    assert "/accounts/login/" in page.url


def test_a_waiting_invitation_to_this_identity_lets_the_newcomer_join(
    page, live_server, oidc_provider
):
    site_mode_set(SiteMode.INVITE_ONLY)
    inviter = UserFactory(handle="inviter")
    invitation = pending_invitation_create(inviter=inviter, address="acme:alice")
    # A `next` address elsewhere is not followed after the sign-in.
    page.goto("/accounts/login/?next=https://evil.example/")
    sign_in_at_provider(page, "alice")
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_load_state()
    assert page.url.startswith(live_server.url)

    alice = User.objects.get(handle="alice")
    assert alice.invited_by == inviter
    invitation.refresh_from_db()
    assert invitation.claimed_by == alice


def test_a_member_links_a_second_identity_and_unlinks_it(page, sign_in, oidc_provider):
    member = UserFactory(handle="member")
    sign_in(page, member)
    page.goto("/settings/identities/")
    assert "No linked accounts" in page.locator("main").inner_text()
    sign_in_at_provider(page, "alice", button="Link Acme")
    # A new way into the account: its password first, then the link is made.
    assert "/accounts/reauthenticate/" in page.url
    assert not member.socialaccount_set.exists()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()
    assert page.url.endswith("/settings/identities/")
    assert member.socialaccount_set.get().provider == "acme"

    page.get_by_role("button", name="Unlink Acme: alice").click()
    page.wait_for_load_state()
    assert "The account is unlinked." in page.locator("main").inner_text()
    assert not member.socialaccount_set.exists()
