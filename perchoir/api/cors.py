"""Cross-origin calls to the API (CORS): any web app may call /api/v1/ with an access token.

Only requests that carry no cookie are answered with `Access-Control-Allow-Origin: *`, and never
with `Access-Control-Allow-Credentials`: a browser then neither sends nor accepts the person's
session cookie across origins, so another site cannot act as the signed-in person; an app
authenticates with its token in the Authorization header. Preflight requests are answered here,
before anything else looks at them.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

API_PREFIX = "/api/v1/"
ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
ALLOWED_HEADERS = "Authorization, Content-Type, Accept, Accept-Language"
# What a script on another origin may read from an answer, beyond the simple headers.
EXPOSED_HEADERS = (
    "Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, WWW-Authenticate, "
    "Location, Link, Content-Language"
)
PREFLIGHT_MAX_AGE = 86400


def is_preflight(request: HttpRequest) -> bool:
    return (
        request.method == "OPTIONS"
        and "origin" in request.headers
        and "access-control-request-method" in request.headers
    )


class ApiCorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX) or "origin" not in request.headers:
            return self.get_response(request)
        if is_preflight(request):
            response = HttpResponse(status=204)
            response.headers["Access-Control-Allow-Origin"] = "*"
            response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
            response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
            return response
        response = self.get_response(request)
        if not request.COOKIES:
            response.headers["Access-Control-Allow-Origin"] = "*"
            response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        return response
