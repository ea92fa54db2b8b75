import functools
import hashlib
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_plus

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.request import RawPostDataException
from django.shortcuts import render
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt

from .errors import ApplicationError, InvalidInput, RateLimited, Unavailable

logger = logging.getLogger(__name__)

# No 'unsafe-inline' anywhere: every script and style is a file under /static/.
_POLICY_WITHOUT_FRAMING = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "media-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
    ]
)
_POLICY_WITHOUT_FORM_ACTION = f"{_POLICY_WITHOUT_FRAMING}; frame-ancestors 'none'"
# The policy when no sign-in provider is configured.
CONTENT_SECURITY_POLICY = f"{_POLICY_WITHOUT_FORM_ACTION}; form-action 'self'"


def content_security_policy(
    *, frame_ancestors: str = "'none'", form_action_extra: list[str] | None = None
) -> str:
    """With the sign-in providers' origins: browsers apply form-action to the redirect that
    follows the POST starting a sign-in (settings.CSP_FORM_ACTION)."""
    origins = [*getattr(settings, "CSP_FORM_ACTION", ["'self'"]), *(form_action_extra or [])]
    form_action = " ".join(origins)
    return (
        f"{_POLICY_WITHOUT_FRAMING}; frame-ancestors {frame_ancestors}; form-action {form_action}"
    )


def frame_ancestors_any(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let any site frame this view (embeds): no X-Frame-Options, CSP `frame-ancestors *`.
    Every other page keeps DENY and `frame-ancestors 'none'`."""

    @functools.wraps(view)
    def framable(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response.headers["Content-Security-Policy"] = content_security_policy(frame_ancestors="*")
        return response

    return xframe_options_exempt(framable)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", content_security_policy())
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        return response


class UserLanguageMiddleware:
    """A signed-in person's chosen language wins over the browser's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user and user.is_authenticated else ""
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


class ApplicationErrorMiddleware:
    """Turns a service's ApplicationError into a clear, translated page (the API maps its own)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, ApplicationError):
            return None
        return error_page(request, exception)


def error_page(request: HttpRequest, error: ApplicationError) -> HttpResponse:
    template = "errors/404.html" if error.status == 404 else "errors/error.html"
    response = render(request, template, {"error": error}, status=error.status)
    if isinstance(error, RateLimited):
        for name, value in error.headers().items():
            response.headers[name] = value
    return response


class NulCharacterMiddleware:
    """Refuse, with a clear 400, text that carries the NUL character: in the address, the query,
    form fields or a JSON body. It has no place in text, and PostgreSQL cannot store it (it
    would answer with a server error); files (multipart uploads) may of course contain it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._carries_nul(request):
            error = InvalidInput(_("Text may not contain the NUL character (\\u0000)."))
            if request.path.startswith("/api/"):
                from perchoir.api.errors import error_body

                body = error_body(status=400, code=error.code, message=str(error.message))
                return JsonResponse(body, status=400)
            return error_page(request, error)
        return self.get_response(request)

    @staticmethod
    def _carries_nul(request: HttpRequest) -> bool:
        query = unquote_plus(request.META.get("QUERY_STRING", ""))
        if "\x00" in request.path or "\x00" in query:
            return True
        content_type = request.content_type or ""
        try:
            if content_type == "application/json":
                return b"\\u0000" in request.body or b"\x00" in request.body
            if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
                return any("\x00" in value for value in request.POST.values())
        except SuspiciousOperation:
            # Too large, too many fields: the view's own reading of it answers (413, 400).
            return False
        return False


def database_unavailable_response(
    request: HttpRequest, error: BaseException
) -> HttpResponse | None:
    """A 503 with Retry-After, as a page or (under /api/) as the API's JSON error, when `error`
    says the database cannot be reached (restarting, failing over, the network); None for any
    other error. Called by the server-error handlers, wherever the query failed: in a view or
    in a middleware (a session, the rate-limit counters in the database cache). Once the
    database answers again, the next request's connection is a new one (CONN_HEALTH_CHECKS)."""
    if not isinstance(error, OperationalError | InterfaceError):
        return None
    logger.warning("database unreachable on %s %s: %r", request.method, request.path, error)
    unavailable = Unavailable()
    response: HttpResponse
    if request.path.startswith("/api/"):
        from perchoir.api.errors import error_body

        body = error_body(status=503, code=unavailable.code, message=str(unavailable.message))
        response = JsonResponse(body, status=503)
    else:
        # No context processors: they would ask the database.
        page = loader.get_template("errors/503.html").render({"message": unavailable.message})
        response = HttpResponse(page, status=503)
    for name, value in unavailable.headers().items():
        response.headers[name] = value
    return response


class IdempotencyMiddleware:
    """`Idempotency-Key` on the API's writes: a client that retries a POST (its connection broke,
    a web process stopped, a proxy timed out) gets the first answer again instead of a second
    write. Keys belong to whoever sends them (the person, the access token, else the address)
    and are remembered IDEMPOTENCY_SECONDS in the cache; the same key on a different request
    is refused (422), and a duplicate that arrives while the first is still running gets 409
    (for at most PROCESSING_SECONDS: the process running it may have died). Server errors and
    rate limits are not remembered: retrying those is the point. While the cache is
    unreachable the key is not enforced (logged), like the rest of the cache.

    The site's own forms do without it: each carries a one-time token that the service checks
    (the message composer's `client_token`)."""

    HEADER = "Idempotency-Key"
    METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
    REMEMBERED = ("Content-Type", "Location")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(self.HEADER)
        if (
            key is None
            or request.method not in self.METHODS
            or not request.path.startswith("/api/")
        ):
            return self.get_response(request)
        if not 1 <= len(key) <= 255 or not key.isascii() or not key.isprintable():
            return _api_error(
                400, "invalid", _("An Idempotency-Key is 1 to 255 printable characters.")
            )
        from .ratelimit import request_callers

        who = request_callers(request)[0][1]
        cache_key = "idem:" + hashlib.sha256(f"{who}\n{key}".encode()).hexdigest()
        fingerprint = _fingerprint(request)
        if not cache.add(cache_key, {"fingerprint": fingerprint}, PROCESSING_SECONDS):
            earlier = cache.get(cache_key)
            if earlier is not None:
                return self._earlier(earlier, fingerprint)
            logger.warning("idempotency: the cache is unreachable, %s not enforced", self.HEADER)
            return self.get_response(request)
        try:
            response = self.get_response(request)
        except BaseException:
            cache.delete(cache_key)
            raise
        if response.status_code >= 500 or response.status_code == 429 or response.streaming:
            cache.delete(cache_key)  # not an answer to give again
            return response
        cache.set(
            cache_key,
            {
                "fingerprint": fingerprint,
                "status": response.status_code,
                "headers": {h: response[h] for h in self.REMEMBERED if h in response},
                "content": response.content,
            },
            IDEMPOTENCY_SECONDS,
        )
        return response

    def _earlier(self, earlier: dict[str, Any], fingerprint: str) -> HttpResponse:
        if earlier["fingerprint"] != fingerprint:
            message = _("This Idempotency-Key was already used for a different request.")
            return _api_error(422, "idempotency_key_reused", message)
        if "status" not in earlier:
            message = _("A request with this Idempotency-Key is still being processed.")
            conflict = _api_error(409, "conflict", message)
            conflict.headers["Retry-After"] = "1"
            return conflict
        response = HttpResponse(earlier["content"], status=earlier["status"])
        for name, value in earlier["headers"].items():
            response.headers[name] = value
        response.headers["Idempotent-Replayed"] = "true"
        return response


# How long an Idempotency-Key's answer is remembered.
IDEMPOTENCY_SECONDS = 24 * 3600
# How long a key stays "being processed" without an answer: the process handling it may have
# been stopped (a deployment, a crash), and its client's retry must not wait a day.
PROCESSING_SECONDS = 30


def _fingerprint(request: HttpRequest) -> str:
    """What makes two requests the same request: method, address, type and body."""
    digest = hashlib.sha256()
    for part in (request.method or "", request.get_full_path(), request.content_type or ""):
        digest.update(part.encode() + b"\n")
    try:
        digest.update(request.body)
    except (SuspiciousOperation, RawPostDataException):  # too large, or read already
        digest.update(request.headers.get("Content-Length", "").encode())
    return digest.hexdigest()


def _api_error(status: int, code: str, message: str) -> JsonResponse:
    from perchoir.api.errors import error_body

    return JsonResponse(error_body(status=status, code=code, message=message), status=status)
