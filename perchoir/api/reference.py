"""The API reference for people, built from the very OpenAPI document that programs read.

The document only changes when the code does, so the structure is built once per process and
language (the descriptions are translated) and reused for every page view.
"""

import json
import shlex
import threading
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from .scopes import operation_scope

SUCCESS_EXAMPLE_DATETIME = "2030-01-31T12:00:00Z"
MAX_DEPTH = 3


@dataclass
class FieldDoc:
    name: str
    type: str
    required: bool = False
    description: str = ""
    location: str = ""


@dataclass
class ResponseDoc:
    status: str
    description: str
    schema_name: str = ""
    fields: list[FieldDoc] = field(default_factory=list)
    is_error: bool = False


@dataclass
class OperationDoc:
    anchor: str
    method: str
    path: str
    summary: str
    description: str
    authenticated: bool
    # The permission a token needs for it (perchoir.api.scopes).
    scope: str
    parameters: list[FieldDoc]
    body_fields: list[FieldDoc]
    responses: list[ResponseDoc]
    example_request: str
    example_response: str
    example_status: str


@dataclass
class TagDoc:
    name: str
    anchor: str
    operations: list[OperationDoc] = field(default_factory=list)


@dataclass
class ApiReference:
    title: str
    version: str
    description: str
    tags: list[TagDoc]
    error_fields: list[FieldDoc]
    error_example: str


def _plain(value: Any) -> Any:
    """The document with its lazy translations turned into text of the active language."""
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


class _Builder:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.components: dict[str, Any] = document.get("components", {}).get("schemas", {})

    # --- Schemas ------------------------------------------------------------------------------

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        seen = 0
        while "$ref" in schema and seen < 10:
            schema = self.components.get(schema["$ref"].rsplit("/", 1)[-1], {})
            seen += 1
        if "allOf" in schema and len(schema["allOf"]) == 1:
            return self.resolve(schema["allOf"][0])
        return schema

    @staticmethod
    def ref_name(schema: dict[str, Any]) -> str:
        ref = schema.get("$ref") or ""
        if not ref and len(schema.get("allOf", [])) == 1:
            ref = schema["allOf"][0].get("$ref", "")
        return str(ref).rsplit("/", 1)[-1]

    def type_label(self, schema: dict[str, Any]) -> str:
        name = self.ref_name(schema)
        if name:
            return name
        for key in ("anyOf", "oneOf"):
            if key in schema:
                labels = [self.type_label(option) for option in schema[key]]
                return " or ".join(dict.fromkeys(labels))
        if "enum" in schema:
            return "enum: " + ", ".join(json.dumps(value) for value in schema["enum"])
        kind = schema.get("type", "any")
        if isinstance(kind, list):
            return " or ".join(str(k) for k in kind)
        if kind == "array":
            return f"array of {self.type_label(schema.get('items', {}))}"
        if kind == "object" and "additionalProperties" in schema:
            extra = schema["additionalProperties"]
            inner = self.type_label(extra) if isinstance(extra, dict) else "any"
            return f"object of {inner}"
        if schema.get("format"):
            return f"{kind} ({schema['format']})"
        return str(kind)

    def _object_branch(self, schema: dict[str, Any]) -> dict[str, Any] | None:
        """The object (or array of objects) a property holds, looking through `or null`."""
        schema = self.resolve(schema)
        for key in ("anyOf", "oneOf"):
            if key in schema:
                for option in schema[key]:
                    found = self._object_branch(option)
                    if found is not None:
                        return found
                return None
        if schema.get("type") == "object" and schema.get("properties"):
            return schema
        if schema.get("type") == "array":
            return self._object_branch(schema.get("items", {}))
        return None

    def fields(self, schema: dict[str, Any], prefix: str = "", depth: int = 0) -> list[FieldDoc]:
        schema = self.resolve(schema)
        if schema.get("type") == "array":
            return self.fields(schema.get("items", {}), prefix + "[].", depth)
        result: list[FieldDoc] = []
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            resolved = self.resolve(prop)
            result.append(
                FieldDoc(
                    name=prefix + name,
                    type=self.type_label(prop),
                    required=name in required,
                    description=str(prop.get("description") or resolved.get("description") or ""),
                )
            )
            nested = self._object_branch(prop)
            if nested is not None and depth < MAX_DEPTH:
                is_array = resolved.get("type") == "array"
                inner_prefix = f"{prefix}{name}{'[]' if is_array else ''}."
                result.extend(self.fields(nested, inner_prefix, depth + 1))
        return result

    def example(self, schema: dict[str, Any], name: str = "", depth: int = 0) -> Any:
        if "example" in schema:
            return schema["example"]
        if schema.get("examples"):
            return schema["examples"][0]
        if "$ref" in schema or "allOf" in schema:
            return self.example(self.resolve(schema), name, depth)
        for key in ("anyOf", "oneOf"):
            if key in schema:
                options = [o for o in schema[key] if o.get("type") != "null"] or schema[key]
                return self.example(options[0], name, depth)
        if "default" in schema and schema["default"] is not None:
            return schema["default"]
        if "enum" in schema:
            return schema["enum"][0]
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            if depth > MAX_DEPTH:
                return {}
            properties = schema.get("properties", {})
            return {key: self.example(value, key, depth + 1) for key, value in properties.items()}
        if kind == "array":
            if depth > MAX_DEPTH:
                return []
            return [self.example(schema.get("items", {}), name, depth + 1)]
        if kind == "integer":
            return 1
        if kind == "number":
            return 1.5
        if kind == "boolean":
            return True
        if kind == "null":
            return None
        if kind == "string":
            return self._string_example(schema, name)
        return None

    @staticmethod
    def _string_example(schema: dict[str, Any], name: str) -> str:
        formats = {
            "date-time": SUCCESS_EXAMPLE_DATETIME,
            "date": SUCCESS_EXAMPLE_DATETIME[:10],
            "email": "ada@example.org",
            "uri": "https://example.org/",
            "uuid": "123e4567-e89b-12d3-a456-426614174000",
        }
        if schema.get("format") in formats:
            return formats[schema["format"]]
        by_name = {
            "handle": "ada",
            "display_name": "Ada Lovelace",
            "email": "ada@example.org",
            "language": "en",
            "code": "abc123",
            "message": "…",
            "cursor": "cD0yMDMw",
        }
        return by_name.get(name, "string")

    # --- Operations ---------------------------------------------------------------------------

    def operation(self, path: str, method: str, details: dict[str, Any]) -> OperationDoc:
        parameters = [
            FieldDoc(
                name=parameter["name"],
                type=self.type_label(parameter.get("schema", {})),
                required=bool(parameter.get("required")),
                description=str(
                    parameter.get("description")
                    or parameter.get("schema", {}).get("description")
                    or ""
                ),
                location=parameter.get("in", ""),
            )
            for parameter in details.get("parameters", [])
        ]
        body_schema = (
            details.get("requestBody", {})
            .get("content", {})
            .get("application/json", {})
            .get("schema")
        )
        body_fields = self.fields(body_schema) if body_schema else []
        responses = []
        example_status, example_response = "", ""
        for status, response in details.get("responses", {}).items():
            schema = response.get("content", {}).get("application/json", {}).get("schema")
            responses.append(
                ResponseDoc(
                    status=str(status),
                    description=str(response.get("description", "")),
                    schema_name=self.type_label(schema) if schema else "",
                    # The error format is described once, at the top of the page.
                    fields=self.fields(schema)
                    if schema and self.ref_name(schema) != "ErrorOut"
                    else [],
                    is_error=str(status).startswith(("4", "5")),
                )
            )
            if not example_status and str(status).startswith("2"):
                example_status = str(status)
                if schema:
                    example_response = json.dumps(
                        self.example(schema), indent=2, ensure_ascii=False
                    )
        authenticated = bool(details.get("security"))
        return OperationDoc(
            anchor=str(details.get("operationId") or f"{method}-{path}"),
            method=method.upper(),
            path=path,
            summary=str(details.get("summary") or ""),
            description=str(details.get("description") or ""),
            authenticated=authenticated,
            scope=operation_scope(method.upper(), path),
            parameters=parameters,
            body_fields=body_fields,
            responses=responses,
            example_request=self.curl(
                method, path, parameters, body_schema, authenticated=authenticated
            ),
            example_response=example_response,
            example_status=example_status,
        )

    def curl(
        self,
        method: str,
        path: str,
        parameters: list[FieldDoc],
        body_schema: dict[str, Any] | None,
        *,
        authenticated: bool,
    ) -> str:
        query = "&".join(f"{p.name}=…" for p in parameters if p.location == "query" and p.required)
        url = settings.SITE_URL + path + (f"?{query}" if query else "")
        lines = ["curl"]
        if method.upper() != "GET":
            lines[0] += f" -X {method.upper()}"
        lines[0] += f' "{url}"'
        if authenticated:
            lines.append('-H "Authorization: Bearer $TOKEN"')
        if body_schema:
            lines.append('-H "Content-Type: application/json"')
            body = json.dumps(self.example(body_schema), ensure_ascii=False)
            lines.append(f"-d {shlex.quote(body)}")
        return " \\\n  ".join(lines)

    def build(self) -> ApiReference:
        tags: dict[str, TagDoc] = {}
        for path, methods in self.document.get("paths", {}).items():
            for method, details in methods.items():
                tag_name = (details.get("tags") or ["api"])[0]
                tag = tags.setdefault(tag_name, TagDoc(name=tag_name, anchor=f"tag-{tag_name}"))
                tag.operations.append(self.operation(path, method, details))
        info = self.document.get("info", {})
        error_schema = {"$ref": "#/components/schemas/ErrorOut"}
        return ApiReference(
            title=str(info.get("title", "")),
            version=str(info.get("version", "")),
            description=str(info.get("description", "")),
            tags=list(tags.values()),
            error_fields=self.fields(error_schema) if "ErrorOut" in self.components else [],
            error_example=json.dumps(
                {
                    "error": {
                        "code": "invalid",
                        "message": _("Please correct the errors in your request."),
                        "fields": {"name": [_("This field is required.")]},
                    }
                },
                indent=2,
                ensure_ascii=False,
            ),
        )


_cache: dict[str, ApiReference] = {}
_lock = threading.Lock()


def api_reference_build(document: dict[str, Any]) -> ApiReference:
    return _Builder(_plain(document)).build()


def api_reference_get() -> ApiReference:
    """The reference in the active language, built from the OpenAPI document once per process."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    found = _cache.get(language)
    if found is None:
        from .v1 import api

        with _lock:
            found = _cache.get(language)
            if found is None:
                found = api_reference_build(api.get_openapi_schema())
                _cache[language] = found
    return found
