from django.db import models
from django.utils.translation import gettext_lazy as _


class SiteMode(models.TextChoices):
    OPEN = "open", _("Open: anyone may sign up")
    INVITE_ONLY = "invite_only", _("Invite-only: sign up with an invitation")
    CLOSED = "closed", _("Closed: no new accounts")


class SiteSettings(models.Model):
    """The one row of settings that the administrator changes from the site itself."""

    name = models.CharField(_("site name"), max_length=80, default="Perchoir")
    tagline = models.CharField(_("tagline"), max_length=200, blank=True, default="")
    mode = models.CharField(
        _("sign-up mode"), max_length=20, choices=SiteMode.choices, default=SiteMode.INVITE_ONLY
    )
    members_may_invite = models.BooleanField(_("members may create invite links"), default=True)
    invite_quota = models.PositiveIntegerField(
        _("people each member may invite"),
        default=10,
        help_text=_(
            "Seats of a member's invite links that are still usable or already used; "
            "moderators and administrators have no quota."
        ),
    )
    invite_max_days = models.PositiveIntegerField(
        _("longest invite link validity, in days"), default=30
    )
    invite_max_uses = models.PositiveIntegerField(
        _("most people one invite link may bring"), default=25
    )
    # Hash of the one-time founder link; empty once used or while accounts exist.
    founder_token_hash = models.CharField(max_length=64, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("site settings")
        verbose_name_plural = _("site settings")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="site_settings_single_row"),
        ]

    def __str__(self) -> str:
        return self.name
