"""Linked accounts: listed, shown on the profile if the member chooses, unlinked — never the
last way in — on the settings page and through the API."""

import time

import pytest
from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY,
    AUTHENTICATION_METHODS_SESSION_KEY,
)
from allauth.socialaccount.models import SocialAccount
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from perchoir.accounts.identities import identity_profile_visibility_set
from perchoir.accounts.models import User
from perchoir.api.services import access_token_create
from perchoir.core.selectors import site_settings_get

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

PROVIDERS = {
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
    },
    "github": {"APPS": [{"client_id": "gh", "secret": "gh-secret"}]},
}


@pytest.fixture(autouse=True)
def providers(settings):
    settings.SOCIALACCOUNT_PROVIDERS = PROVIDERS


def link_acme(user: User, username: str = "alice") -> SocialAccount:
    return SocialAccount.objects.create(
        user=user,
        provider="acme",
        uid=f"acme-{username}",
        extra_data={"userinfo": {"sub": username, "preferred_username": username}},
    )


def link_github(user: User, login: str = "octocat") -> SocialAccount:
    return SocialAccount.objects.create(
        user=user,
        provider="github",
        uid=f"gh-{login}",
        extra_data={"login": login, "html_url": f"https://github.com/{login}"},
    )


def passwordless(user: User) -> User:
    user.set_unusable_password()
    user.save()
    return user


def test_settings_page_lists_linked_accounts_and_offers_to_link_more(
    member_client, member, django_assert_max_num_queries
):
    link_acme(member)
    link_github(member)
    site_settings_get()
    # With the unread notifications counter of the header.
    with django_assert_max_num_queries(9):
        response = member_client.get("/settings/identities/")
    page = response.content.decode()
    assert "Acme" in page
    assert "alice" in page
    assert '<a href="https://github.com/octocat"' in page
    assert "Link another account" in page
    assert 'action="/accounts/github/login/?process=connect"' in page
    assert 'aria-current="page">Linked accounts' in page


def test_settings_page_without_linked_accounts_says_so(member_client):
    page = member_client.get("/settings/identities/").content.decode()
    assert "No linked accounts" in page


def recently_signed_in_again(client, person, method="password"):
    """As after allauth's "confirm your password" (or "enter the code we sent") step, a minute
    ago."""
    session = client.session
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(person.pk)
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": method, "at": time.time() - 60, "reauthenticated": True}
    ]
    session.save()


def test_unlinking_asks_for_the_password_again_first(member_client, member):
    acme = link_acme(member)
    response = member_client.post(f"/settings/identities/{acme.id}/unlink/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
    assert member.socialaccount_set.count() == 1


def test_unlinking_an_account_keeps_the_others(member_client, member):
    recently_signed_in_again(member_client, member)
    acme = link_acme(member)
    link_github(member)
    response = member_client.post(f"/settings/identities/{acme.id}/unlink/", follow=True)
    assert "The account is unlinked." in response.content.decode()
    assert list(member.socialaccount_set.values_list("provider", flat=True)) == ["github"]


def test_someone_without_a_password_confirms_by_an_emailed_code_before_unlinking(client):
    person = passwordless(UserFactory())
    acme = link_acme(person)
    link_github(person)
    client.force_login(person)
    response = client.post(f"/settings/identities/{acme.id}/unlink/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/code/")
    assert person.socialaccount_set.count() == 2


def test_the_last_way_in_cannot_be_unlinked(client):
    person = passwordless(UserFactory())
    acme = link_acme(person)
    client.force_login(person)
    recently_signed_in_again(client, person, method="code")
    response = client.post(f"/settings/identities/{acme.id}/unlink/", follow=True)
    assert "This is your only way to sign in" in response.content.decode()
    assert person.socialaccount_set.count() == 1


def test_the_last_identity_may_go_when_a_password_remains(member_client, member):
    recently_signed_in_again(member_client, member)
    acme = link_acme(member)
    member_client.post(f"/settings/identities/{acme.id}/unlink/")
    assert not member.socialaccount_set.exists()


def test_someone_elses_identity_cannot_be_unlinked(member_client, member):
    recently_signed_in_again(member_client, member)
    other = link_acme(UserFactory())
    response = member_client.post(f"/settings/identities/{other.id}/unlink/", follow=True)
    assert "This linked account does not exist." in response.content.decode()
    assert SocialAccount.objects.filter(id=other.id).exists()


def test_a_chosen_identity_is_shown_on_the_profile(
    member_client, member, django_assert_max_num_queries
):
    github = link_github(member)
    link_acme(member, "hidden_alice")
    member_client.post(f"/settings/identities/{github.id}/profile/", {"shown_on_profile": "1"})
    client = Client()
    site_settings_get()

    # The person, the identities shown and the providers' names, the site, the conversations,
    # the collections.
    with django_assert_max_num_queries(6):
        page = client.get(f"/@{member.handle}").content.decode()
    assert 'href="https://github.com/octocat" rel="me noopener noreferrer"' in page
    assert "hidden_alice" not in page

    member_client.post(f"/settings/identities/{github.id}/profile/", {"shown_on_profile": "0"})
    assert "octocat" not in client.get(f"/@{member.handle}").content.decode()


def test_profile_queries_do_not_grow_with_shown_identities(member):
    client = Client()
    site_settings_get()

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get(f"/@{member.handle}")
        return len(captured)

    identity_profile_visibility_set(user=member, identity_id=link_github(member).id, shown=True)
    one = count()
    for login in ("second", "third"):
        identity_profile_visibility_set(
            user=member, identity_id=link_github(member, login).id, shown=True
        )
    assert count() == one


# --- API ----------------------------------------------------------------------------------------


def api_client(user: User) -> Client:
    _, secret = access_token_create(user=user, name="Script")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_api_lists_my_identities(member):
    acme = link_acme(member)
    response = api_client(member).get("/api/v1/me/identities")
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": acme.id,
            "provider": "acme",
            "provider_name": "Acme",
            "username": "alice",
            "profile_url": "",
            "shown_on_profile": False,
        }
    ]


def test_api_shows_an_identity_on_the_profile(member):
    github = link_github(member)
    response = api_client(member).patch(
        f"/api/v1/me/identities/{github.id}",
        {"shown_on_profile": True},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["shown_on_profile"] is True


def test_api_unlinks_but_never_the_last_way_in(member):
    person = passwordless(UserFactory())
    first = link_acme(person)
    second = link_github(person)
    api = api_client(person)
    assert api.delete(f"/api/v1/me/identities/{second.id}").status_code == 204
    refused = api.delete(f"/api/v1/me/identities/{first.id}")
    assert refused.status_code == 409
    assert "only way to sign in" in refused.json()["error"]["message"]
    assert person.socialaccount_set.count() == 1


def test_api_does_not_touch_someone_elses_identity(member):
    other = link_acme(UserFactory())
    api = api_client(member)
    assert api.delete(f"/api/v1/me/identities/{other.id}").status_code == 404
    response = api.patch(
        f"/api/v1/me/identities/{other.id}",
        {"shown_on_profile": True},
        content_type="application/json",
    )
    assert response.status_code == 404
