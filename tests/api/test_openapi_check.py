"""The check that holds every API response of the test suite to the OpenAPI document."""

import pytest
from django.http import HttpResponse, JsonResponse
from pydantic import BaseModel

from perchoir.api.v1 import api
from tests.openapi_check import OpenAPIMismatch, check_response, find_operation


def error(status, code="not_found"):
    return JsonResponse({"error": {"code": code, "message": "No.", "fields": {}}}, status=status)


def test_a_documented_answer_passes():
    check_response("GET", "/api/v1/people/someone", error(404))


def test_the_most_specific_template_answers_for_a_path():
    template, _ = find_operation("GET", "/api/v1/notifications/unread-count")
    assert template == "/api/v1/notifications/unread-count"
    template, _ = find_operation("POST", "/api/v1/notifications/12/read")
    assert template == "/api/v1/notifications/{notification_id}/read"


def test_an_undocumented_status_fails_with_what_is_documented():
    with pytest.raises(OpenAPIMismatch, match="status 418 is not documented for GET /api/v1/me"):
        check_response("GET", "/api/v1/me", error(418))


def test_a_body_that_does_not_match_the_schema_fails_saying_where():
    body = JsonResponse({"error": {"code": "not_found", "message": 3}}, status=404)
    with pytest.raises(OpenAPIMismatch, match="at error/message: 3 is not of type 'string'"):
        check_response("GET", "/api/v1/people/someone", body)


def test_a_success_body_is_checked_against_its_own_schema():
    with pytest.raises(OpenAPIMismatch, match="'unread' is a required property"):
        check_response("GET", "/api/v1/notifications/unread-count", JsonResponse({"n": 1}))


def test_a_non_json_answer_where_json_is_documented_fails():
    response = HttpResponse("<h1>Not found</h1>", status=404, content_type="text/html")
    with pytest.raises(OpenAPIMismatch, match="answered 404 as text/html"):
        check_response("GET", "/api/v1/people/someone", response)


def test_an_unknown_address_may_only_answer_the_shared_error():
    check_response("GET", "/api/v1/nowhere", error(404))
    check_response("DELETE", "/api/v1/me/identities", error(405, "method_not_allowed"))
    with pytest.raises(OpenAPIMismatch, match="no operation is documented for GET /api/v1/x"):
        check_response("GET", "/api/v1/x", JsonResponse({}))
    with pytest.raises(OpenAPIMismatch, match="'error' is a required property"):
        check_response("GET", "/api/v1/nowhere", JsonResponse({"detail": "Not found"}, status=404))


@pytest.mark.django_db
def test_a_client_call_that_drifts_fails_the_test(client, monkeypatch):
    """The check runs inside Django's test client: no test can produce an unchecked answer."""
    from tests import openapi_check

    monkeypatch.setattr(
        openapi_check, "find_operation", lambda method, path: ("/api/v1/me", {"responses": {}})
    )
    with pytest.raises(OpenAPIMismatch, match=r"GET /api/v1/me answered 401.*not documented"):
        client.get("/api/v1/me")


@pytest.mark.django_db
@pytest.mark.openapi_unchecked("this test proves that the marker turns the check off")
def test_the_marker_turns_the_check_off(client, monkeypatch):
    from tests import openapi_check

    monkeypatch.setattr(
        openapi_check, "find_operation", lambda method, path: ("/api/v1/me", {"responses": {}})
    )
    assert client.get("/api/v1/me").status_code == 401


def _models(annotation, found):
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        # ninja's own wrappers (BodyParams, NinjaResponseSchema) never reach the document.
        named = found.setdefault(annotation.__name__, set())
        if annotation in named:
            return
        if annotation.__module__.startswith("perchoir."):
            named.add(annotation)
        for field in annotation.model_fields.values():
            _models(field.annotation, found)
    for argument in getattr(annotation, "__args__", ()):
        _models(argument, found)


def test_no_two_schemas_share_a_name_in_the_document():
    """ninja files every schema under its class name: two classes of one name in two apps would
    silently share one description in the document (and the second app's answers would not match
    it). Name each schema after what it describes."""
    found: dict[str, set[type]] = {}
    for bound in api._get_bound_routers():
        for path_view in bound.path_operations.values():
            for operation in path_view.operations:
                for model in [*operation.response_models.values(), *operation.models]:
                    _models(model, found)
    shared = {
        name: sorted(f"{model.__module__}.{model.__qualname__}" for model in models)
        for name, models in found.items()
        if len(models) > 1
    }
    assert shared == {}


@pytest.mark.django_db
def test_every_operation_documents_the_rate_limit_headers_of_a_429(client):
    document = client.get("/api/v1/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            headers = operation["responses"]["429"]["headers"]
            assert set(headers) == {
                "Retry-After",
                "RateLimit-Limit",
                "RateLimit-Remaining",
                "RateLimit-Reset",
            }, (method, path)
