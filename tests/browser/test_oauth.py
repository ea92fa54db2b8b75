"""The consent page of a third-party application, in a real browser: the person allows it and
the browser goes back to the application (another origin) with a code."""

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

from perchoir.oauth.services import oauth_application_register

from ..factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_person_allows_an_application_then_takes_it_back(page, sign_in, live_server: Any):
    port = urlsplit(live_server.url).port
    # Another origin than the site's (localhost): the app's own address, served by anything.
    redirect_uri = f"http://127.0.0.1:{port}/river-notes/callback"
    registered = oauth_application_register(
        developer=UserFactory(handle="dev"),
        name="River Notes",
        redirect_uris=[redirect_uri],
        confidential=True,
    )
    app = OAuth2Session(
        client_id=registered.application.client_id,
        client_secret=registered.secret,
        scope="read write",
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
    )
    verifier = generate_token(48)
    url, _state = app.create_authorization_url(
        f"{live_server.url}/oauth/authorize/", code_verifier=verifier
    )
    ada = UserFactory(handle="ada")
    sign_in(page, ada)

    page.goto(url)
    assert page.get_by_role("heading", name="Let “River Notes” act for you?").is_visible()
    assert page.get_by_text("See everything you can see").is_visible()
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(lambda address: address.startswith(redirect_uri))
    assert "code" in parse_qs(urlsplit(page.url).query)
    # The application turns the code into a token.
    app.fetch_token(
        f"{live_server.url}/oauth/token/", authorization_response=page.url, code_verifier=verifier
    )

    page.goto("/settings/applications/")
    assert page.get_by_role("row", name="River Notes").is_visible()
    page.get_by_role("button", name="Take back River Notes").click()
    page.wait_for_load_state()
    assert page.get_by_text("The application can no longer act for you.").is_visible()
    assert page.get_by_text("No application may act for you.").is_visible()

    page.goto("/settings/developers/applications/")
    page.get_by_label("Name").fill("My own app")
    page.get_by_label("Redirect addresses").fill("https://mine.example/cb")
    page.get_by_role("button", name="Register").click()
    page.wait_for_load_state()
    assert page.get_by_text("“My own app” is registered").is_visible()
    assert page.get_by_label("Client secret").input_value()
