"""Who may join the site: the founder link, invite links, sign-up, invitation requests."""

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from perchoir.accounts.identities import identity_list_for_user, people_by_identities
from perchoir.accounts.models import Role, User
from perchoir.core.email import email_send
from perchoir.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from perchoir.core.models import SiteMode, SiteSettings
from perchoir.core.ratelimit import ratelimit_hit
from perchoir.core.selectors import site_settings_get
from perchoir.follows.selectors import blocked_among, unblocked

from .models import (
    InviteLink,
    InviteLinkStatus,
    InviteRequest,
    InviteRequestStatus,
    PendingInvitation,
    PendingInvitationAddressKind,
    PendingInvitationStatus,
    PendingInvitationTargetKind,
)
from .permissions import (
    can_create_invite_link,
    can_request_invitation,
    can_review_invite_requests,
    invite_quota_applies,
)
from .selectors import (
    invite_link_get_for_revoke,
    invite_seats_held,
    pending_invitation_get_by_token,
    pending_invitation_get_for_revoke,
    pending_invitations_matching,
)

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


def signup_is_open(
    *, founder_token: str | None, invite_code: str | None, pending_token: str | None = None
) -> bool:
    """Whether the sign-up form may be shown to someone holding these (from their session):
    the founder token, an invite link's code, the token of an emailed invitation."""
    if founder_token and founder_token_is_valid(founder_token):
        return True
    site = site_settings_get()
    if site.mode == SiteMode.OPEN:
        return True
    if site.mode == SiteMode.CLOSED:
        return False
    if pending_token:
        invitation = pending_invitation_get_by_token(token=pending_token)
        if invitation is not None and invitation.is_waiting():
            return True
    if not invite_code:
        return False
    link = InviteLink.objects.filter(code=invite_code).first()
    return link is not None and link.is_usable()


@transaction.atomic
def signup_user_save(
    *,
    user: User,
    founder_token: str | None = None,
    invite_code: str | None = None,
    pending_token: str | None = None,
) -> User:
    """Save a new account as the site's rules allow, in one transaction.

    The founder becomes the administrator and the founder link stops working. On an invite-only
    site the invite link is locked, checked again and counted, so that its last seat goes to
    one person only: the other gets a clear error and no account. An emailed invitation's token
    works like a one-use link: it is claimed by the new account.
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
    invitation = None
    if pending_token:
        invitation = (
            PendingInvitation.objects.select_for_update()
            .filter(token_hash=token_digest(pending_token))
            .first()
        )
        if invitation is not None and not invitation.is_waiting():
            if site.mode == SiteMode.INVITE_ONLY and not invite_code:
                raise Conflict(
                    _(
                        "This invitation has already been used, has expired or was withdrawn. "
                        "Your account was not created; ask for a new invitation."
                    )
                )
            invitation = None
    if invitation is not None:
        user.save()
        _pending_invitations_mark_claimed(user=user, invitations=[invitation])
        return user
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


# --- Invitations waiting for people who are not here yet --------------------------------------

PENDING_INVITATION_MESSAGE_MAX_LENGTH = 1000
PENDING_INVITATION_CREATE_LIMIT = 30
PENDING_INVITATION_CREATE_PERIOD = 3600
PENDING_INVITE_SESSION_KEY = "perchoir_pending_invitation_token"
# A provider's username: letters, digits and the few signs providers allow (no spaces, no ':').
IDENTITY_USERNAME_PATTERN = re.compile(r"^[\w.@+-]{1,150}$")
PROVIDER_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def known_provider_ids() -> list[str]:
    """The sign-in providers of this site, by allauth provider id (OIDC: its configured id),
    from the settings and from the applications added in the admin; sorted."""
    ids: set[str] = set()
    for key, config in (getattr(settings, "SOCIALACCOUNT_PROVIDERS", None) or {}).items():
        if key == "openid_connect":
            ids.update(app["provider_id"] for app in (config or {}).get("APPS", []))
        else:
            ids.add(key)
    for provider, provider_id in SocialApp.objects.values_list("provider", "provider_id"):
        ids.add(provider_id or provider)
    return sorted(ids)


@dataclass(frozen=True)
class InvitationAddress:
    kind: PendingInvitationAddressKind
    email: str = ""
    provider: str = ""
    username: str = ""


def pending_invitation_address_parse(address: str) -> InvitationAddress:
    """An email address or `provider:username`, checked; InvalidInput with a clear message."""
    address = address.strip()
    field = "address"
    if not address:
        raise InvalidInput.for_field(
            field, _("Write an email address or provider:username, for example github:octocat.")
        )
    if ":" in address:
        provider, _sep, username = address.partition(":")
        provider = provider.strip().lower()
        username = username.strip().lstrip("@").lower()
        if not PROVIDER_ID_PATTERN.match(provider) or not IDENTITY_USERNAME_PATTERN.match(username):
            raise InvalidInput.for_field(
                field,
                _(
                    "Write the account as provider:username, for example github:octocat, "
                    "without spaces."
                ),
            )
        known = known_provider_ids()
        if provider not in known:
            if known:
                message = _(
                    "“%(provider)s” is not a sign-in provider of this site. Known providers: "
                    "%(known)s."
                ) % {"provider": provider, "known": ", ".join(known)}
            else:
                message = _(
                    "“%(provider)s” is not a sign-in provider of this site: this site has none, "
                    "invite by email address instead."
                ) % {"provider": provider}
            raise InvalidInput.for_field(field, message)
        return InvitationAddress(
            kind=PendingInvitationAddressKind.IDENTITY, provider=provider, username=username
        )
    try:
        validate_email(address)
    except ValidationError:
        raise InvalidInput.for_field(
            field,
            _(
                "“%(address)s” is neither an email address nor provider:username "
                "(for example github:octocat)."
            )
            % {"address": address[:100]},
        ) from None
    return InvitationAddress(kind=PendingInvitationAddressKind.EMAIL, email=address)


def pending_invitation_url(token: str) -> str:
    return settings.SITE_URL + reverse("invitations:pending-accept", kwargs={"token": token})


@dataclass(frozen=True)
class InvitationTarget:
    """Where a waiting invitation leads once claimed: the site, or an object of another app."""

    kind: PendingInvitationTargetKind = PendingInvitationTargetKind.SITE
    id: int | None = None
    # Shown in the email ("… invites you to the conversation “title”").
    title: str = ""


SITE_TARGET = InvitationTarget()


@dataclass(frozen=True)
class TargetKindHandlers:
    # What claiming does there (the conversations app invites the newcomer to the conversation).
    on_claim: Callable[[PendingInvitation, User], None]
    # Where the newcomer lands once signed in.
    url: Callable[[int], str]


# Apps whose objects people may be invited to register their kind once, from AppConfig.ready().
_TARGET_KINDS: dict[str, TargetKindHandlers] = {}


def pending_invitation_target_register(
    kind: str, *, on_claim: Callable[[PendingInvitation, User], None], url: Callable[[int], str]
) -> None:
    _TARGET_KINDS[kind] = TargetKindHandlers(on_claim=on_claim, url=url)


def pending_invitation_landing_url(invitations: list[PendingInvitation]) -> str | None:
    """Where someone who just claimed these invitations should land: the first place (other
    than the site itself) they were invited to."""
    for invitation in invitations:
        handlers = _TARGET_KINDS.get(invitation.target_kind)
        if handlers is not None and invitation.target_id is not None:
            return handlers.url(invitation.target_id)
    return None


@transaction.atomic
def pending_invitation_create(
    *,
    inviter: User,
    address: str,
    message: str = "",
    target: InvitationTarget = SITE_TARGET,
) -> PendingInvitation:
    """Invite someone who has no account yet, by email address or `provider:username`, to the
    site or to `target`.

    Inviting the same address to the same place again while an invitation waits gives back the
    waiting one (and sends no second email). An address that already belongs to a member is
    refused.
    """
    site = site_settings_get()
    if not can_create_invite_link(inviter, site):
        raise Forbidden(_("On this site, only moderators and administrators invite people."))
    parsed = pending_invitation_address_parse(address)
    message = message.strip()
    if len(message) > PENDING_INVITATION_MESSAGE_MAX_LENGTH:
        raise InvalidInput.for_field(
            "message",
            _("Keep the message under %(max)d characters.")
            % {"max": PENDING_INVITATION_MESSAGE_MAX_LENGTH},
        )
    if parsed.kind == PendingInvitationAddressKind.EMAIL and (
        User.objects.filter(email__iexact=parsed.email).exists()
        or EmailAddress.objects.filter(email__iexact=parsed.email).exists()
    ):
        raise InvalidInput.for_field(
            "address",
            _(
                "%(email)s already belongs to a member of this site: find them by their "
                "handle instead."
            )
            % {"email": parsed.email},
        )
    if parsed.kind == PendingInvitationAddressKind.IDENTITY:
        member = people_by_identities([(parsed.provider, parsed.username)]).get(
            (parsed.provider, parsed.username)
        )
        if member is not None:
            raise InvalidInput.for_field(
                "address",
                _("%(address)s is already here: it is @%(handle)s.")
                % {"address": f"{parsed.provider}:{parsed.username}", "handle": member.handle},
            )
    # One creation at a time per person: no duplicate from a double click, no overdrawn quota.
    User.objects.select_for_update().filter(id=inviter.id).first()
    waiting = pending_invitations_matching(
        provider=parsed.provider, username=parsed.username, email=parsed.email
    ).filter(
        inviter=inviter, address_kind=parsed.kind, target_kind=target.kind, target_id=target.id
    )
    existing = waiting.first()
    if existing is not None:
        return existing
    ratelimit_hit(
        "pending-invitation-create",
        str(inviter.id),
        limit=PENDING_INVITATION_CREATE_LIMIT,
        period=PENDING_INVITATION_CREATE_PERIOD,
    )
    if invite_quota_applies(inviter) and invite_seats_held(user=inviter) >= site.invite_quota:
        raise InvalidInput.for_field(
            "address",
            _(
                "You have used all your invitations (%(quota)d). Invitations that expire or "
                "that you revoke come back to you."
            )
            % {"quota": site.invite_quota},
        )
    days = max(1, site.invite_max_days)
    token = ""
    if parsed.kind == PendingInvitationAddressKind.EMAIL:
        token = secrets.token_urlsafe(32)
    invitation = PendingInvitation.objects.create(
        inviter=inviter,
        address_kind=parsed.kind,
        email=parsed.email,
        provider=parsed.provider,
        username=parsed.username,
        message=message,
        target_kind=target.kind,
        target_id=target.id,
        token_hash=token_digest(token) if token else "",
        expires_at=timezone.now() + timedelta(days=days),
    )
    if token:
        email_send(
            to=[parsed.email],
            template="pending_invitation",
            context={
                "inviter_name": inviter.name,
                "inviter_handle": inviter.handle,
                "message": message,
                "link_url": pending_invitation_url(token),
                "days": days,
                "target_title": target.title,
                "target_kind": target.kind,
            },
            language=settings.LANGUAGE_CODE,
        )
    return invitation


def pending_invitation_revoke(*, user: User, invitation_id: int) -> PendingInvitation:
    """Withdraw a waiting invitation; its seat comes back. A claimed one stays claimed."""
    invitation = pending_invitation_get_for_revoke(user=user, invitation_id=invitation_id)
    if invitation.claimed_at is not None:
        raise Conflict(_("This invitation has already been accepted: it cannot be revoked."))
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


@transaction.atomic
def pending_invitations_claim(
    *,
    user: User,
    provider: str | None = None,
    username: str | None = None,
    email: str | None = None,
) -> list[PendingInvitation]:
    """Claim for `user` every waiting invitation addressed to this identity or email address.

    Call it once the identity is linked to `user` or the address is verified. The account's
    `invited_by` is set to the first inviter if it has none; each inviter is told by email.
    """
    if not (provider and username) and not email:
        return []
    invitations = list(
        pending_invitations_matching(provider=provider, username=username, email=email)
        .select_for_update()
        .exclude(inviter_id=user.id)
        # Across a block they stay unclaimed: nothing reaches either side from the other.
        .filter(unblocked(user, "inviter_id"))
    )
    return _pending_invitations_mark_claimed(user=user, invitations=invitations)


def pending_invitations_to_member_revoke(*, inviter: User, member: User) -> int:
    """Revoke `inviter`'s waiting invitations addressed to an email address or a linked identity
    that `member` has now (they are across a block): none will be claimed. How many."""
    emails = {member.email} | set(
        EmailAddress.objects.filter(user=member).values_list("email", flat=True)
    )
    identities = {
        (identity.provider, identity.username)
        for identity in identity_list_for_user(user=member)
        if identity.username
    }
    matching = PendingInvitation.objects.none()
    for email in emails - {""}:
        matching |= pending_invitations_matching(email=email)
    for provider, username in identities:
        matching |= pending_invitations_matching(provider=provider, username=username)
    return matching.filter(inviter=inviter).update(revoked_at=timezone.now())


def pending_invitation_unusable_message(status: str) -> str:
    messages: dict[str, str] = {
        PendingInvitationStatus.CLAIMED: _("This invitation has already been accepted."),
        PendingInvitationStatus.EXPIRED: _("This invitation has expired."),
        PendingInvitationStatus.REVOKED: _(
            "This invitation was withdrawn by the person who sent it."
        ),
    }
    return messages.get(status, _("This invitation cannot be used."))


@transaction.atomic
def pending_invitation_accept_as_member(*, user: User, token: str) -> PendingInvitation:
    """A member who follows an emailed invitation to a conversation or a collection accepts it
    as themselves (whoever holds the link could have signed up with it). An invitation to the
    site itself stays waiting: it was meant for someone who is not here yet."""
    invitation = (
        PendingInvitation.objects.select_for_update()
        .filter(token_hash=token_digest(token), token_hash__gt="")
        .first()
    )
    if invitation is None:
        raise NotFound(
            _("This invitation does not exist. Check that you copied the whole address.")
        )
    status = invitation.status()
    if status != PendingInvitationStatus.WAITING:
        raise Conflict(pending_invitation_unusable_message(status))
    if invitation.target_kind == PendingInvitationTargetKind.SITE:
        raise Conflict(_("You already have an account: this invitation is for someone new."))
    if invitation.inviter_id == user.id:
        raise Forbidden(_("This is your own invitation; it waits for the person you invited."))
    if blocked_among(person=user, people_ids=[invitation.inviter_id]):
        raise Forbidden(_("You cannot accept this invitation."))
    _pending_invitations_mark_claimed(user=user, invitations=[invitation])
    return invitation


def _pending_invitations_mark_claimed(
    *, user: User, invitations: list[PendingInvitation]
) -> list[PendingInvitation]:
    if not invitations:
        return []
    now = timezone.now()
    for invitation in invitations:
        invitation.claimed_by = user
        invitation.claimed_at = now
    PendingInvitation.objects.bulk_update(invitations, ["claimed_by", "claimed_at"])
    if user.invited_by_id is None:
        user.invited_by_id = invitations[0].inviter_id
        user.save(update_fields=["invited_by"])
    inviters = User.objects.filter(id__in={i.inviter_id for i in invitations}).in_bulk()
    for invitation in invitations:
        inviter = inviters[invitation.inviter_id]
        invitation.inviter = inviter
        handlers = _TARGET_KINDS.get(invitation.target_kind)
        if handlers is not None:
            handlers.on_claim(invitation, user)
        if not inviter.email:
            continue
        email_send(
            to=[inviter.email],
            template="pending_invitation_claimed",
            context={
                "address": invitation.address,
                "name": user.name,
                "handle": user.handle,
                "profile_url": settings.SITE_URL
                + reverse("accounts:profile", kwargs={"handle": user.handle}),
            },
            language=inviter.language or settings.LANGUAGE_CODE,
        )
    return invitations
