"""Personal access tokens over the API: the same services as the settings page."""

from datetime import datetime

from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema, Status

from perchoir.core.types import AuthenticatedRequest

from . import selectors, services
from .models import AccessToken
from .openapi import doc
from .scopes import DEFAULT_TOKEN_SCOPES, SCOPES, scopes_within

router = Router(tags=["tokens"])


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description=doc(_("The first characters of the token, to recognise it.")))
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    scopes: list[str] = Field(description=doc(_("What the token may do.")))

    @staticmethod
    def resolve_scopes(obj: AccessToken) -> list[str]:
        return obj.scopes.split()


class TokenCreateIn(Schema):
    name: str = Field(max_length=services.NAME_MAX_LENGTH)
    expires_at: datetime | None = Field(
        default=None, description=doc(_("Leave empty for a token that never expires."))
    )
    scopes: list[str] = Field(
        default=list(DEFAULT_TOKEN_SCOPES),
        max_length=len(SCOPES),
        description=doc(_("Its permissions, among read, write, follow, moderate and admin.")),
    )


class TokenCreatedOut(TokenOut):
    token: str = Field(description=doc(_("The secret, shown this once and never again.")))


@router.get("", response=list[TokenOut], summary=doc(_("List my personal access tokens")))
def token_list(request: AuthenticatedRequest) -> object:
    return selectors.access_token_list(user=request.user)


@router.post(
    "",
    response={201: TokenCreatedOut},
    summary=doc(_("Create a personal access token")),
    description=doc(_("The secret is in the answer's `token` field; it is shown only once.")),
)
def token_create(request: AuthenticatedRequest, payload: TokenCreateIn) -> object:
    scopes_within(requested=payload.scopes, granted=getattr(request, "token_scopes", None))
    token, secret = services.access_token_create(
        user=request.user, name=payload.name, expires_at=payload.expires_at, scopes=payload.scopes
    )
    token.token = secret  # type: ignore[attr-defined]
    return Status(201, token)


@router.delete("/{token_id}", response={204: None}, summary=doc(_("Revoke a token")))
def token_revoke(request: AuthenticatedRequest, token_id: int) -> object:
    services.access_token_revoke(user=request.user, token_id=token_id)
    return Status(204, None)
