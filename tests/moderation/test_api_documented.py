"""The moderation API in the OpenAPI document: every operation, who may call it, its errors."""

import pytest

pytestmark = pytest.mark.django_db

P = "/api/v1/moderation"
OPERATIONS = {
    ("POST", P + "/reports"),
    ("GET", P + "/reports/{receipt}"),
    ("GET", P + "/cases"),
    ("GET", P + "/cases/{case_id}"),
    ("POST", P + "/cases/{case_id}/claim"),
    ("POST", P + "/cases/{case_id}/release"),
    ("POST", P + "/cases/{case_id}/assign"),
    ("POST", P + "/cases/{case_id}/notes"),
    ("POST", P + "/people/{person_id}/notes"),
    ("POST", P + "/cases/{case_id}/resolve"),
    ("POST", P + "/actions"),
    ("POST", P + "/actions/{action_id}/undo"),
    ("GET", P + "/statements"),
    ("GET", P + "/statements/{statement_id}"),
    ("POST", P + "/statements/{statement_id}/appeal"),
    ("GET", P + "/appeals"),
    ("POST", P + "/appeals/{appeal_id}/decide"),
    ("GET", P + "/rules"),
    ("PUT", P + "/rules"),
    ("GET", P + "/transparency"),
    ("GET", P + "/log"),
}
OPEN_TO_ANYONE = {
    ("POST", P + "/reports"),
    ("GET", P + "/reports/{receipt}"),
    ("GET", P + "/rules"),
    ("GET", P + "/transparency"),
}


@pytest.fixture
def operations(client):
    document = client.get("/api/v1/openapi.json").json()
    return {
        (method.upper(), path): details
        for path, methods in document["paths"].items()
        if path.startswith(P)
        for method, details in methods.items()
    }


def test_every_moderation_operation_is_documented(operations):
    assert set(operations) == OPERATIONS
    for key, details in operations.items():
        assert details["summary"], key
        assert details["tags"] == ["Moderation"], key


def test_only_reporting_rules_and_transparency_are_open_to_visitors(operations):
    for key, details in operations.items():
        security = details["security"]
        assert {"AccessTokenAuth": []} in security, key
        assert ({} in security) == (key in OPEN_TO_ANYONE), key


def test_action_errors_are_documented(operations):
    responses = operations[("POST", P + "/actions")]["responses"]
    assert {"201", "400", "401", "403", "404", "409"} <= set(responses)
