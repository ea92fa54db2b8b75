"""A second factor for email + password sign-in: TOTP codes and recovery codes (allauth MFA)."""

import time

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.conf import settings
from django.urls import reverse

from ..factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TOTP_PERIOD = 30


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // TOTP_PERIOD))


def sign_in_with_password(client, user):
    return client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def person_with_totp():
    person = UserFactory()
    secret = generate_totp_secret()
    TOTP.activate(person, secret)
    return person, secret


def test_password_alone_is_not_enough_once_totp_is_on(client, person_with_totp):
    person, _secret = person_with_totp
    response = sign_in_with_password(client, person)
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    assert not signed_in(client)


def test_a_wrong_code_is_refused_with_a_clear_message(client, person_with_totp):
    person, _secret = person_with_totp
    sign_in_with_password(client, person)
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert response.status_code == 200
    assert "Incorrect code" in response.content.decode()
    assert not signed_in(client)


def test_the_current_code_signs_the_person_in(client, person_with_totp):
    person, secret = person_with_totp
    sign_in_with_password(client, person)
    response = client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    assert response.status_code == 302
    assert signed_in(client)
    assert client.session["_auth_user_id"] == str(person.pk)


def test_a_recovery_code_works_once(client, person_with_totp):
    person, _secret = person_with_totp
    code = RecoveryCodes.activate(person).get_unused_codes()[0]
    sign_in_with_password(client, person)
    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    assert signed_in(client)

    other = type(client)()
    sign_in_with_password(other, person)
    response = other.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 200
    assert not signed_in(other)


def test_the_two_factor_page_is_in_the_settings_and_in_french(client, person_with_totp):
    person, _secret = person_with_totp
    client.force_login(person)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    response = client.get(reverse("mfa_index"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Authentification à deux facteurs" in body
    assert 'aria-current="page"' in body
