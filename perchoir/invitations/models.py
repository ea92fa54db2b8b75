from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class InviteLinkStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    USED_UP = "used_up", _("Used up")
    REVOKED = "revoked", _("Revoked")


class InviteLink(models.Model):
    """A link that lets people create an account on an invite-only site."""

    code = models.CharField(max_length=40, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="invite_links",
        verbose_name=_("created by"),
    )
    note = models.CharField(
        _("note"),
        max_length=120,
        blank=True,
        default="",
        help_text=_("For you only: who this link is for."),
    )
    max_uses = models.PositiveIntegerField(_("maximum uses"), default=1)
    uses_count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(uses_count__lte=models.F("max_uses")),
                name="invite_link_uses_within_max",
            ),
            models.CheckConstraint(
                condition=models.Q(max_uses__gte=1), name="invite_link_max_uses_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def is_usable(self, now: "datetime | None" = None) -> bool:
        return self.status(now) == InviteLinkStatus.ACTIVE

    def status(self, now: "datetime | None" = None) -> InviteLinkStatus:
        """Why the link does or does not work; revoked wins over used up, used up over expired."""
        now = now or timezone.now()
        if self.revoked_at is not None:
            return InviteLinkStatus.REVOKED
        if self.uses_count >= self.max_uses:
            return InviteLinkStatus.USED_UP
        if self.expires_at <= now:
            return InviteLinkStatus.EXPIRED
        return InviteLinkStatus.ACTIVE

    @property
    def status_label(self) -> str:
        return str(self.status().label)

    @property
    def seats_held(self) -> int:
        """What the link counts against its creator's quota: all its seats while it can still be
        used, only the seats taken once it cannot (unused seats of a dead link come back)."""
        return self.max_uses if self.is_usable() else self.uses_count


class InviteRequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


class InviteRequest(models.Model):
    """Someone without an invitation asks for one on an invite-only site."""

    email = models.EmailField(_("email address"))
    message = models.TextField(_("a few words about you"), max_length=1000)
    language = models.CharField(max_length=8, default="en")
    status = models.CharField(
        max_length=16, choices=InviteRequestStatus.choices, default=InviteRequestStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    invite_link = models.OneToOneField(
        InviteLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="request"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One open request per address: asking twice is a double submit, not two requests.
            models.UniqueConstraint(
                Lower("email"),
                condition=models.Q(status="pending"),
                name="invite_request_one_pending_per_email",
            ),
        ]

    def __str__(self) -> str:
        return self.email


class PendingInvitationAddressKind(models.TextChoices):
    EMAIL = "email", _("Email address")
    IDENTITY = "identity", _("Account elsewhere")


class PendingInvitationTargetKind(models.TextChoices):
    """What the invitation leads to; conversations and collections will be added here."""

    SITE = "site", _("The site")
    CONVERSATION = "conversation", _("A conversation")
    COLLECTION = "collection", _("A collection")


class PendingInvitationStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    CLAIMED = "claimed", _("Claimed")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


class PendingInvitation(models.Model):
    """An invitation addressed to someone who has no account yet: an email address or an
    identity at a sign-in provider (`provider:username`). Claimed when that person verifies the
    address or first signs in with that identity."""

    inviter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="pending_invitations",
        verbose_name=_("invited by"),
    )
    address_kind = models.CharField(max_length=16, choices=PendingInvitationAddressKind.choices)
    email = models.EmailField(_("email address"), blank=True, default="")
    provider = models.CharField(_("provider"), max_length=64, blank=True, default="")
    # Lowercased: identities are matched without regard to case.
    username = models.CharField(_("username"), max_length=150, blank=True, default="")
    message = models.TextField(_("message"), max_length=1000, blank=True, default="")
    target_kind = models.CharField(
        max_length=32,
        choices=PendingInvitationTargetKind.choices,
        default=PendingInvitationTargetKind.SITE,
    )
    # The invited-to object's id; empty for the site itself.
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    # SHA-256 of the one-time token in the email link; empty for identity invitations.
    token_hash = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claimed_invitations",
    )
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["provider", "username"], name="pending_invitation_identity"),
            models.Index(Lower("email"), name="pending_invitation_email"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["token_hash"],
                condition=~models.Q(token_hash=""),
                name="pending_invitation_unique_token",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(address_kind="email", provider="", username="") & ~models.Q(email="")
                )
                | (
                    models.Q(address_kind="identity", email="")
                    & ~models.Q(provider="")
                    & ~models.Q(username="")
                ),
                name="pending_invitation_address_matches_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(target_kind="site", target_id__isnull=True)
                | models.Q(target_kind="conversation", target_id__isnull=False)
                | models.Q(target_kind="collection", target_id__isnull=False),
                name="pending_invitation_known_target",
            ),
        ]

    def __str__(self) -> str:
        return self.address

    @property
    def address(self) -> str:
        if self.address_kind == PendingInvitationAddressKind.EMAIL:
            return self.email
        return f"{self.provider}:{self.username}"

    def status(self, now: "datetime | None" = None) -> PendingInvitationStatus:
        """Claimed wins over revoked, revoked over expired."""
        now = now or timezone.now()
        if self.claimed_at is not None:
            return PendingInvitationStatus.CLAIMED
        if self.revoked_at is not None:
            return PendingInvitationStatus.REVOKED
        if self.expires_at <= now:
            return PendingInvitationStatus.EXPIRED
        return PendingInvitationStatus.WAITING

    def is_waiting(self, now: "datetime | None" = None) -> bool:
        return self.status(now) == PendingInvitationStatus.WAITING

    @property
    def status_label(self) -> str:
        return str(self.status().label)
