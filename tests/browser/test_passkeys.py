"""A security key (WebAuthn, allauth MFA) as the second factor, in a real browser: Chromium's
virtual authenticator, driven through the DevTools protocol, plays the key."""

from typing import Any

import pytest
from allauth.mfa.models import Authenticator

from ..factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def virtual_security_key(page: Any) -> str:
    """Plugs a virtual key into the page's browser; it answers every request at once."""
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    added = devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return str(added["authenticatorId"])


def sign_in_with_password(page: Any, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_a_member_adds_a_security_key_and_then_signs_in_with_it(page):
    member = UserFactory(handle="ada", email="ada@example.org")
    virtual_security_key(page)
    sign_in_with_password(page, member.email)

    page.goto("/accounts/2fa/webauthn/add/")
    # A new way into the account: allauth asks for the password again first.
    assert "/accounts/reauthenticate/" in page.url
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()
    page.get_by_label("Name").fill("Laptop key")
    page.get_by_role("button", name="Add").click()
    page.wait_for_url("**/recovery-codes/**")
    key = Authenticator.objects.get(user=member, type=Authenticator.Type.WEBAUTHN)
    assert key.wrap().name == "Laptop key"
    # Recovery codes come with the first second factor, to get in without the key.
    assert Authenticator.objects.filter(user=member, type=Authenticator.Type.RECOVERY_CODES)

    page.context.clear_cookies()
    sign_in_with_password(page, member.email)
    # The password alone is not enough any more.
    assert "/accounts/2fa/authenticate/" in page.url
    page.get_by_role("button", name="Use a security key").click()
    page.wait_for_url(lambda url: "/2fa/" not in url)
    page.goto("/settings/profile/")
    assert "/accounts/login/" not in page.url
    assert page.get_by_label("Display name").is_visible()
