"""Web apps on other origins call the API with a token; never with the person's cookies."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ORIGIN = "https://app.example"


def test_a_preflight_is_answered_for_token_calls(client):
    response = client.options(
        "/api/v1/conversations",
        HTTP_ORIGIN=ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type",
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert "Authorization" in response["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in response


def test_a_token_call_from_another_origin_may_be_read_with_its_rate_limit_headers(bearer):
    response = bearer.get("/api/v1/me", HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "RateLimit-Remaining" in response["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in response
    written = bearer.post("/api/v1/notifications/read-all", HTTP_ORIGIN=ORIGIN)
    assert written["Access-Control-Allow-Origin"] == "*"


def test_errors_are_readable_across_origins_too():
    response = Client().get("/api/v1/me", HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 401
    assert response["Access-Control-Allow-Origin"] == "*"


def test_a_call_carrying_cookies_is_not_shared_with_another_origin(member_client):
    """With the session cookie, another site could act as the person: the browser is not
    allowed to hand it the answer."""
    response = member_client.get("/api/v1/me", HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Credentials" not in response


def test_pages_are_not_shared_with_other_origins(client):
    response = client.get("/", HTTP_ORIGIN=ORIGIN)
    assert "Access-Control-Allow-Origin" not in response
    preflight = client.options(
        "/settings/tokens/", HTTP_ORIGIN=ORIGIN, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert "Access-Control-Allow-Origin" not in preflight


def test_an_app_on_another_origin_can_read_why_it_must_wait(bearer, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "write:person": (1, 60)}
    bearer.post("/api/v1/notifications/read-all", HTTP_ORIGIN=ORIGIN)
    refused = bearer.post("/api/v1/notifications/read-all", HTTP_ORIGIN=ORIGIN)
    assert refused.status_code == 429
    assert refused["Access-Control-Allow-Origin"] == "*"
    assert "Retry-After" in refused["Access-Control-Expose-Headers"]
