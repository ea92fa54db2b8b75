from datetime import datetime

from ninja import Router, Schema

from perchoir.core.types import AuthenticatedRequest

from . import selectors, services
from .errors import ErrorOut

router = Router(tags=["tokens"])


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None


class TokenCreateIn(Schema):
    name: str
    expires_at: datetime | None = None


class TokenCreatedOut(TokenOut):
    token: str


@router.get("", response=list[TokenOut], summary="List my personal access tokens")
def token_list(request: AuthenticatedRequest) -> object:
    return selectors.access_token_list(user=request.user)


@router.post(
    "",
    response={201: TokenCreatedOut, 400: ErrorOut},
    summary="Create a personal access token (its secret is shown once)",
)
def token_create(request: AuthenticatedRequest, payload: TokenCreateIn) -> object:
    token, secret = services.access_token_create(
        user=request.user, name=payload.name, expires_at=payload.expires_at
    )
    token.token = secret  # type: ignore[attr-defined]
    return 201, token


@router.delete("/{token_id}", response={204: None, 404: ErrorOut}, summary="Revoke a token")
def token_revoke(request: AuthenticatedRequest, token_id: int) -> object:
    services.access_token_revoke(user=request.user, token_id=token_id)
    return 204, None
