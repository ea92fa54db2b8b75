"""The collections API in the OpenAPI document: every operation, its security and its errors."""

import pytest

pytestmark = pytest.mark.django_db

K = "/api/v1/collections/{collection_id}"
ITEM = K + "/items/{item_id}"
OPERATIONS = {
    ("GET", "/api/v1/collections"),
    ("POST", "/api/v1/collections"),
    ("GET", K),
    ("PUT", K),
    ("DELETE", K),
    ("POST", K + "/cover"),
    ("GET", K + "/items"),
    ("POST", K + "/items"),
    ("POST", K + "/items/upload"),
    ("GET", ITEM),
    ("PUT", ITEM),
    ("DELETE", ITEM),
    ("POST", ITEM + "/move"),
    ("POST", ITEM + "/image"),
    ("POST", ITEM + "/connect"),
    ("POST", ITEM + "/recommendation"),
    ("DELETE", ITEM + "/recommendation"),
    ("POST", ITEM + "/contact"),
    ("GET", K + "/submissions"),
    ("POST", K + "/submissions/{connection_id}"),
    ("GET", K + "/hidden-items"),
    ("GET", K + "/contributors"),
    ("POST", K + "/contributors"),
    ("DELETE", K + "/contributors/{handle}"),
    ("POST", K + "/invitation"),
    ("POST", K + "/invite-link"),
    ("POST", K + "/join"),
    ("GET", K + "/requests"),
    ("POST", K + "/requests"),
    ("POST", K + "/requests/{request_id}"),
    ("POST", K + "/follow"),
    ("DELETE", K + "/follow"),
}
ANONYMOUS_READS = {
    ("GET", "/api/v1/collections"),
    ("GET", K),
    ("GET", K + "/items"),
    ("GET", ITEM),
    ("GET", K + "/contributors"),
}


@pytest.fixture
def operations(client):
    document = client.get("/api/v1/openapi.json").json()
    return {
        (method.upper(), path): details
        for path, methods in document["paths"].items()
        if path.startswith("/api/v1/collections")
        for method, details in methods.items()
    }


def test_the_openapi_document_lists_every_collection_operation(operations):
    assert set(operations) == OPERATIONS
    for key, details in operations.items():
        assert details["summary"], key
        assert details["tags"] == ["Collections"], key


def test_reads_are_open_to_visitors_and_writes_need_a_person(operations):
    for key, details in operations.items():
        security = details["security"]
        assert {"AccessTokenAuth": []} in security, key
        assert ({} in security) == (key in ANONYMOUS_READS), key


def test_uploads_are_multipart_and_document_too_large(operations):
    upload = operations[("POST", K + "/items/upload")]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert {"201", "400", "403", "404", "413", "429"} <= set(upload["responses"])
