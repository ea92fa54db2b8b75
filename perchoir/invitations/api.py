"""Invitations through the API: the same services and selectors as the pages."""

from datetime import datetime
from typing import Any, cast

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from perchoir.accounts.models import User
from perchoir.api.errors import ErrorOut
from perchoir.api.pagination import NewestFirst
from perchoir.core.errors import NotFound
from perchoir.core.selectors import site_settings_get
from perchoir.core.services import site_settings_update
from perchoir.core.types import AuthenticatedRequest

from . import selectors, services
from .models import InviteLink, InviteRequest, InviteRequestStatus, PendingInvitation
from .permissions import can_change_site_rules

router = Router(tags=["invitations"])


class InvitationPersonOut(Schema):
    id: int
    handle: str
    display_name: str


class SiteInviteLinkOut(Schema):
    id: int
    code: str
    url: str
    note: str
    max_uses: int
    uses_count: int
    status: str
    expires_at: datetime
    revoked_at: datetime | None
    created_at: datetime
    joined: list[InvitationPersonOut]

    @staticmethod
    def resolve_url(obj: InviteLink) -> str:
        return services.invite_link_url(obj)

    @staticmethod
    def resolve_status(obj: InviteLink) -> str:
        return str(obj.status().value)

    @staticmethod
    def resolve_joined(obj: InviteLink) -> list[User]:
        return list(obj.joined_users.all())


class InviteLinkCreateIn(Schema):
    note: str = ""
    days: int
    max_uses: int = 1


class InviteRequestIn(Schema):
    email: str
    message: str


class ReceiptOut(Schema):
    detail: str


class InviteRequestOut(Schema):
    id: int
    email: str
    message: str
    language: str
    status: str
    created_at: datetime
    decided_at: datetime | None
    decided_by: InvitationPersonOut | None
    invite_link_id: int | None


class PendingInvitationOut(Schema):
    id: int
    address: str
    address_kind: str
    message: str
    target_kind: str
    status: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    claimed_at: datetime | None
    claimed_by: InvitationPersonOut | None

    @staticmethod
    def resolve_status(obj: PendingInvitation) -> str:
        return str(obj.status().value)


class PendingInvitationIn(Schema):
    address: str
    message: str = ""


class RulesOut(Schema):
    mode: str
    members_may_invite: bool
    invite_quota: int
    invite_max_days: int
    invite_max_uses: int


class RulesPatchIn(Schema):
    mode: str | None = None
    members_may_invite: bool | None = None
    invite_quota: int | None = None
    invite_max_days: int | None = None
    invite_max_uses: int | None = None


class TreeNodeOut(Schema):
    id: int
    handle: str
    display_name: str
    invited_by_id: int | None
    joined_at: datetime
    joined_via_code: str | None
    depth: int


@router.get(
    "/links", response=list[SiteInviteLinkOut], summary="List my invite links, newest first"
)
@paginate(NewestFirst)
def link_list(request: AuthenticatedRequest) -> Any:
    return selectors.invite_link_list_for_user(user=request.user)


@router.post(
    "/links",
    response={201: SiteInviteLinkOut, 400: ErrorOut, 403: ErrorOut, 429: ErrorOut},
    summary="Create an invite link",
)
def link_create(request: AuthenticatedRequest, payload: InviteLinkCreateIn) -> Any:
    link = services.invite_link_create(
        user=request.user, note=payload.note, days=payload.days, max_uses=payload.max_uses
    )
    return Status(201, link)


@router.delete(
    "/links/{link_id}", response={204: None, 404: ErrorOut}, summary="Revoke an invite link"
)
def link_revoke(request: AuthenticatedRequest, link_id: int) -> Any:
    services.invite_link_revoke(user=request.user, link_id=link_id)
    return Status(204, None)


@router.get(
    "/pending",
    response=list[PendingInvitationOut],
    summary="List my invitations to people who are not here yet, newest first",
)
@paginate(NewestFirst)
def pending_list(request: AuthenticatedRequest) -> Any:
    return selectors.pending_invitation_list_for_user(user=request.user)


@router.post(
    "/pending",
    response={
        200: PendingInvitationOut,
        201: PendingInvitationOut,
        400: ErrorOut,
        403: ErrorOut,
        429: ErrorOut,
    },
    summary="Invite an email address or provider:username (200: one was already waiting)",
)
def pending_create(request: AuthenticatedRequest, payload: PendingInvitationIn) -> Any:
    before = timezone.now()
    invitation = services.pending_invitation_create(
        inviter=request.user, address=payload.address, message=payload.message
    )
    return Status(200 if invitation.created_at < before else 201, invitation)


class PendingAcceptIn(Schema):
    token: str = Field(max_length=200, description="The token at the end of the emailed link.")


class PendingAcceptedOut(Schema):
    invitation: PendingInvitationOut
    landing_url: str | None = Field(description="Where the invitation leads: open it next.")


@router.post(
    "/pending/accept",
    response={200: PendingAcceptedOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Accept, as myself, an emailed invitation to a conversation or a collection",
)
def pending_accept(request: AuthenticatedRequest, payload: PendingAcceptIn) -> Any:
    invitation = services.pending_invitation_accept_as_member(
        user=request.user, token=payload.token
    )
    landing = services.pending_invitation_landing_url([invitation])
    return {
        "invitation": invitation,
        "landing_url": request.build_absolute_uri(landing) if landing else None,
    }


@router.delete(
    "/pending/{invitation_id}",
    response={204: None, 404: ErrorOut, 409: ErrorOut},
    summary="Revoke a waiting invitation",
)
def pending_revoke(request: AuthenticatedRequest, invitation_id: int) -> Any:
    services.pending_invitation_revoke(user=request.user, invitation_id=invitation_id)
    return Status(204, None)


@router.post(
    "/requests",
    auth=None,
    response={202: ReceiptOut, 400: ErrorOut, 403: ErrorOut, 429: ErrorOut},
    summary="Request an invitation (no account needed, invite-only sites)",
)
def request_create(request: HttpRequest, payload: InviteRequestIn) -> Any:
    services.invite_request_create(
        viewer=request.user,
        email=payload.email,
        message=payload.message,
        language=getattr(request, "LANGUAGE_CODE", "") or "en",
        client_key=request.META.get("REMOTE_ADDR") or "unknown",
    )
    receipt = _(
        "Thank you. The administrators will read your request; you will hear from them by "
        "email, whatever they decide."
    )
    return Status(202, {"detail": receipt})


@router.get(
    "/requests",
    response={200: list[InviteRequestOut], 404: ErrorOut},
    summary="List invitation requests (administrators), newest first",
)
@paginate(NewestFirst)
def request_list(request: AuthenticatedRequest, status: InviteRequestStatus | None = None) -> Any:
    requests = selectors.invite_request_list(viewer=request.user)
    return requests.filter(status=status) if status else requests


@router.post(
    "/requests/{request_id}/approve",
    response={200: InviteRequestOut, 404: ErrorOut, 409: ErrorOut},
    summary="Approve a request: a one-use invite link is emailed to the requester",
)
def request_approve(request: AuthenticatedRequest, request_id: int) -> InviteRequest:
    return services.invite_request_approve(actor=request.user, request_id=request_id)


@router.post(
    "/requests/{request_id}/decline",
    response={200: InviteRequestOut, 404: ErrorOut, 409: ErrorOut},
    summary="Decline a request: the requester is told by email",
)
def request_decline(request: AuthenticatedRequest, request_id: int) -> InviteRequest:
    return services.invite_request_decline(actor=request.user, request_id=request_id)


@router.get(
    "/rules", response={200: RulesOut, 404: ErrorOut}, summary="Sign-up mode and invitation rules"
)
def rules_get(request: AuthenticatedRequest) -> Any:
    if not can_change_site_rules(request.user):
        raise NotFound()
    return site_settings_get()


@router.patch(
    "/rules",
    response={200: RulesOut, 400: ErrorOut, 404: ErrorOut},
    summary="Change the sign-up mode and invitation rules (administrators)",
)
def rules_update(request: AuthenticatedRequest, payload: RulesPatchIn) -> Any:
    return site_settings_update(actor=request.user, **payload.dict(exclude_unset=True))


@router.get(
    "/tree",
    response={200: list[TreeNodeOut], 404: ErrorOut},
    summary="Who invited whom (moderators), depth first",
)
def tree(request: AuthenticatedRequest) -> Any:
    return [
        {
            "id": entry.user.id,
            "handle": entry.user.handle,
            "display_name": entry.user.display_name,
            "invited_by_id": entry.user.invited_by_id,
            "joined_at": entry.user.date_joined,
            "joined_via_code": cast(Any, entry.user.joined_via).code
            if entry.user.joined_via_id
            else None,
            "depth": entry.depth,
        }
        for entry in selectors.invite_tree(viewer=request.user)
    ]
