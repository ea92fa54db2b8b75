"""The OpenAPI document tells the truth about failures: every operation declares its errors.

Routers declare only their success responses (and any error they want to describe specially);
the error statuses that the API base itself can produce are added here, once, all pointing to
the shared `ErrorOut` schema.
"""

from typing import Any, cast

from django.utils.translation import gettext_lazy as _
from ninja.openapi.schema import REF_TEMPLATE, OpenAPISchema
from ninja.operation import Operation
from ninja.schema import NinjaGenerateJsonSchema

from .errors import ErrorOut

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def error_statuses(operation: Operation) -> dict[int, Any]:
    """The failures the API base can answer for this operation, with their descriptions."""
    statuses: dict[int, Any] = {
        400: _("The request is not valid; `fields` says what to correct."),
    }
    if operation.auth_callbacks:
        statuses[401] = _("Not signed in, or the access token is missing, revoked or expired.")
        statuses[403] = _("Not allowed, or the CSRF token is missing (session authentication).")
    if "{" in operation.path:
        statuses[404] = _("Not found, or not visible to you.")
    if WRITE_METHODS & set(operation.methods):
        statuses[409] = _(
            "In conflict with the current state, or the same Idempotency-Key is still being "
            "processed (try again after Retry-After)."
        )
        statuses[413] = _("The request is too large.")
        statuses[422] = _("This Idempotency-Key was already used for a different request.")
    statuses[429] = _("Too many requests; the Retry-After header says when to try again.")
    statuses[500] = _("An unexpected error on the server; it has been logged.")
    statuses[503] = _("Unavailable for a moment (the database is unreachable); see Retry-After.")
    return statuses


def idempotency_key_parameter() -> dict[str, Any]:
    """Every write accepts one (perchoir.core.middleware.IdempotencyMiddleware)."""
    description = _(
        "Any unique string (a UUID): a retry with the same key and the same request gets the "
        "first answer again, with Idempotent-Replayed: true, instead of writing twice. Keys "
        "are remembered 24 hours, per person or access token."
    )
    return {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "description": description,
        "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    }


def rate_limit_headers() -> dict[str, Any]:
    """The headers of a 429 (perchoir/core/ratelimit.py; IETF RateLimit header fields)."""
    texts = {
        "Retry-After": _("Seconds to wait before trying again."),
        "RateLimit-Limit": _("The requests allowed in the current window."),
        "RateLimit-Remaining": _("The requests left in the current window."),
        "RateLimit-Reset": _("Seconds until the current window ends."),
    }
    return {
        name: {"description": text, "schema": {"type": "integer", "minimum": 0}}
        for name, text in texts.items()
    }


class PerchoirOpenAPISchema(OpenAPISchema):
    def operation_parameters(self, operation: Operation) -> list[dict[str, Any]]:
        parameters = super().operation_parameters(operation)
        if WRITE_METHODS & set(operation.methods):
            parameters.append(idempotency_key_parameter())
        return parameters

    def responses(self, operation: Operation) -> dict[int, Any]:
        result = super().responses(operation)
        if 429 in result:
            result[429].setdefault("headers", rate_limit_headers())
        reference = None
        for status, description in error_statuses(operation).items():
            if status in result:
                continue
            if reference is None:
                reference = self._error_schema_reference()
            result[status] = {
                "description": description,
                "content": {self.api.renderer.media_type: {"schema": reference}},
            }
            if status == 429:
                result[status]["headers"] = rate_limit_headers()
        return dict(sorted(result.items()))

    def _error_schema_reference(self) -> dict[str, str]:
        """ErrorOut as a shared component, referred to by every operation."""
        schema = ErrorOut.model_json_schema(
            ref_template=REF_TEMPLATE,
            schema_generator=NinjaGenerateJsonSchema,
            mode="serialization",
        )
        self.add_schema_definitions(schema.pop("$defs", {}))
        self.add_schema_definitions({"ErrorOut": schema})
        return {"$ref": REF_TEMPLATE.format(model="ErrorOut")}


def doc(text: object) -> str:
    """A lazily translated text where ninja expects a str (rendered in the reader's language)."""
    return cast(str, text)
