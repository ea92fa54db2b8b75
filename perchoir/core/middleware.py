import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_plus

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt

from .errors import ApplicationError, InvalidInput, RateLimited

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
