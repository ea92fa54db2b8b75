"""Every failure of the API answers {"error": {"code", "message", "fields"}}, never HTML."""

import logging

import pytest
from django.test import Client

from perchoir.api import selectors, services
from perchoir.core.errors import Forbidden

pytestmark = pytest.mark.django_db


def error_of(response, status):
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["message"]
    return body["error"]


def test_unknown_path_under_the_api_is_a_json_404_not_the_html_page(client):
    for path in ["/api/v1/no-such-thing", "/api/v1/no/such/thing/", "/api/v1/"]:
        error = error_of(client.get(path), 404)
        assert error["code"] == "not_found"


def test_unknown_path_answers_404_even_to_a_post_without_csrf_token():
    client = Client(enforce_csrf_checks=True)
    error = error_of(client.post("/api/v1/no-such-thing", {}), 404)
    assert error["code"] == "not_found"


def test_wrong_method_is_a_405_in_the_error_format_with_the_allowed_methods(bearer):
    response = bearer.put("/api/v1/tokens", {}, content_type="application/json")
    error = error_of(response, 405)
    assert error["code"] == "method_not_allowed"
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}
    assert "GET" in error["message"]


def test_writing_to_the_openapi_document_is_a_405(client):
    error = error_of(client.post("/api/v1/openapi.json"), 405)
    assert error["code"] == "method_not_allowed"


def test_anonymous_call_is_a_401_asking_for_a_token(client):
    response = client.get("/api/v1/tokens")
    error = error_of(response, 401)
    assert error["code"] == "not_authenticated"
    assert "Bearer" in error["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_missing_field_is_a_400_naming_the_field(bearer):
    response = bearer.post("/api/v1/tokens", {}, content_type="application/json")
    error = error_of(response, 400)
    assert error["code"] == "invalid"
    assert error["fields"] == {"name": ["This field is required."]}


def test_wrong_types_are_a_400_with_a_message_per_field(bearer):
    response = bearer.post(
        "/api/v1/tokens", {"name": "x", "expires_at": "soon"}, content_type="application/json"
    )
    error = error_of(response, 400)
    assert list(error["fields"]) == ["expires_at"]
    assert "2030-01-31T12:00:00Z" in error["fields"]["expires_at"][0]
    error = error_of(bearer.delete("/api/v1/tokens/abc"), 400)
    assert error["fields"] == {"token_id": ["Enter a whole number."]}


def test_malformed_json_is_a_400_saying_so(bearer):
    response = bearer.post("/api/v1/tokens", "{not json", content_type="application/json")
    error = error_of(response, 400)
    assert error["message"] == "The request body is not valid JSON."


def test_service_error_keeps_its_code_message_and_fields(bearer, member):
    response = bearer.post(
        "/api/v1/tokens",
        {"name": "x", "expires_at": "2001-01-01T00:00:00Z"},
        content_type="application/json",
    )
    error = error_of(response, 400)
    assert error["fields"] == {"expires_at": ["The expiry date must be in the future."]}
    assert selectors.access_token_list(user=member).count() == 1  # only the bearer's own


def test_not_found_from_a_service_is_a_404(bearer):
    error = error_of(bearer.delete("/api/v1/tokens/987654"), 404)
    assert error["code"] == "not_found"


def test_request_too_large_is_a_413(bearer, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = bearer.post("/api/v1/tokens", {"name": "x" * 5000}, content_type="application/json")
    error = error_of(response, 413)
    assert error["code"] == "too_large"


def test_rate_limit_is_a_429_with_retry_after(bearer, monkeypatch, member):
    monkeypatch.setattr(services, "CREATE_LIMIT_PER_HOUR", 2)
    # The bearer fixture already created one token this hour.
    first = bearer.post("/api/v1/tokens", {"name": "a"}, content_type="application/json")
    assert first.status_code == 201
    response = bearer.post("/api/v1/tokens", {"name": "b"}, content_type="application/json")
    error = error_of(response, 429)
    assert error["code"] == "rate_limited"
    assert 1 <= int(response.headers["Retry-After"]) <= 3600
    assert selectors.access_token_list(user=member).count() == 2


def test_unexpected_exception_is_a_500_without_internals_and_is_logged(bearer, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(selectors, "access_token_list", broken)
    with caplog.at_level(logging.ERROR, logger="perchoir.api"):
        response = bearer.get("/api/v1/tokens")
    error = error_of(response, 500)
    assert error["code"] == "server_error"
    assert "hunter2" not in response.content.decode()
    assert "RuntimeError" not in response.content.decode()
    assert any("hunter2" in record.getMessage() or record.exc_info for record in caplog.records)


def test_error_messages_follow_the_requests_language(bearer, monkeypatch):
    def forbidden(**kwargs):
        raise Forbidden()

    monkeypatch.setattr(selectors, "access_token_list", forbidden)
    english = error_of(bearer.get("/api/v1/tokens", HTTP_ACCEPT_LANGUAGE="en"), 403)
    french = error_of(bearer.get("/api/v1/tokens", HTTP_ACCEPT_LANGUAGE="fr"), 403)
    assert english["message"] == "You are not allowed to do this."
    assert french["message"] == "Vous n\u2019avez pas le droit de faire ceci."
