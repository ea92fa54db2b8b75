"""allauth's pages (sign in, email, password, two-factor) render in Perchoir's design."""

import pytest
from django.urls import reverse

from .pages import assert_designed_page

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url_name", "heading"),
    [
        ("account_login", "Sign In"),
        ("account_reset_password", "Password Reset"),
        ("account_reset_password_done", "Password Reset"),
        ("account_email_verification_sent", "Verify Your Email Address"),
    ],
)
def test_entrance_pages_render_in_our_design_for_visitors(client, url_name, heading):
    html = assert_designed_page(client.get(reverse(url_name)))
    assert heading in html
    assert "card--entrance" in html


def test_bad_email_confirmation_link_explains_itself_in_our_design(client):
    response = client.get(reverse("account_confirm_email", args=["not-a-real-key"]))
    html = assert_designed_page(response)
    assert "expired or is invalid" in html


def test_bad_password_reset_link_explains_itself_in_our_design(client):
    response = client.get(
        reverse("account_reset_password_from_key", kwargs={"uidb36": "zz", "key": "bad-key"})
    )
    html = assert_designed_page(response)
    assert "Bad Token" in html


def test_sign_in_form_shows_inline_errors_linked_to_their_field(client, member):
    response = client.post(reverse("account_login"), {"login": member.email, "password": ""})
    html = assert_designed_page(response)
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_password_helptext id_password_error"' in html
    assert 'id="id_password_error"' in html
    assert "This field is required." in html


def test_wrong_password_is_reported_above_the_form(client, member):
    response = client.post(
        reverse("account_login"), {"login": member.email, "password": "not the password"}
    )
    html = assert_designed_page(response)
    assert 'class="errorlist nonfield"' in html


@pytest.mark.parametrize(
    ("url_name", "section"),
    [
        ("account_email", "email"),
        ("account_change_password", "password"),
        ("mfa_index", "mfa"),
    ],
)
def test_account_management_pages_sit_in_the_settings_layout(
    member_client, django_assert_max_num_queries, url_name, section
):
    with django_assert_max_num_queries(12):
        response = member_client.get(reverse(url_name))
    html = assert_designed_page(response)
    assert 'class="settings-layout"' in html
    current = html.split('aria-current="page"')[0].rsplit("<a", 1)[1]
    assert reverse(url_name) in current, f"{section} is not marked as the current section"


@pytest.mark.parametrize(
    "url_name",
    [
        "mfa_activate_totp",
        "mfa_generate_recovery_codes",
        "mfa_add_webauthn",
        "account_reauthenticate",
    ],
)
def test_two_factor_pages_render_in_our_design(member_client, url_name):
    response = member_client.get(reverse(url_name), follow=True)
    html = assert_designed_page(response)
    assert "<h1>" in html


def test_sign_out_asks_for_confirmation_in_a_calm_card(member_client):
    response = member_client.get(reverse("account_logout"))
    html = assert_designed_page(response)
    assert "Are you sure you want to sign out?" in html
    assert "card--entrance" in html


def test_email_page_lists_addresses_with_their_status(member_client, member):
    response = member_client.get(reverse("account_email"))
    html = assert_designed_page(response)
    assert member.email in html
    assert 'class="badge badge--success"' in html
