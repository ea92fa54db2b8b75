"""The search index: one plain-text document per searchable thing (see docs/decisions/0010).

The text lives here; the engine's index lives beside it, created by migrations for the database
in use: a `search_vector` tsvector column with a GIN index on PostgreSQL, an FTS5 table on SQLite.
Who may see a document is decided at query time from the live rows (a conversation turned
private, a message hidden by moderators or a suspended author disappear from results at once).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchDocument(models.Model):
    kind = models.CharField(max_length=32)
    object_id = models.BigIntegerField()
    # "english" or "french": the text search configuration the text is indexed with.
    language = models.CharField(max_length=16, default="english")
    title = models.TextField(blank=True, default="")
    body = models.TextField(blank=True, default="")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_document_once")
        ]
        indexes = [
            models.Index(fields=["author", "created_at"]),
            # Search ranks the newest matches: walked newest first for common words.
            models.Index(fields=["-created_at", "-id"], name="search_document_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"


class HomeVisit(models.Model):
    """When a person last saw their home: what happened since is marked unread."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"home of {self.user_id} seen at {self.seen_at}"


class DigestFrequency(models.TextChoices):
    OFF = "off", _("Never")
    DAILY = "daily", _("Every day")
    WEEKLY = "weekly", _("Every week")


class DigestSubscription(models.Model):
    """A person's choice of an email digest of their home; `next_due_at` is when the next one
    goes (claimed atomically by the worker, so a digest is never sent twice)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    frequency = models.CharField(
        _("email digest"),
        max_length=8,
        choices=DigestFrequency.choices,
        default=DigestFrequency.OFF,
    )
    next_due_at = models.DateTimeField(null=True, blank=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["frequency", "next_due_at"])]

    def __str__(self) -> str:
        return f"{self.frequency} digest of {self.user_id}"
