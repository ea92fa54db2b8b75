"""The access tokens page in the settings: create (secret shown once), list, revoke."""

import pytest
from django.test import Client
from django.urls import reverse

from perchoir.api.models import AccessToken
from perchoir.api.services import access_token_create
from perchoir.core.errors import InvalidInput
from tests.factories import ModeratorFactory, UserFactory

pytestmark = pytest.mark.django_db

TOKENS_URL = "/settings/tokens/"


def test_tokens_page_needs_sign_in(client):
    response = client.get(TOKENS_URL)
    assert response.status_code == 302
    assert reverse("account_login") in response.url


def test_empty_tokens_page_invites_to_create_one(member_client):
    response = member_client.get(reverse("developers:tokens"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "You have no access tokens" in page
    assert 'aria-current="page"' in page
    assert "csrfmiddlewaretoken" in page


def test_created_token_secret_is_shown_once_then_never_again(member_client, member):
    response = member_client.post(
        TOKENS_URL, {"name": "Backup script", "expires_in": "30", "scopes": ["read", "write"]}
    )
    assert response.status_code == 302
    assert response.url == TOKENS_URL
    token = AccessToken.objects.get(user=member)
    assert token.expires_at is not None

    shown = member_client.get(TOKENS_URL)
    page = shown.content.decode()
    secret_field = page.split('id="new-token-secret"')[1].split('value="')[1].split('"')[0]
    assert secret_field.startswith(token.prefix)
    assert "Backup script" in page
    assert "no-store" in shown.headers["Cache-Control"]

    reloaded = member_client.get(TOKENS_URL).content.decode()
    assert secret_field not in reloaded
    assert "new-token-secret" not in reloaded
    assert "Backup script" in reloaded  # still listed, by name and prefix
    assert f"{token.prefix}…" in reloaded


def test_created_token_works_against_the_api(member_client, client):
    member_client.post(
        TOKENS_URL, {"name": "CLI", "expires_in": "never", "scopes": ["read", "write"]}
    )
    page = member_client.get(TOKENS_URL).content.decode()
    secret = page.split('id="new-token-secret"')[1].split('value="')[1].split('"')[0]
    response = client.get("/api/v1/tokens", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    assert response.json()[0]["expires_at"] is None


def test_token_without_name_is_refused_with_a_message_and_saves_nothing(member_client, member):
    response = member_client.post(
        TOKENS_URL, {"name": "   ", "expires_in": "30", "scopes": ["read", "write"]}
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not AccessToken.objects.filter(user=member).exists()


def test_unknown_expiry_choice_is_refused(member_client, member):
    response = member_client.post(
        TOKENS_URL, {"name": "x", "expires_in": "7", "scopes": ["read", "write"]}
    )
    assert response.status_code == 400
    assert not AccessToken.objects.filter(user=member).exists()


def test_creating_too_many_tokens_quickly_is_refused_on_the_page(
    member_client, member, monkeypatch
):
    from perchoir.api import services

    monkeypatch.setattr(services, "CREATE_LIMIT_PER_HOUR", 1)
    member_client.post(TOKENS_URL, {"name": "one", "expires_in": "30", "scopes": ["read", "write"]})
    response = member_client.post(
        TOKENS_URL, {"name": "two", "expires_in": "30", "scopes": ["read", "write"]}
    )
    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()
    assert list(AccessToken.objects.filter(user=member).values_list("name", flat=True)) == ["one"]


def test_revoke_asks_for_confirmation_then_revokes(member_client, member):
    token, _secret = access_token_create(user=member, name="Old laptop")
    url = reverse("developers:token-revoke", args=[token.id])
    confirm = member_client.get(url)
    assert confirm.status_code == 200
    assert "Old laptop" in confirm.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None  # asking is not revoking

    response = member_client.post(url, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == TOKENS_URL
    assert "is revoked" in page
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "You have no access tokens" in page


def test_another_persons_token_is_not_found_and_nothing_is_revoked(member_client):
    other = UserFactory()
    token, _ = access_token_create(user=other, name="Not yours")
    url = reverse("developers:token-revoke", args=[token.id])
    assert member_client.get(url).status_code == 404
    assert member_client.post(url).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_tokens_page_lists_only_my_live_tokens(member_client, member):
    access_token_create(user=member, name="Mine")
    revoked, _ = access_token_create(user=member, name="Revoked one")
    revoked.revoked_at = revoked.created_at
    revoked.save()
    access_token_create(user=UserFactory(), name="Someone else's")
    page = member_client.get(TOKENS_URL).content.decode()
    assert "Mine" in page
    assert "Revoked one" not in page
    assert "Someone else" not in page


def test_tokens_page_query_count_does_not_grow_with_tokens(
    member_client, member, django_assert_max_num_queries
):
    for i in range(8):
        access_token_create(user=member, name=f"token {i}")
    member_client.get(TOKENS_URL)  # the site's settings row is created on first use
    # Session, person, site settings, tokens (+1 spare for the header): not one per token.
    with django_assert_max_num_queries(5):
        response = member_client.get(TOKENS_URL)
    assert response.content.decode().count("/revoke/") == 8


def test_a_read_only_token_reads_but_may_not_write_and_says_which_permission_it_lacks(
    member, client
):
    _token, secret = access_token_create(user=member, name="Reader", scopes=["read"])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert client.get("/api/v1/tokens", **auth).status_code == 200
    refused = client.post(
        "/api/v1/tokens", {"name": "more"}, content_type="application/json", **auth
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "insufficient_scope"
    assert "“write”" in refused.json()["error"]["message"]
    assert AccessToken.objects.filter(user=member).count() == 1


def test_following_needs_the_follow_permission(member, client):
    UserFactory(handle="ada")
    _token, writer = access_token_create(user=member, name="Writer", scopes=["read", "write"])
    refused = client.post("/api/v1/people/ada/follow", HTTP_AUTHORIZATION=f"Bearer {writer}")
    assert refused.status_code == 403
    assert "“follow”" in refused.json()["error"]["message"]
    _token, follower = access_token_create(user=member, name="Follower", scopes=["follow"])
    assert (
        client.post(
            "/api/v1/people/ada/follow", HTTP_AUTHORIZATION=f"Bearer {follower}"
        ).status_code
        == 200
    )


def test_the_page_offers_moderators_powers_only_to_moderators(member_client):
    page = member_client.get(TOKENS_URL).content.decode()
    assert 'value="read"' in page
    assert 'value="moderate"' not in page
    moderator = Client()
    moderator.force_login(ModeratorFactory())
    assert 'value="moderate"' in moderator.get(TOKENS_URL).content.decode()
    # A member forging the field gets a clear refusal and no token.
    forged = member_client.post(
        TOKENS_URL, {"name": "x", "expires_in": "30", "scopes": ["moderate"]}
    )
    assert forged.status_code == 400
    assert not AccessToken.objects.filter(name="x").exists()


def test_unknown_permissions_are_refused_through_the_api(member, client):
    _token, secret = access_token_create(user=member, name="Maker")
    response = client.post(
        "/api/v1/tokens",
        {"name": "odd", "scopes": ["read", "everything"]},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 400
    assert "scopes" in response.json()["error"]["fields"]


def test_a_member_cannot_give_a_token_powers_they_do_not_have(member):
    with pytest.raises(InvalidInput) as refused:
        access_token_create(user=member, name="Sneaky", scopes=["read", "moderate"])
    assert "read, write, follow" in refused.value.fields["scopes"][0]
    assert not AccessToken.objects.exists()
