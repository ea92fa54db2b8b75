"""Who is calling the API: the site's own pages (session + CSRF), a personal access token, or a
third-party application's OAuth access token — and, for tokens, whether it may do this."""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from .errors import CsrfFailed
from .scopes import scope_check
from .services import access_token_authenticate


def bearer_authenticate(token: str) -> tuple[Any, frozenset[str]] | None:
    """The person a personal access token or an application's token acts for, and its scopes."""
    found = access_token_authenticate(token=token)
    if found is None:
        from perchoir.oauth.services import oauth_token_authenticate

        found = oauth_token_authenticate(token=token)
    return found


class AccessTokenAuth(HttpBearer):
    """Authorization: Bearer <token>. No CSRF: a token is not sent by the browser on its own.
    A token that may not do this operation gets 403 with the permission it lacks."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = bearer_authenticate(token.strip())
        if found is None:
            return None
        user, scopes = found
        if getattr(user, "sanction_locked_out", False):
            # Suspended or banned: the token's reads are refused like its writes, with the
            # reason; the statements of reasons (and appealing) stay open.
            from perchoir.moderation.middleware import ALLOWED_PREFIXES, sanction_refusal

            refusal = sanction_refusal(user=user)
            if refusal is not None and not request.path.startswith(ALLOWED_PREFIXES):
                raise refusal
        request.user = user
        request.token_scopes = scopes  # type: ignore[attr-defined]
        scope_check(
            granted=scopes, method=request.method or "GET", path=request.path, role=user.role
        )
        return user


class ActiveSessionAuth(SessionAuth):
    """The session cookie of an active person, with the CSRF token checked as for any form."""

    def __init__(self) -> None:
        # CSRF is checked below, and only once we know the session belongs to someone: an
        # anonymous caller gets 401, not a confusing CSRF error.
        super().__init__(csrf=False)

    def __call__(self, request: HttpRequest) -> Any:
        if "authorization" in request.headers:
            # A request that carries a token is judged by its token alone.
            return None
        user = request.user
        if not (user.is_authenticated and user.is_active):
            return None
        csrf_exempt = getattr(request, "_ninja_csrf_exempt", False)
        if not csrf_exempt and check_csrf(request) is not None:
            raise CsrfFailed()
        return user


# Tokens first: a bearer request carries no session and needs no CSRF token.
AUTHENTICATED = [AccessTokenAuth(), ActiveSessionAuth()]


class AnonymousReader:
    """The last authentication callback of reads the site allows without signing in.

    Without credentials the caller reads as an anonymous visitor; a token that is wrong stays a
    401 (a script must not silently lose access to the private things it reads).
    """

    def __call__(self, request: HttpRequest) -> object:
        if "authorization" in request.headers:
            return None
        return AnonymousUser()


# A token or a session when there is one (so private things show), anonymous otherwise.
OPTIONAL = [*AUTHENTICATED, AnonymousReader()]
# OpenAPI's way of saying "authentication is optional": an empty requirement among the others.
OPTIONAL_SECURITY: dict[str, Any] = {"security": [{}]}
