"""OAuth 2 end to end over real HTTP: authlib's client plays the third-party application against
the live server; a person's browser session (a requests session with their cookie) answers the
consent page. The application's redirect address is never fetched: we read the redirect."""

import re
import types
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from django.conf import settings
from django.test import Client

from perchoir.conversations.models import Conversation
from perchoir.core import ratelimit
from perchoir.oauth.services import oauth_application_register
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

REDIRECT_URI = "http://127.0.0.1:9/callback"


class App:
    """The third-party application: its registration and an authlib session."""

    def __init__(self, base: str, *, scope: str = "read write") -> None:
        developer = UserFactory(handle="developer")
        registered = oauth_application_register(
            developer=developer, name="River Notes", redirect_uris=[REDIRECT_URI], confidential=True
        )
        self.base = base
        self.application = registered.application
        self.session = OAuth2Session(
            client_id=registered.application.client_id,
            client_secret=registered.secret,
            scope=scope,
            redirect_uri=REDIRECT_URI,
            code_challenge_method="S256",
        )
        self.verifier = generate_token(48)

    def authorization_url(self, **extra: Any) -> str:
        url, _state = self.session.create_authorization_url(
            f"{self.base}/oauth/authorize/", code_verifier=self.verifier, **extra
        )
        return str(url)

    def fetch_token(self, redirected_to: str) -> dict[str, Any]:
        return dict(
            self.session.fetch_token(
                f"{self.base}/oauth/token/",
                authorization_response=redirected_to,
                code_verifier=self.verifier,
            )
        )


def browser_of(person: Any, base: str) -> requests.Session:
    client = Client()
    client.force_login(person)
    browser = requests.Session()
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    browser.cookies.set(cookie.key, cookie.value)
    return browser


def consent(browser: requests.Session, url: str, *, allow: bool = True) -> requests.Response:
    """Opens the consent page and answers it; returns the answer (a redirect, not followed)."""
    page = browser.get(url)
    assert page.status_code == 200, page.text
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    fields = {name: unescape(value) for name, value in fields.items()}
    if allow:
        fields["allow"] = "Authorize"
    return browser.post(page.url, data=fields, headers={"Referer": page.url}, allow_redirects=False)


@pytest.fixture
def base(live_server: Any) -> str:
    return str(live_server.url)


def test_an_application_signs_a_person_in_acts_for_them_refreshes_and_is_revoked(base):
    ada = UserFactory(handle="ada")
    app = App(base)
    browser = browser_of(ada, base)

    page = browser.get(app.authorization_url())
    assert "Let “River Notes” act for you?" in page.text
    assert "Act for you: post, edit and delete messages" in page.text
    # Browsers apply form-action to the redirect after the answer: the app's origin is allowed.
    assert "form-action 'self' http://127.0.0.1:9" in page.headers["Content-Security-Policy"]
    answer = consent(browser, page.url)
    assert answer.status_code == 302
    redirected_to = answer.headers["Location"]
    assert redirected_to.startswith(REDIRECT_URI)
    assert parse_qs(urlsplit(redirected_to).query)["iss"] == [base]

    token = app.fetch_token(redirected_to)
    assert set(token["scope"].split()) == {"read", "write"}
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token['access_token']}"
    assert api.get(f"{base}/api/v1/me").json()["handle"] == "ada"
    started = api.post(
        f"{base}/api/v1/conversations", json={"title": "From my app", "body": "Hello"}
    )
    assert started.status_code == 201, started.text
    assert Conversation.objects.get(title="From my app").starter == ada
    # It was not allowed to follow people.
    UserFactory(handle="grace")
    refused = api.post(f"{base}/api/v1/people/grace/follow")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "insufficient_scope"
    # Nor to give itself more power through a personal access token.
    minted = api.post(f"{base}/api/v1/tokens", json={"name": "escape"})
    assert minted.status_code == 403

    # The person sees the application in their settings.
    listed = browser.get(f"{base}/settings/applications/").text
    assert "River Notes" in listed

    # Refreshing gives a new access token; the old refresh token is used up.
    refreshed = dict(app.session.refresh_token(f"{base}/oauth/token/"))
    assert refreshed["access_token"] != token["access_token"]
    api.headers["Authorization"] = f"Bearer {refreshed['access_token']}"
    assert api.get(f"{base}/api/v1/me").status_code == 200
    reused = requests.post(
        f"{base}/oauth/token/",
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        auth=(app.application.client_id, app.session.client_secret),
    )
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"

    # The person takes the permission back: the application is stopped at once.
    page = browser.get(f"{base}/settings/applications/")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert csrf is not None
    browser.post(
        f"{base}/settings/applications/{app.application.id}/revoke/",
        data={"csrfmiddlewaretoken": csrf.group(1)},
        headers={"Referer": page.url},
    )
    assert api.get(f"{base}/api/v1/me").status_code == 401
    assert "River Notes" not in browser.get(f"{base}/settings/applications/").text


def test_the_application_revokes_its_own_token(base):
    app = App(base)
    browser = browser_of(UserFactory(), base)
    token = app.fetch_token(consent(browser, app.authorization_url()).headers["Location"])
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    assert requests.get(f"{base}/api/v1/me", headers=bearer).status_code == 200
    app.session.revoke_token(f"{base}/oauth/revoke/", token=token["access_token"])
    assert requests.get(f"{base}/api/v1/me", headers=bearer).status_code == 401


def test_refusing_sends_the_person_back_with_an_error_and_no_code(base):
    app = App(base)
    answer = consent(browser_of(UserFactory(), base), app.authorization_url(), allow=False)
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["error"] == ["access_denied"]
    assert "code" not in query


def test_without_pkce_no_code_is_given(base):
    app = App(base)
    browser = browser_of(UserFactory(), base)
    url, _state = app.session.create_authorization_url(f"{base}/oauth/authorize/")
    without = re.sub(r"&code_challenge(_method)?=[^&]*", "", str(url))
    answer = browser.get(without, allow_redirects=False)
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["error"] == ["invalid_request"]
    assert "code" not in query


def test_a_code_without_its_verifier_is_refused(base):
    app = App(base)
    redirected_to = consent(browser_of(UserFactory(), base), app.authorization_url()).headers[
        "Location"
    ]
    code = parse_qs(urlsplit(redirected_to).query)["code"][0]
    stolen = requests.post(
        f"{base}/oauth/token/",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
        auth=(app.application.client_id, app.session.client_secret),
    )
    assert stolen.status_code == 400
    assert stolen.json()["error"] in {"invalid_request", "invalid_grant"}


def test_an_unregistered_redirect_address_is_never_followed(base):
    app = App(base)
    app.session.redirect_uri = "https://evil.example/steal"
    page = browser_of(UserFactory(), base).get(app.authorization_url(), allow_redirects=False)
    assert page.status_code == 400  # the error is shown here, not sent anywhere
    assert "This application cannot sign you in" in page.text
    assert "evil.example" not in page.headers.get("Location", "")


def test_asking_for_more_than_was_granted_is_refused(base):
    app = App(base, scope="read")
    token = app.fetch_token(
        consent(browser_of(UserFactory(), base), app.authorization_url()).headers["Location"]
    )
    escalated = requests.post(
        f"{base}/oauth/token/",
        data={
            "grant_type": "refresh_token",
            "refresh_token": token["refresh_token"],
            "scope": "read write",
        },
        auth=(app.application.client_id, app.session.client_secret),
    )
    assert escalated.status_code == 400
    assert escalated.json()["error"] == "invalid_scope"
    app.session.scope = "read everything"
    answer = browser_of(UserFactory(), base).get(app.authorization_url(), allow_redirects=False)
    assert parse_qs(urlsplit(answer.headers["Location"]).query)["error"] == ["invalid_scope"]


def test_an_application_is_limited_for_all_its_people_together_not_by_its_address(
    base, settings, monkeypatch
):
    app = App(base)
    tokens = [
        app.fetch_token(
            consent(browser_of(UserFactory(), base), app.authorization_url()).headers["Location"]
        )["access_token"]
        for _ in range(2)
    ]
    # The API calls below start a fresh window (the token requests above counted too).
    monkeypatch.setattr(ratelimit, "time", types.SimpleNamespace(time=lambda: 1_900_000_000.0))
    settings.RATE_LIMITS = {
        **settings.RATE_LIMITS,
        "write:person": (100, 60),
        "write:address": (1, 60),  # its server calls from one address for everyone
        "write:app": (3, 60),
    }
    statuses = [
        requests.post(
            f"{base}/api/v1/conversations",
            json={"title": f"Note {n}", "body": "Hello"},
            headers={"Authorization": f"Bearer {tokens[n % 2]}"},
        )
        for n in range(4)
    ]
    assert [response.status_code for response in statuses[:3]] == [201, 201, 201]
    refused = statuses[3]
    assert refused.status_code == 429
    assert refused.headers["RateLimit-Limit"] == "3"
    assert refused.headers["Retry-After"] == "20"  # the window ends 20 s after that time
