"""The /api/v1 instance: each app adds its router; the OpenAPI document is built from them."""

from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI

from .auth import AUTHENTICATED
from .errors import install_error_handlers

api = NinjaAPI(
    title="Perchoir API",
    version="1",
    description=str(
        _(
            "Everything the site does, its API does. Authenticate with a personal access token "
            "(Authorization: Bearer …) or, from the site's own pages, the session cookie and the "
            'CSRF token. Every failure answers {"error": {"code", "message", "fields"}}.'
        )
    ),
    auth=AUTHENTICATED,
    urls_namespace="api",
    docs_url=None,
)
install_error_handlers(api)


def _add_routers() -> None:
    from perchoir.accounts.api import router as accounts_router
    from perchoir.api.tokens import router as tokens_router
    from perchoir.invitations.api import router as invitations_router

    api.add_router("/", accounts_router)
    api.add_router("/tokens", tokens_router)
    api.add_router("/invitations", invitations_router)


_add_routers()
