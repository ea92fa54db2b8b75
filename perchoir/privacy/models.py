"""A member's data exports and account deletions (D8: nothing lost, and nothing kept against
their will)."""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("Being prepared")
    READY = "ready", _("Ready to download")
    FAILED = "failed", _("Could not be prepared")
    EXPIRED = "expired", _("Expired")


class DataExport(models.Model):
    """A zip of everything a person wrote, built in the background, downloadable for a few days
    by that person only; the file is deleted when it expires."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports"
    )
    status = models.CharField(
        max_length=16, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    # The archive's name in the exports storage (never the public media storage).
    file_name = models.CharField(max_length=255, blank=True, default="")
    size_bytes = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status="pending"),
                name="data_export_one_pending_per_person",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="ready")
                | (~models.Q(file_name="") & models.Q(expires_at__isnull=False)),
                name="data_export_ready_has_file",
            ),
        ]

    def __str__(self) -> str:
        return f"export {self.pk} of {self.user_id}"

    def is_downloadable(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return (
            self.status == ExportStatus.READY
            and self.expires_at is not None
            and self.expires_at > now
        )


class DeletionMode(models.TextChoices):
    ANONYMISE = "anonymise", _("Keep what I wrote, shown as written by a deleted account")
    REMOVE = "remove", _("Remove what I wrote: my messages become “deleted” notes")


class DeletionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the grace period to end")
    CANCELLED = "cancelled", _("Cancelled")
    DONE = "done", _("Done")


class AccountDeletion(models.Model):
    """A person asked for their account to be deleted; it happens after a grace period during
    which signing in again, or the link in the confirmation email, cancels it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deletion_requests"
    )
    mode = models.CharField(max_length=16, choices=DeletionMode.choices)
    status = models.CharField(
        max_length=16, choices=DeletionStatus.choices, default=DeletionStatus.PENDING
    )
    requested_at = models.DateTimeField(default=timezone.now)
    scheduled_for = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    performed_at = models.DateTimeField(null=True, blank=True)
    # SHA-256 of the token in the confirmation email's cancel link.
    cancel_token_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status="pending"),
                name="account_deletion_one_pending_per_person",
            ),
        ]
        indexes = [
            models.Index(
                fields=["scheduled_for"],
                condition=models.Q(status="pending"),
                name="account_deletion_due_idx",
            )
        ]

    def __str__(self) -> str:
        return f"deletion of {self.user_id} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status == DeletionStatus.PENDING


class RetiredHandle(models.Model):
    """The handle a deleted account had: nobody may take it until `until`, so that old mentions
    and links to it never lead to someone else."""

    handle = models.CharField(max_length=64)
    until = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("handle"), name="retired_handle_ci_unique"),
        ]

    def __str__(self) -> str:
        return f"@{self.handle} until {self.until:%Y-%m-%d}"
