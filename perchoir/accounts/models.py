from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .validators import HANDLE_MAX_LENGTH, validate_handle

BIO_MAX_LENGTH = 2000
DISPLAY_NAME_MAX_LENGTH = 80


class Role(models.TextChoices):
    """What a person may do on the site as a whole; permission checks live in permissions.py."""

    MEMBER = "member", _("Member")
    MODERATOR = "moderator", _("Moderator")
    ADMIN = "admin", _("Administrator")


class Theme(models.TextChoices):
    AUTO = "auto", _("Same as my device")
    LIGHT = "light", _("Light")
    DARK = "dark", _("Dark")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(
        self, handle: str, email: str = "", password: str | None = None, **extra: object
    ) -> "User":
        user = self.model(handle=handle, email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(
        self, handle: str, email: str = "", password: str | None = None, **extra: object
    ) -> "User":
        extra.setdefault("role", Role.ADMIN)
        extra.setdefault("is_superuser", True)
        return self.create_user(handle, email, password, **extra)

    def get_by_natural_key(self, handle: str | None) -> "User":
        return self.get(handle__iexact=handle)


class User(AbstractBaseUser, PermissionsMixin):
    handle = models.CharField(
        _("handle"),
        max_length=HANDLE_MAX_LENGTH,
        unique=True,
        validators=[validate_handle],
        help_text=_("Letters, digits and underscores; people find you as @handle."),
    )
    email = models.EmailField(_("email address"), blank=True, default="")
    display_name = models.CharField(
        _("display name"), max_length=DISPLAY_NAME_MAX_LENGTH, blank=True, default=""
    )
    bio = models.TextField(_("bio"), max_length=BIO_MAX_LENGTH, blank=True, default="")
    # The bio rendered once, when written, and sanitised.
    bio_html = models.TextField(blank=True, default="")
    avatar = models.ForeignKey(
        "media.Image",
        verbose_name=_("avatar"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        default="",
        help_text=_("Empty: the language of your browser."),
    )
    theme = models.CharField(_("theme"), max_length=8, choices=Theme.choices, default=Theme.AUTO)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    invited_by = models.ForeignKey(
        "self",
        verbose_name=_("invited by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitees",
    )
    joined_via = models.ForeignKey(
        "invitations.InviteLink",
        verbose_name=_("joined through invite link"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="joined_users",
    )

    objects = UserManager()

    USERNAME_FIELD = "handle"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(Lower("handle"), name="accounts_user_handle_ci_unique"),
        ]

    def __str__(self) -> str:
        return f"@{self.handle}"

    @property
    def is_staff(self) -> bool:
        """Django's admin is for administrators only."""
        return self.role == Role.ADMIN or self.is_superuser

    @property
    def name(self) -> str:
        return self.display_name or self.handle


class IdentityDisplay(models.Model):
    """Whether a linked identity (allauth's SocialAccount) is shown on its owner's profile.

    No row: not shown, the default. allauth's own model cannot take fields, hence this one.
    """

    account = models.OneToOneField(
        "socialaccount.SocialAccount",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="perchoir_display",
    )
    shown_on_profile = models.BooleanField(_("shown on my profile"), default=False)

    def __str__(self) -> str:
        return f"{self.account_id}: {self.shown_on_profile}"
