"""The page an invite link opens."""

from datetime import timedelta

import pytest
from django.utils import timezone

from perchoir.core.models import SiteMode
from tests.factories import InviteLinkFactory, UserFactory
from tests.invitations.helpers import site_set

pytestmark = pytest.mark.django_db


def test_invite_link_shows_the_inviter_and_a_create_account_button(
    client, django_assert_max_num_queries
):
    inviter = UserFactory(display_name="Grace Hopper")
    link = InviteLinkFactory(created_by=inviter)
    with django_assert_max_num_queries(10):
        response = client.get(f"/invitations/join/{link.code}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Grace Hopper" in body
    assert f"@{inviter.handle}" in body
    assert "Create your account" in body
    assert "/accounts/signup/" in body


def test_a_wrong_code_is_not_found_with_a_clear_message(client):
    response = client.get("/invitations/join/no-such-code/")
    assert response.status_code == 404
    assert "This invite link does not exist" in response.content.decode()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"expires_at": timezone.now() - timedelta(hours=1)}, "This invite link has expired."),
        ({"max_uses": 2, "uses_count": 2}, "used as many times as it allows"),
        ({"revoked_at": timezone.now()}, "has been revoked"),
    ],
)
def test_an_unusable_link_says_why(client, fields, message, django_assert_max_num_queries):
    link = InviteLinkFactory(**fields)
    with django_assert_max_num_queries(10):
        response = client.get(f"/invitations/join/{link.code}/")
    body = response.content.decode()
    assert response.status_code == 410
    assert message in body
    assert "<h1>This invite link does not work</h1>" in body
    assert "Ask the person who sent it for a new link." in body
    assert "request an invitation" in body
    # The sign-up form stays closed.
    assert "Joining is by invitation" in client.get("/accounts/signup/").content.decode()


def test_an_unusable_link_is_explained_in_french(client):
    link = InviteLinkFactory(revoked_at=timezone.now())
    response = client.get(f"/invitations/join/{link.code}/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 410
    assert 'lang="fr"' in response.content.decode()


def test_on_a_closed_site_an_invite_link_says_sign_up_is_closed(client):
    site_set(mode=SiteMode.CLOSED)
    link = InviteLinkFactory()
    response = client.get(f"/invitations/join/{link.code}/")
    assert response.status_code == 410
    assert "not accepting new accounts" in response.content.decode()


def test_signed_in_people_are_told_they_already_have_an_account(member_client, member):
    link = InviteLinkFactory()
    response = member_client.get(f"/invitations/join/{link.code}/")
    assert response.status_code == 200
    assert "You already have an account" in response.content.decode()
    assert f"@{member.handle}" in response.content.decode()


def test_the_signed_in_page_keeps_its_query_count(member_client, django_assert_max_num_queries):
    link = InviteLinkFactory()
    with django_assert_max_num_queries(8):
        response = member_client.get(f"/invitations/join/{link.code}/")
    assert response.status_code == 200
