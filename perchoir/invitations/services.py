"""Who may join the site: the founder link, invite links, sign-up, invitation requests."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from perchoir.accounts.models import Role, User
from perchoir.core.email import email_send
from perchoir.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from perchoir.core.models import SiteMode, SiteSettings
from perchoir.core.ratelimit import ratelimit_hit
from perchoir.core.selectors import site_settings_get

from .models import InviteLink, InviteLinkStatus, InviteRequest, InviteRequestStatus
from .permissions import (
    can_create_invite_link,
    can_request_invitation,
    can_review_invite_requests,
    invite_quota_applies,
)
from .selectors import invite_link_get_for_revoke, invite_seats_held

INVITE_NOTE_MAX_LENGTH = 120
INVITE_REQUEST_MESSAGE_MAX_LENGTH = 1000
# Creating links is cheap; creating hundreds is spam.
INVITE_LINK_CREATE_LIMIT = 30
INVITE_LINK_CREATE_PERIOD = 3600
INVITE_REQUEST_LIMIT = 5
INVITE_REQUEST_PERIOD = 3600


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- The founder link -----------------------------------------------------------------------


def founder_link_issue() -> str | None:
    """A fresh one-time founder link while no account exists; None once someone has joined.

    Each call replaces the previous link, so a link printed by an earlier start stops working.
    """
    site = site_settings_get()
    if User.objects.exists():
        if site.founder_token_hash:
            site.founder_token_hash = ""
            site.save(update_fields=["founder_token_hash", "updated_at"])
        return None
    token = secrets.token_urlsafe(32)
    site.founder_token_hash = token_digest(token)
    site.save(update_fields=["founder_token_hash", "updated_at"])
    return settings.SITE_URL + reverse("invitations:founder", kwargs={"token": token})


FOUNDER_SESSION_KEY = "perchoir_founder_token"
INVITE_SESSION_KEY = "perchoir_invite_code"


def founder_token_is_valid(token: str) -> bool:
    site = site_settings_get()
    return (
        bool(token)
        and bool(site.founder_token_hash)
        and secrets.compare_digest(site.founder_token_hash, token_digest(token))
        and not User.objects.exists()
    )


# --- Invite links ---------------------------------------------------------------------------


def invite_link_url(link: InviteLink) -> str:
    return settings.SITE_URL + reverse("invitations:join", kwargs={"code": link.code})


def invite_link_unusable_message(status: InviteLinkStatus) -> str:
    messages = {
        InviteLinkStatus.EXPIRED: _("This invite link has expired."),
        InviteLinkStatus.USED_UP: _("This invite link has been used as many times as it allows."),
        InviteLinkStatus.REVOKED: _("This invite link has been revoked by the person who made it."),
    }
    return messages.get(status, _("This invite link cannot be used."))


@transaction.atomic
def invite_link_create(*, user: User, note: str = "", days: int, max_uses: int) -> InviteLink:
    """A new invite link of `user`, valid `days` days for up to `max_uses` people."""
    site = site_settings_get()
    if not can_create_invite_link(user, site):
        raise Forbidden(_("On this site, only moderators and administrators create invite links."))
    errors: dict[str, list[str]] = {}
    note = note.strip()
    if len(note) > INVITE_NOTE_MAX_LENGTH:
        errors["note"] = [
            _("Keep the note under %(max)d characters.") % {"max": INVITE_NOTE_MAX_LENGTH}
        ]
    if not 1 <= days <= site.invite_max_days:
        errors["days"] = [
            ngettext(
                "Choose between 1 and %(max)d day.",
                "Choose between 1 and %(max)d days.",
                site.invite_max_days,
            )
            % {"max": site.invite_max_days}
        ]
    if not 1 <= max_uses <= site.invite_max_uses:
        errors["max_uses"] = [
            ngettext(
                "Choose between 1 and %(max)d person.",
                "Choose between 1 and %(max)d people.",
                site.invite_max_uses,
            )
            % {"max": site.invite_max_uses}
        ]
    if errors:
        raise InvalidInput(fields=errors)
    ratelimit_hit(
        "invite-link-create",
        str(user.id),
        limit=INVITE_LINK_CREATE_LIMIT,
        period=INVITE_LINK_CREATE_PERIOD,
    )
    if invite_quota_applies(user):
        # One creation at a time per person, so two quick clicks cannot overdraw the quota.
        User.objects.select_for_update().filter(id=user.id).first()
        held = invite_seats_held(user=user)
        left = max(0, site.invite_quota - held)
        if max_uses > left:
            if left == 0:
                message = _(
                    "You have used all your invitations (%(quota)d). Seats of links that "
                    "expire or that you revoke unused come back to you."
                ) % {"quota": site.invite_quota}
            else:
                message = ngettext(
                    "You have %(left)d invitation left: lower the number of people.",
                    "You have %(left)d invitations left: lower the number of people.",
                    left,
                ) % {"left": left}
            raise InvalidInput(message, fields={"max_uses": [message]})
    return InviteLink.objects.create(
        code=secrets.token_urlsafe(16),
        created_by=user,
        note=note,
        max_uses=max_uses,
        expires_at=timezone.now() + timedelta(days=days),
    )


def invite_link_revoke(*, user: User, link_id: int) -> InviteLink:
    """Stop a link; people who already joined through it keep their accounts."""
    link = invite_link_get_for_revoke(user=user, link_id=link_id)
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
    return link


# --- Sign-up --------------------------------------------------------------------------------


def signup_is_open(*, founder_token: str | None, invite_code: str | None) -> bool:
    """Whether the sign-up form may be shown to someone holding these (from their session)."""
    if founder_token and founder_token_is_valid(founder_token):
        return True
    site = site_settings_get()
    if site.mode == SiteMode.OPEN:
        return True
    if site.mode == SiteMode.CLOSED:
        return False
    if not invite_code:
        return False
    link = InviteLink.objects.filter(code=invite_code).first()
    return link is not None and link.is_usable()


@transaction.atomic
def signup_user_save(
    *, user: User, founder_token: str | None = None, invite_code: str | None = None
) -> User:
    """Save a new account as the site's rules allow, in one transaction.

    The founder becomes the administrator and the founder link stops working. On an invite-only
    site the invite link is locked, checked again and counted, so that its last seat goes to
    one person only: the other gets a clear error and no account.
    """
    if founder_token:
        site_settings_get()
        site = SiteSettings.objects.select_for_update().get(id=1)
        if founder_token_is_valid(founder_token):
            user.role = Role.ADMIN
            user.is_superuser = True
            user.save()
            site.founder_token_hash = ""
            site.save(update_fields=["founder_token_hash", "updated_at"])
            return user
        if site.mode != SiteMode.OPEN:
            raise Conflict(_("This founder link has expired or has already been used."))
        # On an open site, a stale founder link is just an ordinary sign-up.

    site = site_settings_get()
    if site.mode == SiteMode.CLOSED:
        raise Forbidden(_("This site is not accepting new accounts."))
    link = None
    if invite_code:
        link = InviteLink.objects.select_for_update().filter(code=invite_code).first()
    if site.mode == SiteMode.INVITE_ONLY:
        if link is None:
            raise Forbidden(_("This site is invite-only: you need an invite link to join."))
        status = link.status()
        if status != InviteLinkStatus.ACTIVE:
            raise Conflict(
                _("%(reason)s Your account was not created; ask for a new link.")
                % {"reason": invite_link_unusable_message(status)}
            )
    if link is not None and link.is_usable():
        user.invited_by_id = link.created_by_id
        user.joined_via = link
        user.save()
        link.uses_count += 1
        link.save(update_fields=["uses_count"])
    else:
        user.save()
    return user


# --- Invitation requests --------------------------------------------------------------------


def invite_request_create(
    *, viewer: object, email: str, message: str, language: str, client_key: str
) -> InviteRequest:
    """Ask for an invitation. A second pending request from the same address is the same one.

    The answer is the same whether or not the address has an account: nothing is revealed.
    """
    site = site_settings_get()
    if not can_request_invitation(viewer, site):
        if getattr(viewer, "is_authenticated", False):
            raise Forbidden(_("You already have an account."))
        raise Forbidden(_("This site is not taking invitation requests."))
    email = email.strip()
    message = message.strip()
    errors: dict[str, list[str]] = {}
    if not email or "@" not in email or len(email) > 254:
        errors["email"] = [_("Enter a valid email address.")]
    if not message:
        errors["message"] = [_("Say a few words about yourself.")]
    elif len(message) > INVITE_REQUEST_MESSAGE_MAX_LENGTH:
        errors["message"] = [
            _("Keep your message under %(max)d characters.")
            % {"max": INVITE_REQUEST_MESSAGE_MAX_LENGTH}
        ]
    if errors:
        raise InvalidInput(fields=errors)
    ratelimit_hit(
        "invite-request", client_key, limit=INVITE_REQUEST_LIMIT, period=INVITE_REQUEST_PERIOD
    )
    pending = InviteRequest.objects.filter(email__iexact=email, status=InviteRequestStatus.PENDING)
    existing = pending.first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return InviteRequest.objects.create(
                email=email, message=message, language=language or settings.LANGUAGE_CODE
            )
    except IntegrityError:  # the same address, submitted twice at the same moment
        found = pending.first()
        if found is None:
            raise
        return found


def _invite_request_lock_pending(*, actor: User, request_id: int) -> InviteRequest:
    if not can_review_invite_requests(actor):
        raise NotFound()
    invite_request = InviteRequest.objects.select_for_update().filter(id=request_id).first()
    if invite_request is None:
        raise NotFound(_("This invitation request does not exist."))
    if invite_request.status == InviteRequestStatus.APPROVED:
        raise Conflict(_("This request has already been approved."))
    if invite_request.status == InviteRequestStatus.DECLINED:
        raise Conflict(_("This request has already been declined."))
    return invite_request


@transaction.atomic
def invite_request_approve(*, actor: User, request_id: int) -> InviteRequest:
    """Approve: a one-use invite link is made and emailed in the requester's language."""
    invite_request = _invite_request_lock_pending(actor=actor, request_id=request_id)
    site = site_settings_get()
    link = InviteLink.objects.create(
        code=secrets.token_urlsafe(16),
        created_by=actor,
        note=(_("Requested by %(email)s") % {"email": invite_request.email})[
            :INVITE_NOTE_MAX_LENGTH
        ],
        max_uses=1,
        expires_at=timezone.now() + timedelta(days=max(1, site.invite_max_days)),
    )
    invite_request.status = InviteRequestStatus.APPROVED
    invite_request.decided_by = actor
    invite_request.decided_at = timezone.now()
    invite_request.invite_link = link
    invite_request.save(update_fields=["status", "decided_by", "decided_at", "invite_link"])
    email_send(
        to=[invite_request.email],
        template="invite_request_approved",
        context={"link_url": invite_link_url(link), "days": max(1, site.invite_max_days)},
        language=invite_request.language,
    )
    return invite_request


@transaction.atomic
def invite_request_decline(*, actor: User, request_id: int) -> InviteRequest:
    """Decline politely, by email in the requester's language."""
    invite_request = _invite_request_lock_pending(actor=actor, request_id=request_id)
    invite_request.status = InviteRequestStatus.DECLINED
    invite_request.decided_by = actor
    invite_request.decided_at = timezone.now()
    invite_request.save(update_fields=["status", "decided_by", "decided_at"])
    email_send(
        to=[invite_request.email],
        template="invite_request_declined",
        context={},
        language=invite_request.language,
    )
    return invite_request
