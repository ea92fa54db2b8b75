"""Sign-in providers configured from environment variables; their buttons; the CSP."""

import json

import pytest
from django.core.exceptions import ImproperlyConfigured

from perchoir.accounts.providers import (
    provider_authorization_origins,
    socialaccount_providers_from_env,
)
from perchoir.core.middleware import content_security_policy

ACME = {
    "id": "acme",
    "name": "Acme",
    "server_url": "https://id.acme.example/",
    "client_id": "perchoir",
    "secret": "s3cret",
}


def test_no_variables_means_no_providers():
    assert socialaccount_providers_from_env({}) == {}


def test_oidc_providers_are_read_from_a_json_list():
    other = {**ACME, "id": "other", "name": "Other", "server_url": "https://other.example"}
    providers = socialaccount_providers_from_env(
        {"PERCHOIR_OIDC_PROVIDERS": json.dumps([ACME, other])}
    )
    apps = providers["openid_connect"]["APPS"]
    assert [app["provider_id"] for app in apps] == ["acme", "other"]
    assert apps[0]["name"] == "Acme"
    assert apps[0]["client_id"] == "perchoir"
    assert apps[0]["secret"] == "s3cret"
    assert apps[0]["settings"] == {"server_url": "https://id.acme.example/"}
    assert provider_authorization_origins(providers) == [
        "https://id.acme.example",
        "https://other.example",
    ]


def test_github_google_and_x_are_read_from_their_client_variables():
    environ = {
        "PERCHOIR_GITHUB_CLIENT_ID": "gh-id",
        "PERCHOIR_GITHUB_SECRET": "gh-secret",
        "PERCHOIR_GOOGLE_CLIENT_ID": "g-id",
        "PERCHOIR_GOOGLE_SECRET": "g-secret",
        "PERCHOIR_TWITTER_CLIENT_ID": "x-id",
        "PERCHOIR_TWITTER_SECRET": "x-secret",
    }
    providers = socialaccount_providers_from_env(environ)
    assert providers["github"]["APPS"] == [{"client_id": "gh-id", "secret": "gh-secret"}]
    assert providers["google"]["APPS"] == [{"client_id": "g-id", "secret": "g-secret"}]
    assert providers["twitter_oauth2"]["APPS"] == [{"client_id": "x-id", "secret": "x-secret"}]
    assert provider_authorization_origins(providers) == [
        "https://github.com",
        "https://accounts.google.com",
        "https://x.com",
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("[{", "PERCHOIR_OIDC_PROVIDERS is not valid JSON"),
        ('{"id": "acme"}', "must be a JSON list"),
        ("[42]", "provider 1: expected an object"),
        (json.dumps([{**ACME, "secret": ""}]), "missing or empty secret"),
        (json.dumps([{**ACME, "colour": "red"}]), "unknown field(s) colour"),
        (json.dumps([{**ACME, "id": "Acme Corp"}]), "id 'Acme Corp' must be"),
        (json.dumps([{**ACME, "id": "github"}]), "id 'github' must be"),
        (json.dumps([ACME, ACME]), "provider 2: id 'acme' is used twice"),
        (json.dumps([{**ACME, "server_url": "http://id.example"}]), "server_url must be"),
    ],
)
def test_a_bad_oidc_value_stops_the_start_naming_the_variable(value, message):
    with pytest.raises(ImproperlyConfigured) as error:
        socialaccount_providers_from_env({"PERCHOIR_OIDC_PROVIDERS": value})
    assert "PERCHOIR_OIDC_PROVIDERS" in str(error.value)
    assert message in str(error.value)


def test_a_local_oidc_provider_may_use_http():
    local = {**ACME, "server_url": "http://127.0.0.1:9000"}
    providers = socialaccount_providers_from_env({"PERCHOIR_OIDC_PROVIDERS": json.dumps([local])})
    assert provider_authorization_origins(providers) == ["http://127.0.0.1:9000"]


def test_a_client_id_without_its_secret_stops_the_start():
    with pytest.raises(ImproperlyConfigured, match="PERCHOIR_GITHUB_SECRET is not"):
        socialaccount_providers_from_env({"PERCHOIR_GITHUB_CLIENT_ID": "gh-id"})


@pytest.fixture
def configured(settings):
    settings.SOCIALACCOUNT_PROVIDERS = socialaccount_providers_from_env(
        {
            "PERCHOIR_OIDC_PROVIDERS": json.dumps([ACME]),
            "PERCHOIR_GITHUB_CLIENT_ID": "gh-id",
            "PERCHOIR_GITHUB_SECRET": "gh-secret",
        }
    )
    settings.CSP_FORM_ACTION = [
        "'self'",
        *provider_authorization_origins(settings.SOCIALACCOUNT_PROVIDERS),
    ]


@pytest.mark.django_db
@pytest.mark.usefixtures("configured")
@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/signup/"])
def test_sign_in_and_sign_up_pages_show_a_post_button_per_provider(client, path, settings):
    from perchoir.core.models import SiteMode
    from perchoir.core.selectors import site_settings_get

    site = site_settings_get()
    site.mode = SiteMode.OPEN
    site.save()
    response = client.get(path)
    html = response.content.decode()
    assert "Continue with Acme" in html
    assert "Continue with GitHub" in html
    assert 'method="post" action="/accounts/oidc/acme/login/?process=login"' in html
    assert 'method="post" action="/accounts/github/login/?process=login"' in html
    policy = response.headers["Content-Security-Policy"]
    assert "form-action 'self' https://id.acme.example https://github.com" in policy
    assert policy == content_security_policy()


@pytest.mark.django_db
def test_without_providers_the_sign_in_page_has_no_provider_buttons(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {}
    html = client.get("/accounts/login/").content.decode()
    assert "Continue with" not in html
