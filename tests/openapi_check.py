"""Every API response produced by the test suite must match the OpenAPI document (as Zulip does).

Loaded as a pytest plugin (see `pytest_plugins` in tests/conftest.py), it wraps the request path
of Django's test `Client`: each answer to `/api/v1/...`, whatever test produced it, is checked
against the document the API serves:

- the operation exists for that method and path template;
- the status code is one it documents;
- the body has the documented media type and, for JSON, validates against the documented schema
  (JSON Schema 2020-12, `$ref`s resolved inside the document).

An address under /api/v1/ that the document does not describe (an unknown path, a wrong method)
must still answer an error in the one `ErrorOut` shape. A mismatch raises `OpenAPIMismatch` from
the client call, failing the test that produced the response with a message saying what drifted.

A test that must send something the document cannot describe may opt out with
`@pytest.mark.openapi_unchecked("why")`; the reason is required.
"""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest
from django.http import HttpResponse, StreamingHttpResponse
from django.test.client import Client
from django.utils import translation
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

API_PREFIX = "/api/v1/"
DOCUMENT_PATH = "/api/v1/openapi.json"
DOCUMENT_URI = "urn:perchoir:openapi"
ERROR_SCHEMA = "#/components/schemas/ErrorOut"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class OpenAPIMismatch(AssertionError):
    """A response that the OpenAPI document does not describe."""


@dataclass(frozen=True)
class Template:
    path: str
    pattern: re.Pattern[str]
    # Literal characters first: /conversations/search wins over /conversations/{id}.
    specificity: tuple[int, int]


def _escape_pointer(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


@cache
def openapi_document() -> dict[str, Any]:
    """The document as clients read it (the English rendering of its lazy texts)."""
    from ninja.responses import NinjaJSONEncoder

    from perchoir.api.v1 import api

    with translation.override("en"):
        schema = api.get_openapi_schema(path_prefix=API_PREFIX)
        return json.loads(json.dumps(schema, cls=NinjaJSONEncoder))


@cache
def _templates() -> list[Template]:
    templates = []
    for path in openapi_document()["paths"]:
        parts = re.split(r"(\{[^}/]+\})", path)
        regex = "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts)
        literal = sum(len(part) for part in parts if not part.startswith("{"))
        templates.append(Template(path, re.compile(f"^{regex}$"), (literal, -path.count("{"))))
    return sorted(templates, key=lambda template: template.specificity, reverse=True)


@cache
def _registry() -> Registry:
    document = {"$id": DOCUMENT_URI, **openapi_document()}
    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    return Registry().with_resource(DOCUMENT_URI, resource)


@cache
def _validator(pointer: str) -> Draft202012Validator:
    return Draft202012Validator(
        {"$ref": f"{DOCUMENT_URI}{pointer}"},
        registry=_registry(),
        format_checker=FormatChecker(),
    )


def find_operation(method: str, path: str) -> tuple[str, dict[str, Any]] | None:
    """The documented (template, operation) answering `method` on `path`, if any."""
    paths = openapi_document()["paths"]
    method = "get" if method.lower() == "head" else method.lower()
    for template in _templates():
        if template.pattern.match(path):
            operation = paths[template.path].get(method)
            if operation is not None:
                return template.path, operation
    return None


def _body(response: HttpResponse) -> tuple[str, Any]:
    media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
    if media_type != "application/json":
        return media_type, None
    try:
        return media_type, json.loads(response.content)
    except ValueError as exc:
        raise OpenAPIMismatch(f"the body is not valid JSON ({exc})") from None


def _validate(pointer: str, body: Any) -> None:
    error = best_match(_validator(pointer).iter_errors(body))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "(the body itself)"
        raise OpenAPIMismatch(
            f"the body does not match the schema at {pointer}: at {where}: {error.message}"
        )


def check_response(method: str, path: str, response: HttpResponse) -> None:
    """Raise OpenAPIMismatch unless the document describes this answer to `method path`."""
    status = response.status_code
    if path == DOCUMENT_PATH and method in ("GET", "HEAD") and status == 200:
        return
    if method == "OPTIONS" and "Access-Control-Allow-Methods" in response.headers:
        return  # a CORS preflight, answered before the API (perchoir/api/cors.py)
    streaming = isinstance(response, StreamingHttpResponse)
    found = find_operation(method, path)
    if found is None:
        # Not an operation: only an error in the shared shape may answer here.
        if status < 400:
            raise OpenAPIMismatch(f"no operation is documented for {method} {path}")
        if method == "HEAD" or streaming:
            return
        media_type, body = _body(response)
        if media_type != "application/json":
            raise OpenAPIMismatch(f"an error answered {media_type or 'no content type'}")
        _validate(ERROR_SCHEMA, body)
        return

    template, operation = found
    responses = operation.get("responses", {})
    key = str(status) if str(status) in responses else "default"
    if key not in responses:
        documented = ", ".join(sorted(responses))
        raise OpenAPIMismatch(
            f"status {status} is not documented for {method} {template} (documented: {documented})"
        )
    content = responses[key].get("content")
    if method == "HEAD" or streaming:
        return
    if not content:
        if response.content:
            raise OpenAPIMismatch(
                f"{method} {template} documents no body for {status}, but one was sent"
            )
        return
    media_type, body = _body(response)
    if media_type not in content:
        raise OpenAPIMismatch(
            f"{method} {template} answered {status} as {media_type or 'no content type'}, "
            f"documented: {', '.join(content)}"
        )
    if media_type != "application/json" or "schema" not in content[media_type]:
        return
    method_key = "get" if method == "HEAD" else method.lower()
    pointer = "#/" + "/".join(
        _escape_pointer(part)
        for part in ("paths", template, method_key, "responses", key, "content", media_type)
    )
    _validate(pointer + "/schema", body)


# --- The plugin -----------------------------------------------------------------------------------

_unchecked: list[str] = []
_original_request = Client.request


def _checked_request(self: Client, **request: Any) -> Any:
    response = _original_request(self, **request)
    path = response.request.get("PATH_INFO", "")
    if path.startswith(API_PREFIX) and not _unchecked:
        method = response.request.get("REQUEST_METHOD", "GET").upper()
        try:
            check_response(method, path, response)
        except OpenAPIMismatch as exc:
            raise OpenAPIMismatch(
                f"{method} {path} answered {response.status_code}, which the OpenAPI document "
                f"does not allow: {exc}.\nBody: {response.content[:500]!r}\n"
                "Fix the operation's declared responses or schemas (or the code)."
            ) from None
    return response


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "openapi_unchecked(reason): do not check this test's API responses against the "
        "OpenAPI document (say why)",
    )
    Client.request = _checked_request  # type: ignore[method-assign]


def pytest_unconfigure(config: pytest.Config) -> None:
    Client.request = _original_request  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _openapi_unchecked_marker(request: pytest.FixtureRequest) -> Iterator[None]:
    marker = request.node.get_closest_marker("openapi_unchecked")
    if marker is None:
        yield
        return
    reason = marker.args[0] if marker.args else marker.kwargs.get("reason")
    if not reason:
        raise pytest.UsageError("openapi_unchecked needs a reason")
    _unchecked.append(reason)
    try:
        yield
    finally:
        _unchecked.pop()
