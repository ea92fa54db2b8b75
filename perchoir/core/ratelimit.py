"""Fixed-window rate limits in the cache (Redis when configured, the database cache otherwise)."""

import base64
import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from urllib.parse import unquote

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse

from .errors import RateLimited

_suspended: ContextVar[bool] = ContextVar("ratelimits_suspended", default=False)


@contextmanager
def ratelimits_suspended() -> Iterator[None]:
    """For the site's own scripted writes through the services (`perchoir demo`): the limits
    count what people do, not weeks of demo talk written in seconds."""
    token = _suspended.set(True)
    try:
        yield
    finally:
        _suspended.reset(token)


def ratelimit_hit(scope: str, key: str, *, limit: int, period: int) -> None:
    """Count one action for `key` in `scope`; past `limit` per `period` seconds, refuse."""
    if _suspended.get():
        return
    window = int(time.time() // period)
    cache_key = f"rl:{scope}:{key}:{window}"
    # add() is atomic: it creates the counter only if it does not exist yet.
    cache.add(cache_key, 0, timeout=period + 5)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add() and incr()
        cache.set(cache_key, 1, timeout=period + 5)
        count = 1
    if count > limit:
        retry_after = period - int(time.time()) % period
        raise RateLimited(retry_after=max(1, retry_after), limit=limit)


# --- The global limits on every write and every expensive read (E4) ------------------------------
#
# One middleware counts, for the site's pages and the API alike, each write (POST, PUT, PATCH,
# DELETE) and each expensive read (a search: a GET with a `q` parameter) twice: for whoever
# makes it (the signed-in person, or the access token an app calls with) and for the address it
# comes from. The limits
# are settings.RATE_LIMITS, set from PERCHOIR_RATE_LIMIT_* variables (README, configuration).

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Quota:
    """Where a counter stands after a request: the IETF RateLimit-* header fields."""

    limit: int
    remaining: int
    reset: int  # seconds until the window ends

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
        }


def ratelimit_count(scope: str, key: str, *, limit: int, period: int) -> Quota:
    """Count one request for `key` in `scope` (fixed windows of `period` seconds)."""
    now = time.time()
    window = int(now // period)
    cache_key = f"rl:{scope}:{key}:{window}"
    # incr() first: atomic in Redis, and the fewest queries with the database cache (this runs
    # on every write). The window's first request creates the counter.
    try:
        count = cache.incr(cache_key)
    except ValueError:
        # Unless another request created it meanwhile.
        count = 1 if cache.add(cache_key, 1, timeout=period + 5) else cache.incr(cache_key)
    reset = max(1, (window + 1) * period - int(now))
    # Past the limit, remaining is -1: the caller refuses the request.
    return Quota(limit=limit, remaining=limit - count if count <= limit else -1, reset=reset)


def request_kind(request: HttpRequest) -> str | None:
    """'write', 'expensive-read', or None for a request the global limits do not count."""
    if request.method in WRITE_METHODS:
        return "write"
    if request.method in ("GET", "HEAD") and request.GET.get("q", "").strip():
        return "expensive-read"  # a search, on a page or in the API
    return None


def _application_of(authorization: str) -> int | None:
    """The third-party application behind these credentials, if any: an OAuth access token, or
    a confidential client's own id (HTTP Basic, at the token and revocation endpoints)."""
    from oauth2_provider.models import AccessToken, Application

    scheme, _space, credentials = authorization.partition(" ")
    credentials = credentials.strip()
    if not credentials:
        return None
    if scheme.lower() == "basic":
        try:
            client_id = base64.b64decode(credentials).decode().partition(":")[0]
        except ValueError:
            return None
        return (
            Application.objects.filter(client_id=unquote(client_id))
            .values_list("id", flat=True)
            .first()
        )
    if scheme.lower() != "bearer":
        return None
    checksum = hashlib.sha256(credentials.encode()).hexdigest()
    return (
        AccessToken.objects.filter(token_checksum=checksum, application__isnull=False)
        .values_list("application_id", flat=True)
        .first()
    )


def request_callers(request: HttpRequest) -> list[tuple[str, str]]:
    """Who the request counts against: (who, key) for the person or token, then the address —
    or, for a third-party application's token, the application: its server calls for all its
    people from one address, and the application is who answers for them."""
    callers = []
    authorization = request.headers.get("Authorization", "")
    if authorization:
        # An app's calls count against its token (never stored: a digest of it).
        digest = hashlib.sha256(authorization.encode()).hexdigest()[:32]
        callers.append(("person", f"token:{digest}"))
        application_id = _application_of(authorization)
        if application_id is not None:
            callers.append(("app", f"app:{application_id}"))
            return callers
    else:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            callers.append(("person", f"user:{user.pk}"))
    callers.append(("address", request.META.get("REMOTE_ADDR") or "unknown"))
    return callers


class RateLimitMiddleware:
    """Refuse, with 429 and Retry-After, a write or an expensive read past its limit; tell every
    counted request where it stands with RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        kind = request_kind(request)
        if kind is None or _suspended.get():
            return self.get_response(request)
        quotas = []
        for who, key in request_callers(request):
            limit, period = settings.RATE_LIMITS[f"{kind}:{who}"]
            quotas.append(ratelimit_count(f"{kind}:{who}", key, limit=limit, period=period))
        tightest = min(quotas, key=lambda quota: (quota.remaining, -quota.reset))
        if tightest.remaining < 0:
            exceeded = max((q for q in quotas if q.remaining < 0), key=lambda q: q.reset)
            quota = Quota(limit=exceeded.limit, remaining=0, reset=exceeded.reset)
            response = self.refuse(request, RateLimited(retry_after=quota.reset, limit=quota.limit))
        else:
            quota = tightest
            response = self.get_response(request)
        for name, value in quota.headers().items():
            response.headers.setdefault(name, value)
        return response

    def refuse(self, request: HttpRequest, error: RateLimited) -> HttpResponse:
        from perchoir.api.errors import error_body

        from .middleware import error_page

        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse(
                error_body(status=429, code=error.code, message=str(error.message)), status=429
            )
        else:
            response = error_page(request, error)
        for name, value in error.headers().items():
            response.headers[name] = value
        return response
