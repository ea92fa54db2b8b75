from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Follow(models.Model):
    """`follower` sees what `followed` does; one row per pair, never oneself."""

    follower = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="following_links"
    )
    followed = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follower_links"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower", "followed"], name="follow_once_per_pair"),
            models.CheckConstraint(
                condition=~models.Q(follower=models.F("followed")), name="follow_not_oneself"
            ),
        ]
        indexes = [
            models.Index(fields=["followed", "-created_at", "-id"], name="follow_followers_idx"),
            models.Index(fields=["follower", "-created_at", "-id"], name="follow_following_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.follower_id} → {self.followed_id}"


class Block(models.Model):
    """`blocker` wants nothing to do with `blocked`: no follows between them either way, and
    neither sees the other's content in home, explore or search (see `selectors.unblocked`)."""

    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_made"
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_received"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_once_per_pair"),
            models.CheckConstraint(
                condition=~models.Q(blocker=models.F("blocked")), name="block_not_oneself"
            ),
        ]
        indexes = [models.Index(fields=["blocked", "blocker"], name="block_blocked_idx")]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"


class FollowImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to start")
    RUNNING = "running", _("In progress")
    DONE = "done", _("Done")


class FollowImport(models.Model):
    """A follow list someone uploaded; matched against the people here in the background."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follow_imports"
    )
    # The parsed list, one normalised address a line (see follows.parsing).
    entries = models.TextField()
    status = models.CharField(
        max_length=16, choices=FollowImportStatus.choices, default=FollowImportStatus.PENDING
    )
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    found = models.PositiveIntegerField(default=0)
    probable = models.PositiveIntegerField(default=0)
    missing = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(processed__lte=models.F("total")),
                name="follow_import_progress_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"import {self.id} of {self.user_id}"

    @property
    def percent(self) -> int:
        return 100 if not self.total else self.processed * 100 // self.total


class MatchKind(models.TextChoices):
    FOUND = "found", _("Here")
    PROBABLE = "probable", _("Probably here")
    MISSING = "missing", _("Not here yet")


class FollowImportEntry(models.Model):
    """One line of an import and who it matched here, if anyone."""

    follow_import = models.ForeignKey(
        FollowImport, on_delete=models.CASCADE, related_name="results"
    )
    position = models.PositiveIntegerField()
    address = models.CharField(max_length=300)
    kind = models.CharField(max_length=16, choices=MatchKind.choices)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["follow_import", "position"], name="follow_import_entry_position_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(kind="missing", person__isnull=True)
                | (~models.Q(kind="missing") & models.Q(person__isnull=False)),
                name="follow_import_entry_person_iff_matched",
            ),
        ]
        indexes = [
            models.Index(
                fields=["follow_import", "kind", "position"], name="follow_import_kind_idx"
            )
        ]

    def __str__(self) -> str:
        return self.address

    @property
    def is_identity(self) -> bool:
        """`provider:username`, which a waiting invitation can be addressed to."""
        return ":" in self.address
