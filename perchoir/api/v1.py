"""The /api/v1 instance: each app adds its router; the OpenAPI document is built from them."""

from typing import Any

from django.urls import URLPattern, URLResolver, re_path
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema

from .auth import AUTHENTICATED
from .errors import install_error_handlers, json_error_view, not_found_view
from .openapi import PerchoirOpenAPISchema


class PerchoirAPI(NinjaAPI):
    """NinjaAPI whose every answer, even for a wrong method or path, is in our error format."""

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls = super()._get_urls()
        for pattern in urls:
            if not isinstance(pattern, URLPattern):
                continue
            if pattern.name == "api-root":
                # ninja's root view raises a bare Http404 (Django's HTML page): answer in JSON.
                pattern.callback = not_found_view(self)
            elif pattern.name == "openapi-json":
                pattern.callback = json_error_view(self, pattern.callback, only=("GET", "HEAD"))
            else:
                pattern.callback = json_error_view(self, pattern.callback)
        urls.append(re_path(r"^.*$", not_found_view(self), name="not-found"))
        return urls

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return PerchoirOpenAPISchema(self, path_prefix)


api = PerchoirAPI(
    title="Perchoir API",
    version="1",
    description=_(
        "Everything the site does, its API does. Authenticate with a personal access token "
        "(Authorization: Bearer …) or, from the site's own pages, the session cookie and the "
        'CSRF token. Every failure answers {"error": {"code", "message", "fields"}}.'
    ),  # type: ignore[arg-type]
    auth=AUTHENTICATED,
    urls_namespace="api",
    docs_url=None,
)
install_error_handlers(api)


def _add_routers() -> None:
    from perchoir.accounts.api import router as accounts_router
    from perchoir.api.tokens import router as tokens_router
    from perchoir.collections.api import router as collections_router
    from perchoir.conversations.api import router as conversations_router
    from perchoir.discovery.api import router as discovery_router
    from perchoir.follows.api import router as follows_router
    from perchoir.invitations.api import router as invitations_router
    from perchoir.links.api import router as links_router
    from perchoir.moderation.api import router as moderation_router
    from perchoir.notifications.api import router as notifications_router
    from perchoir.oauth.api import router as oauth_router
    from perchoir.privacy.api import router as privacy_router

    api.add_router("/", accounts_router)
    api.add_router("/tokens", tokens_router)
    api.add_router("/invitations", invitations_router)
    api.add_router("/", follows_router)
    api.add_router("/conversations", conversations_router)
    api.add_router("/notifications", notifications_router)
    api.add_router("/links", links_router)
    api.add_router("/", oauth_router)
    api.add_router("/collections", collections_router)
    api.add_router("/moderation", moderation_router)
    api.add_router("/me/data", privacy_router)
    api.add_router("/", discovery_router)


_add_routers()
