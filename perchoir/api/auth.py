"""Who is calling the API: the site's own pages (session + CSRF) or a personal access token."""

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from .services import access_token_authenticate


class AccessTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = access_token_authenticate(token=token)
        if user is not None:
            request.user = user
        return user


class ActiveSessionAuth(SessionAuth):
    """Session cookie with CSRF checked, as for any form of the site."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        return user if user.is_authenticated and user.is_active else None


# Tokens first: a bearer request carries no session and needs no CSRF token.
AUTHENTICATED = [AccessTokenAuth(), ActiveSessionAuth(csrf=True)]
