"""Reads about invitations; each takes the viewer and hides what they may not see."""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Case, F, IntegerField, Prefetch, Q, QuerySet, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from perchoir.accounts.models import User
from perchoir.core.errors import NotFound

from .models import (
    InviteLink,
    InviteRequest,
    InviteRequestStatus,
    PendingInvitation,
    PendingInvitationAddressKind,
)
from .permissions import (
    can_review_invite_requests,
    can_revoke_invite_link,
    can_view_invite_tree,
)


def _usable_q(now: datetime) -> Q:
    return Q(revoked_at__isnull=True, expires_at__gt=now, uses_count__lt=F("max_uses"))


def invite_link_list_for_user(*, user: User) -> QuerySet[InviteLink]:
    """The person's own links, newest first, with who joined through each."""
    joined = User.objects.select_related("avatar").order_by("date_joined", "id")
    return (
        InviteLink.objects.filter(created_by=user)
        .prefetch_related(Prefetch("joined_users", queryset=joined))
        .order_by("-created_at", "-id")
    )


def invite_link_get_by_code(*, code: str) -> InviteLink:
    link = InviteLink.objects.select_related("created_by__avatar").filter(code=code).first()
    if link is None:
        raise NotFound(
            _("This invite link does not exist. Check that you copied the whole address.")
        )
    return link


def invite_link_get_for_revoke(*, user: User, link_id: int) -> InviteLink:
    link = InviteLink.objects.filter(id=link_id).first()
    if link is None or not can_revoke_invite_link(user, link):
        raise NotFound(_("This invite link does not exist, or it is not yours."))
    return link


def invite_seats_held(*, user: User, now: datetime | None = None) -> int:
    """Seats of the person's quota in use: every seat of a usable link, taken seats otherwise,
    and one seat per waiting or claimed invitation (expired and revoked ones give it back)."""
    now = now or timezone.now()
    total = InviteLink.objects.filter(created_by=user).aggregate(
        seats=Sum(
            Case(
                When(_usable_q(now), then=F("max_uses")),
                default=F("uses_count"),
                output_field=IntegerField(),
            )
        )
    )["seats"]
    invitations = PendingInvitation.objects.filter(
        Q(claimed_at__isnull=False) | _waiting_q(now), inviter=user
    ).count()
    return int(total or 0) + invitations


# --- Invitations waiting for people who are not here yet --------------------------------------


def _waiting_q(now: datetime) -> Q:
    return Q(claimed_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)


def pending_invitation_for_identity(provider: str, username: str) -> PendingInvitation | None:
    """The oldest waiting invitation addressed to `provider:username`, or None.

    Used at sign-in through a provider: on an invite-only site it lets that person sign up.
    """
    provider = provider.strip().lower()
    username = username.strip().lower()
    if not provider or not username:
        return None
    return (
        PendingInvitation.objects.select_related("inviter")
        .filter(
            _waiting_q(timezone.now()),
            address_kind=PendingInvitationAddressKind.IDENTITY,
            provider=provider,
            username=username,
        )
        .order_by("created_at", "id")
        .first()
    )


def pending_invitation_get_by_token(*, token: str) -> PendingInvitation | None:
    """The invitation whose email link carries `token`, whatever its state, or None."""
    if not token:
        return None
    return (
        PendingInvitation.objects.select_related("inviter__avatar")
        .filter(token_hash=hashlib.sha256(token.encode()).hexdigest())
        .first()
    )


def pending_invitations_matching(
    *, provider: str | None = None, username: str | None = None, email: str | None = None
) -> QuerySet[PendingInvitation]:
    """Waiting invitations addressed to this identity or this email address, oldest first."""
    match = Q(pk__in=[])
    if provider and username:
        match |= Q(
            address_kind=PendingInvitationAddressKind.IDENTITY,
            provider=provider.strip().lower(),
            username=username.strip().lower(),
        )
    if email and email.strip():
        match |= Q(address_kind=PendingInvitationAddressKind.EMAIL, email__iexact=email.strip())
    return (
        PendingInvitation.objects.filter(match)
        .filter(_waiting_q(timezone.now()))
        .order_by("created_at", "id")
    )


def pending_invitation_list_for_user(*, user: User) -> QuerySet[PendingInvitation]:
    """The person's own invitations, newest first, with who claimed each."""
    return (
        PendingInvitation.objects.filter(inviter=user)
        .select_related("claimed_by__avatar")
        .order_by("-created_at", "-id")
    )


def pending_invitation_get_for_revoke(*, user: User, invitation_id: int) -> PendingInvitation:
    invitation = PendingInvitation.objects.filter(id=invitation_id, inviter_id=user.id).first()
    if invitation is None:
        raise NotFound(_("This invitation does not exist, or it is not yours."))
    return invitation


@dataclass
class TreeEntry:
    """One person in the invite tree, in depth-first order, with how to close the nesting."""

    user: User
    depth: int
    has_children: bool
    closes: int

    @property
    def closes_range(self) -> range:
        return range(self.closes)


def invite_tree(*, viewer: Any) -> list[TreeEntry]:
    """Who invited whom, depth first; people who joined without an inviter are the roots.

    One query whatever the number of people: the tree is assembled in memory.
    """
    if not can_view_invite_tree(viewer):
        raise NotFound()
    people = list(User.objects.select_related("joined_via", "avatar").order_by("date_joined", "id"))
    known = {person.id for person in people}
    children: dict[int | None, list[User]] = {}
    for person in people:
        parent = person.invited_by_id if person.invited_by_id in known else None
        if parent == person.id:
            parent = None
        children.setdefault(parent, []).append(person)

    order: list[tuple[User, int]] = []
    seen: set[int] = set()
    stack: list[tuple[User, int]] = [(p, 0) for p in reversed(children.get(None, []))]
    while stack:
        person, depth = stack.pop()
        if person.id in seen:  # a cycle in hand-edited data: show each person once
            continue
        seen.add(person.id)
        order.append((person, depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(person.id, [])))
    # People caught in a cycle with no way to a root are shown at the root.
    for person in people:
        if person.id not in seen:
            seen.add(person.id)
            order.append((person, 0))

    entries: list[TreeEntry] = []
    for index, (person, depth) in enumerate(order):
        next_depth = order[index + 1][1] if index + 1 < len(order) else 0
        has_children = next_depth > depth
        entries.append(
            TreeEntry(
                user=person,
                depth=depth,
                has_children=has_children,
                closes=0 if has_children else depth - next_depth,
            )
        )
    return entries


def invite_request_list(*, viewer: Any) -> QuerySet[InviteRequest]:
    """Requests for administrators: pending first, then newest first."""
    if not can_review_invite_requests(viewer):
        raise NotFound()
    return (
        InviteRequest.objects.select_related("decided_by", "invite_link")
        .annotate(
            pending_first=Case(
                When(status=InviteRequestStatus.PENDING, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("pending_first", "-created_at", "-id")
    )


def invite_request_pending_count() -> int:
    return InviteRequest.objects.filter(status=InviteRequestStatus.PENDING).count()
