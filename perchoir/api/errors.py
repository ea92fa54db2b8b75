"""One JSON shape for every failure of the API: {"error": {"code", "message", "fields"}}."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from perchoir.core.errors import ApplicationError, RateLimited

CODES_BY_STATUS = {
    400: "invalid",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "rate_limited",
}


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class ErrorOut(Schema):
    error: ErrorDetail


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    *,
    status: int,
    message: str,
    code: str | None = None,
    fields: dict[str, list[str]] | None = None,
) -> HttpResponse:
    body = {
        "error": {
            "code": code or CODES_BY_STATUS.get(status, "error"),
            "message": message,
            "fields": fields or {},
        }
    }
    return api.create_response(request, body, status=status)


def _validation_fields(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        # loc is ("body", "payload", "bio") or ("query", "limit"); the last part names the field.
        location = [
            str(part)
            for part in error.get("loc", ())
            if part not in ("body", "query", "path", "form", "payload")
        ]
        name = ".".join(location) or "__all__"
        fields.setdefault(name, []).append(str(error.get("msg", _("Invalid value."))))
    return fields


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ApplicationError)
    def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
        response = error_response(
            api,
            request,
            status=exc.status,
            code=exc.code,
            message=str(exc.message),
            fields=exc.fields,
        )
        if isinstance(exc, RateLimited):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return error_response(
            api,
            request,
            status=400,
            message=_("Please correct the errors in your request."),
            fields=_validation_fields(list(exc.errors)),
        )

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(
            api,
            request,
            status=401,
            message=_("Sign in, or send a valid access token: Authorization: Bearer <token>."),
        )

    @api.exception_handler(AuthorizationError)
    def authorization_error(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
        return error_response(
            api, request, status=403, message=_("You are not allowed to do this.")
        )

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(
            api, request, status=404, message=_("This does not exist, or it is not visible to you.")
        )

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        message = str(exc.message)
        if exc.status_code == 403 and "CSRF" in message:
            message = _("The CSRF token is missing or wrong; reload the page and try again.")
        return error_response(api, request, status=exc.status_code, message=message)

    @api.exception_handler(Exception)
    def unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        # Logged with its traceback like any server error; the client sees no internals.
        import logging

        logging.getLogger("django.request").exception("API error on %s", request.path)
        return error_response(
            api,
            request,
            status=500,
            code="server_error",
            message=_("Something went wrong on our side. Please try again later."),
        )
