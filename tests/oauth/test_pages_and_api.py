"""Registering applications and taking authorisations back, on the pages and through the API."""

import pytest
from django.test import Client
from oauth2_provider.models import AccessToken, Application, RefreshToken

from perchoir.api.services import access_token_create
from perchoir.core.errors import InvalidInput
from perchoir.oauth.services import oauth_application_register
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

APPLICATIONS = "/settings/developers/applications/"


@pytest.mark.parametrize(
    "uri",
    [
        "http://example.org/callback",  # plain http to another machine
        "ftp://example.org/",
        "https://example.org/callback#fragment",
        "/relative",
        "javascript:alert(1)",
        "https://" + "a" * 600 + ".example/",
    ],
)
def test_unusable_redirect_addresses_are_refused_with_a_clear_message(uri):
    with pytest.raises(InvalidInput) as refused:
        oauth_application_register(
            developer=UserFactory(), name="App", redirect_uris=[uri], confidential=True
        )
    assert "is not a usable redirect address" in refused.value.fields["redirect_uris"][0]
    assert not Application.objects.exists()


def test_a_public_client_has_no_secret_and_loopback_http_is_allowed():
    registered = oauth_application_register(
        developer=UserFactory(),
        name="Desktop app",
        redirect_uris=["http://127.0.0.1:8123/done", "https://app.example/done"],
        confidential=False,
    )
    assert registered.secret is None
    assert registered.application.client_type == Application.CLIENT_PUBLIC


def test_the_developer_page_registers_shows_the_secret_once_and_deletes(client):
    developer = UserFactory()
    client.force_login(developer)
    page = client.get(APPLICATIONS).content.decode()
    assert "You have not registered any application yet." in page
    response = client.post(
        APPLICATIONS,
        {"name": "River Notes", "redirect_uris": "https://notes.example/cb", "confidential": "yes"},
    )
    assert response.status_code == 302
    application = Application.objects.get(user=developer)
    shown = client.get(APPLICATIONS)
    assert "no-store" in shown.headers["Cache-Control"]
    secret = shown.content.decode().split('id="new-client-secret"')[1].split('value="')[1]
    secret = secret.split('"')[0]
    assert len(secret) > 40
    assert application.client_secret != secret  # only a hash is kept
    again = client.get(APPLICATIONS).content.decode()
    assert secret not in again
    assert application.client_id in again

    # Someone else cannot delete it.
    other = Client()
    other.force_login(UserFactory())
    assert other.post(f"{APPLICATIONS}{application.id}/delete/").status_code == 404
    client.post(f"{APPLICATIONS}{application.id}/delete/")
    assert not Application.objects.exists()


def test_a_bad_registration_keeps_what_was_typed_and_says_why(client):
    client.force_login(UserFactory())
    response = client.post(
        APPLICATIONS,
        {"name": "River Notes", "redirect_uris": "http://notes.example/cb", "confidential": "yes"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "is not a usable redirect address" in page
    assert 'value="River Notes"' in page
    assert not Application.objects.exists()


def test_the_applications_page_is_empty_then_lists_and_takes_back(client):
    person = UserFactory()
    client.force_login(person)
    assert (
        "No application may act for you." in client.get("/settings/applications/").content.decode()
    )
    registered = oauth_application_register(
        developer=UserFactory(handle="dev"),
        name="River Notes",
        redirect_uris=["https://notes.example/cb"],
        confidential=True,
    )
    _grant_tokens(person, registered.application)
    page = client.get("/settings/applications/").content.decode()
    assert "River Notes" in page
    assert "by @dev" in page
    client.post(f"/settings/applications/{registered.application.id}/revoke/")
    assert not AccessToken.objects.filter(user=person).exists()
    assert RefreshToken.objects.get(user=person).revoked is not None
    assert (
        client.post(f"/settings/applications/{registered.application.id}/revoke/").status_code
        == 404
    )


def _grant_tokens(person, application: Application) -> None:
    from datetime import timedelta

    from django.utils import timezone

    access = AccessToken.objects.create(
        user=person,
        application=application,
        token="access-" + application.client_id,
        expires=timezone.now() + timedelta(hours=1),
        scope="read write",
    )
    RefreshToken.objects.create(
        user=person,
        application=application,
        token="refresh-" + application.client_id,
        access_token=access,
    )


def test_the_api_registers_lists_and_deletes_applications(client):
    developer = UserFactory()
    _token, secret = access_token_create(user=developer, name="Dev script")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    created = client.post(
        "/api/v1/me/developer/applications",
        {"name": "River Notes", "redirect_uris": ["https://notes.example/cb"]},
        content_type="application/json",
        **auth,
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["confidential"] is True
    assert body["client_secret"]
    listed = client.get("/api/v1/me/developer/applications", **auth).json()
    assert [a["client_id"] for a in listed] == [body["client_id"]]
    assert "client_secret" not in listed[0]
    bad = client.post(
        "/api/v1/me/developer/applications",
        {"name": "x", "redirect_uris": ["http://evil.example/"]},
        content_type="application/json",
        **auth,
    )
    assert bad.status_code == 400
    assert "redirect_uris" in bad.json()["error"]["fields"]
    assert (
        client.delete(f"/api/v1/me/developer/applications/{body['id']}", **auth).status_code == 204
    )
    assert not Application.objects.exists()


def test_the_api_lists_and_takes_back_authorisations(client):
    person = UserFactory()
    registered = oauth_application_register(
        developer=UserFactory(),
        name="River Notes",
        redirect_uris=["https://n.example/cb"],
        confidential=True,
    )
    _grant_tokens(person, registered.application)
    _token, secret = access_token_create(user=person, name="Mine")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    listed = client.get("/api/v1/me/applications", **auth).json()
    assert listed[0]["name"] == "River Notes"
    assert listed[0]["scopes"] == ["read", "write"]
    url = f"/api/v1/me/applications/{registered.application.id}"
    assert client.delete(url, **auth).status_code == 204
    assert client.get("/api/v1/me/applications", **auth).json() == []
    assert client.delete(url, **auth).status_code == 404


def test_a_token_cannot_make_a_token_more_powerful_than_itself(client):
    person = UserFactory()
    _token, secret = access_token_create(user=person, name="Limited", scopes=["read", "write"])
    response = client.post(
        "/api/v1/tokens",
        {"name": "bigger", "scopes": ["read", "write", "follow"]},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 403
    assert "“follow”" in response.json()["error"]["message"]
