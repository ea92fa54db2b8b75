"""Third-party applications over the API: the ones a person allowed, and a developer's own."""

from datetime import datetime

from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema, Status
from oauth2_provider.models import Application

from perchoir.api.errors import ErrorOut
from perchoir.api.openapi import doc
from perchoir.core.types import AuthenticatedRequest

from . import selectors, services
from .selectors import Authorization

router = Router(tags=["Applications"])


class AuthorizationOut(Schema):
    application_id: int
    name: str
    scopes: list[str]
    since: datetime

    @staticmethod
    def resolve_application_id(obj: Authorization) -> int:
        return obj.application.id

    @staticmethod
    def resolve_name(obj: Authorization) -> str:
        return obj.application.name


class ApplicationOut(Schema):
    id: int
    name: str
    client_id: str
    confidential: bool
    redirect_uris: list[str]
    created_at: datetime

    @staticmethod
    def resolve_confidential(obj: Application) -> bool:
        return obj.client_type == Application.CLIENT_CONFIDENTIAL

    @staticmethod
    def resolve_redirect_uris(obj: Application) -> list[str]:
        return obj.redirect_uris.split()

    @staticmethod
    def resolve_created_at(obj: Application) -> datetime:
        return obj.created


class ApplicationIn(Schema):
    name: str = Field(max_length=services.NAME_MAX_LENGTH)
    redirect_uris: list[str] = Field(max_length=services.REDIRECT_URIS_MAX)
    confidential: bool = Field(
        default=True,
        description=doc(_("A server that keeps a secret; false for apps on people's devices.")),
    )


class ApplicationCreatedOut(ApplicationOut):
    client_secret: str | None = Field(
        description=doc(_("Shown this once and never again; none for a public client."))
    )

    @staticmethod
    def resolve_client_secret(obj: Application) -> str | None:
        # The clear secret rides on the instance for this one answer; only its hash is stored.
        return getattr(obj, "clear_secret", None)


@router.get(
    "/me/applications",
    response=list[AuthorizationOut],
    summary=doc(_("Applications I allowed to act for me")),
)
def authorizations(request: AuthenticatedRequest) -> object:
    return selectors.oauth_authorizations_of(user=request.user)


@router.delete(
    "/me/applications/{application_id}",
    response={204: None, 404: ErrorOut},
    summary=doc(_("Take an application's access back")),
)
def authorization_revoke(request: AuthenticatedRequest, application_id: int) -> object:
    services.oauth_authorization_revoke(user=request.user, application_id=application_id)
    return Status(204, None)


@router.get(
    "/me/developer/applications",
    response=list[ApplicationOut],
    summary=doc(_("Applications I registered as a developer")),
)
def applications(request: AuthenticatedRequest) -> object:
    return selectors.oauth_applications_of_developer(developer=request.user)


@router.post(
    "/me/developer/applications",
    response={201: ApplicationCreatedOut, 400: ErrorOut, 429: ErrorOut},
    summary=doc(_("Register an application")),
    description=doc(
        _(
            "Its client id and, for a confidential client, its secret (shown once). People "
            "then authorise it at /oauth/authorize/ (authorization code with PKCE)."
        )
    ),
)
def application_register(request: AuthenticatedRequest, payload: ApplicationIn) -> object:
    registered = services.oauth_application_register(
        developer=request.user,
        name=payload.name,
        redirect_uris=payload.redirect_uris,
        confidential=payload.confidential,
    )
    application = registered.application
    application.clear_secret = registered.secret
    return Status(201, application)


@router.delete(
    "/me/developer/applications/{application_id}",
    response={204: None, 404: ErrorOut},
    summary=doc(_("Delete an application I registered")),
)
def application_delete(request: AuthenticatedRequest, application_id: int) -> object:
    services.oauth_application_delete(developer=request.user, application_id=application_id)
    return Status(204, None)
