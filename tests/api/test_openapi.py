"""The OpenAPI document and the reference page built from it."""

import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import translation

from perchoir.api.reference import api_reference_get
from perchoir.api.v1 import api

pytestmark = pytest.mark.django_db

METHODS = {"get", "post", "put", "patch", "delete"}


def documented_operations(document):
    return [
        (method.upper(), path, details)
        for path, methods in document["paths"].items()
        for method, details in methods.items()
        if method in METHODS
    ]


def routed_operations():
    """Every (method, path) the API answers, read from ninja's routers, not from the document."""
    found = set()
    for bound in api._get_bound_routers():
        for path, path_view in bound.path_operations.items():
            full = "/api/v1/" + "/".join(part for part in (bound.prefix, path) if part)
            while "//" in full:
                full = full.replace("//", "/")
            for operation in path_view.operations:
                if operation.include_in_schema:
                    found.update((method, full) for method in operation.methods)
    return found


def test_openapi_document_is_valid_json_served_publicly(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "Perchoir API"
    assert "ErrorOut" in document["components"]["schemas"]


def test_openapi_document_has_an_operation_for_every_route(client):
    document = client.get("/api/v1/openapi.json").json()
    documented = {(method, path) for method, path, _ in documented_operations(document)}
    assert routed_operations()
    assert routed_operations() == documented


def test_every_operation_declares_its_errors_with_the_shared_schema(client):
    document = client.get("/api/v1/openapi.json").json()
    for method, path, details in documented_operations(document):
        responses = details["responses"]
        errors = {status: r for status, r in responses.items() if status[0] in "45"}
        assert {"400", "429", "500"} <= set(errors), (method, path)
        if details.get("security"):
            assert {"401", "403"} <= set(errors), (method, path)
        if "{" in path:
            assert "404" in errors, (method, path)
        for status, response in errors.items():
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (method, path, status)


def test_api_urls_end_with_the_json_catch_all():
    resolver = get_resolver()
    api_resolvers = [
        p for p in resolver.url_patterns if isinstance(p, URLResolver) and p.namespace == "api"
    ]
    assert len(api_resolvers) == 1
    last = api_resolvers[0].url_patterns[-1]
    assert isinstance(last, URLPattern)
    assert last.name == "not-found"


def test_reference_page_lists_every_operation(client, django_assert_max_num_queries):
    document = client.get("/api/v1/openapi.json").json()
    client.get("/developers/api/")  # the site's settings row is created on first use
    with django_assert_max_num_queries(2):
        response = client.get("/developers/api/")
    assert response.status_code == 200
    page = response.content.decode()
    for method, path, details in documented_operations(document):
        assert f'id="{details["operationId"]}"' in page, (method, path)
        assert f"<code>{method} {path}</code>" in page
    assert 'href="/api/v1/openapi.json"' in page
    assert "Authorization: Bearer $TOKEN" in page
    assert "<script" not in page.split("<main")[1]


def test_reference_page_describes_the_token_creation_fully(client):
    page = client.get("/developers/api/").content.decode()
    section = page.split('id="perchoir_api_tokens_token_create"')[1].split("</article>")[0]
    assert "<code>name</code>" in section  # request body field
    assert "<code>expires_at</code>" in section
    assert "curl -X POST" in section
    assert "-H &quot;Content-Type: application/json&quot;" in section
    assert "&quot;token&quot;" in section  # the example response carries the secret field
    assert "<code>201</code>" in section
    assert "<code>429</code>" in section


def test_reference_is_built_once_per_language(client):
    with translation.override("en"):
        first = api_reference_get()
        assert api_reference_get() is first
    with translation.override("fr"):
        assert api_reference_get() is not first


def test_reference_page_works_for_a_signed_in_person_too(member_client):
    response = member_client.get("/developers/api/")
    assert response.status_code == 200
    assert "/settings/tokens/" in response.content.decode()
