"""One JSON shape for every failure of the API: {"error": {"code", "message", "fields"}}.

Every way a request can fail ends here: a service's ApplicationError, ninja's validation and
authentication errors, Django's 404 / PermissionDenied / request too large, a wrong method, an
unknown path under /api/v1/ and any unexpected exception (logged, answered without internals).
Messages are translated into the request's language.
"""

import logging
from collections.abc import Callable
from typing import Any, cast

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, NinjaAPI, Schema
from ninja.errors import (
    AuthenticationError,
    AuthorizationError,
    HttpError,
    Throttled,
    ValidationError,
)

from perchoir.core.errors import ApplicationError, Forbidden, RateLimited
from perchoir.core.middleware import database_unavailable_response

logger = logging.getLogger("perchoir.api")

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
    500: "server_error",
}


class ErrorDetail(Schema):
    code: str = Field(
        description=cast(str, gettext_lazy("Stable, for programs: not_found, invalid, …"))
    )
    message: str = Field(
        description=cast(str, gettext_lazy("For people, in the request's language."))
    )
    fields: dict[str, list[str]] = Field(
        default={},
        description=cast(str, gettext_lazy("What to correct, by field name.")),
    )


class ErrorOut(Schema):
    error: ErrorDetail


class CsrfFailed(Forbidden):
    code = "csrf_failed"
    default_message = gettext_lazy(
        "The CSRF token is missing or wrong. Reload the page and try again; "
        "programs should send a personal access token instead of the session cookie."
    )


def error_body(
    *,
    status: int,
    message: str,
    code: str | None = None,
    fields: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    return {
        "error": {
            "code": code or CODES_BY_STATUS.get(status, "error"),
            "message": message,
            "fields": fields or {},
        }
    }


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    *,
    status: int,
    message: str,
    code: str | None = None,
    fields: dict[str, list[str]] | None = None,
) -> HttpResponse:
    body = error_body(status=status, message=message, code=code, fields=fields)
    return api.create_response(request, body, status=status)


def _status_message(status: int) -> str:
    messages = {
        400: _("This request is not valid."),
        401: _("Sign in, or send a valid access token: Authorization: Bearer <token>."),
        403: _("You are not allowed to do this."),
        404: _("This does not exist, or it is not visible to you."),
        405: _("This method is not allowed here."),
        413: _("This request is too large."),
        429: _("Too many requests. Please wait a moment and try again."),
    }
    return messages.get(status, _("This request could not be completed."))


def _validation_message(error: dict[str, Any]) -> str:
    """Pydantic speaks English; the person gets a translated sentence for the common cases."""
    kind = str(error.get("type", ""))
    context = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "string_too_long":
        return _("Use at most %(limit)s characters.") % {"limit": context.get("max_length")}
    if kind == "string_too_short":
        return _("Use at least %(limit)s characters.") % {"limit": context.get("min_length")}
    if kind.startswith("int_"):
        return _("Enter a whole number.")
    if kind.startswith(("float_", "decimal_")):
        return _("Enter a number.")
    if kind.startswith("bool"):
        return _("Enter true or false.")
    if kind.startswith(("datetime_", "date_", "time_")):
        return _("Enter a date and time such as 2030-01-31T12:00:00Z.")
    if kind.startswith("string_"):
        return _("Enter text.")
    if kind in {"greater_than", "greater_than_equal"}:
        return _("Enter a larger value.")
    if kind in {"less_than", "less_than_equal"}:
        return _("Enter a smaller value.")
    if kind in {"literal_error", "enum"}:
        return _("Choose one of the allowed values.")
    if kind in {"list_type", "dict_type", "model_type", "model_attributes_type"}:
        return _("This value has the wrong type.")
    if kind == "value_error" and context.get("error"):
        # Raised by our own validators, whose messages are already translated.
        return str(context["error"]).removeprefix("Value error, ")
    return _("This value is not valid.")


def validation_fields(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        # loc is ("body", "payload", "bio"), ("query", "limit") or ("file", "file"): the source
        # first, then for bodies the parameter's name, then the field.
        source, *location = [str(part) for part in error.get("loc", ())] or [""]
        if source in ("body", "form") and len(location) > 1:
            location = location[1:]
        if not location and "loc" not in error:
            # Ninja's own shorthand, e.g. [{"cursor": "Invalid Cursor"}].
            location = [key for key in error if key not in ("type", "msg", "ctx", "url")][:1]
        name = ".".join(location) or "__all__"
        fields.setdefault(name, []).append(_validation_message(error))
    return fields


def install_error_handlers(api: NinjaAPI) -> None:
    def application_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        assert isinstance(exc, ApplicationError)
        response = error_response(
            api,
            request,
            status=exc.status,
            code=exc.code,
            message=str(exc.message),
            fields=exc.fields,
        )
        if isinstance(exc, RateLimited):
            for name, value in exc.headers().items():
                response.headers[name] = value
        if exc.status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
        return response

    def validation_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        assert isinstance(exc, ValidationError)
        return error_response(
            api,
            request,
            status=400,
            message=_("Please correct the errors in your request."),
            fields=validation_fields(list(exc.errors)),
        )

    def authentication_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        response = error_response(api, request, status=401, message=_status_message(401))
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
        return response

    def forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error_response(api, request, status=403, message=_status_message(403))

    def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error_response(api, request, status=404, message=_status_message(404))

    def too_large(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error_response(api, request, status=413, message=_status_message(413))

    def suspicious(request: HttpRequest, exc: Exception) -> HttpResponse:
        logging.getLogger("django.security").warning("API: %s on %s", exc, request.path)
        return error_response(api, request, status=400, message=_status_message(400))

    def throttled(request: HttpRequest, exc: Exception) -> HttpResponse:
        assert isinstance(exc, Throttled)
        response = error_response(api, request, status=429, message=_status_message(429))
        if exc.wait is not None:
            response.headers["Retry-After"] = str(max(1, int(exc.wait + 0.999)))
        return response

    def http_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        assert isinstance(exc, HttpError)
        status = exc.status_code
        raw = exc.message
        if status == 400 and str(raw).startswith("Cannot parse request body"):
            message = _("The request body is not valid JSON.")
        elif status == 403 and "CSRF" in str(raw):
            message = str(CsrfFailed.default_message)
            return error_response(api, request, status=403, code=CsrfFailed.code, message=message)
        elif isinstance(raw, Promise):
            message = str(raw)  # a translated message given by our own code
        else:
            message = _status_message(status)
        return error_response(api, request, status=status, message=message)

    def database_unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
        response = database_unavailable_response(request, exc)
        return response if response is not None else unexpected(request, exc)

    def unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        # Logged with its traceback like any server error; the client sees no internals.
        logger.error("Unexpected API error on %s %s", request.method, request.path, exc_info=exc)
        return error_response(
            api,
            request,
            status=500,
            message=_("Something went wrong on our side. Please try again later."),
        )

    handlers: dict[type[Exception], Callable[[HttpRequest, Any], HttpResponse]] = {
        ApplicationError: application_error,
        ValidationError: validation_error,
        AuthenticationError: authentication_error,
        AuthorizationError: forbidden,
        PermissionDenied: forbidden,
        Http404: not_found,
        RequestDataTooBig: too_large,
        SuspiciousOperation: suspicious,
        Throttled: throttled,
        HttpError: http_error,
        DatabaseError: database_unavailable,  # 503 when unreachable, else as unexpected
        Exception: unexpected,
    }
    for exception_class, handler in handlers.items():
        api.add_exception_handler(exception_class, handler)


def json_error_view(
    api: NinjaAPI, view: Callable[..., HttpResponse], *, only: tuple[str, ...] = ()
) -> Callable[..., HttpResponse]:
    """Wrap one of ninja's URL views so that its bare 405 answers in the error format too.

    `only` restricts a view that does not check the method itself (the OpenAPI document).
    """

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if only and request.method not in only:
            response: HttpResponse = HttpResponseNotAllowed(only)
        else:
            response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response.headers.get("Allow", "")
            new = error_response(
                api,
                request,
                status=405,
                message=_("This method is not allowed here; use %(methods)s.")
                % {"methods": allowed or "GET"},
            )
            new.headers["Allow"] = allowed
            return new
        return response

    wrapped.csrf_exempt = True  # type: ignore[attr-defined]
    return wrapped


def not_found_view(api: NinjaAPI) -> Callable[..., HttpResponse]:
    """The catch-all under /api/v1/: an unknown path is a JSON 404, never the HTML page."""

    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return error_response(
            api,
            request,
            status=404,
            message=_("There is no API endpoint at this address. The reference lists them all."),
        )

    view.csrf_exempt = True  # type: ignore[attr-defined]
    return view


def error_responses(*statuses: int) -> dict[int, type[ErrorOut]]:
    """The `response=` entries of an operation's documented failures, all in the one format."""
    return dict.fromkeys(statuses, ErrorOut)
