"""Reports, cases, actions, statements of reasons, appeals, rules and the append-only log.

Targets (what is reported or acted upon) are named by a kind from the registry in `targets.py`
and an id, so that any app's content goes through the same mechanism.
"""

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

EXPLANATION_MAX_LENGTH = 2000
REASON_MAX_LENGTH = 2000
NOTE_MAX_LENGTH = 5000
TARGET_KIND_MAX_LENGTH = 32


class ReportCategory(models.TextChoices):
    SPAM = "spam", _("Spam or advertising")
    HARASSMENT = "harassment", _("Harassment or hate")
    ILLEGAL = "illegal", _("Illegal content")
    OTHER = "other", _("Something else")


class Rule(models.Model):
    """One rule of the site, in English and French, edited by administrators."""

    number = models.PositiveIntegerField(_("number"), unique=True)
    title_en = models.CharField(_("title (English)"), max_length=200)
    title_fr = models.CharField(_("title (French)"), max_length=200, blank=True, default="")
    body_en = models.TextField(_("explanation (English)"), blank=True, default="")
    body_fr = models.TextField(_("explanation (French)"), blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("rule")
        verbose_name_plural = _("rules")

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    @property
    def title(self) -> str:
        if (get_language() or "en").startswith("fr") and self.title_fr:
            return self.title_fr
        return self.title_en

    @property
    def body(self) -> str:
        if (get_language() or "en").startswith("fr") and self.body_fr:
            return self.body_fr
        return self.body_en


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLAIMED = "claimed", _("Claimed")
    RESOLVED = "resolved", _("Resolved")


class Case(models.Model):
    """The reports about one target, and everything the moderators did with them."""

    target_kind = models.CharField(max_length=TARGET_KIND_MAX_LENGTH)
    target_id = models.PositiveBigIntegerField()
    # The person the target belongs to (its author, or the person reported).
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_cases",
    )
    excerpt = models.TextField(blank=True, default="")
    status = models.CharField(max_length=16, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["target_kind", "target_id"],
                condition=~models.Q(status="resolved"),
                name="moderation_case_one_open_per_target",
            )
        ]

    def __str__(self) -> str:
        return f"case {self.pk} ({self.target_kind} {self.target_id})"

    def get_absolute_url(self) -> str:
        return reverse("moderation:case", args=[self.pk])


class Report(models.Model):
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_reports",
    )
    # A visitor reports with an email address, to receive the receipt and the outcome.
    reporter_email = models.EmailField(blank=True, default="")
    category = models.CharField(max_length=16, choices=ReportCategory.choices)
    explanation = models.TextField(max_length=EXPLANATION_MAX_LENGTH)
    target_kind = models.CharField(max_length=TARGET_KIND_MAX_LENGTH)
    target_id = models.PositiveBigIntegerField()
    location_url = models.CharField(max_length=500)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reports")
    receipt = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    outcome_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"report {self.pk} on {self.target_kind} {self.target_id}"

    def get_absolute_url(self) -> str:
        return reverse("moderation:report-receipt", args=[self.receipt])


class ActionKind(models.TextChoices):
    """Gentlest first (D3)."""

    DISMISS = "dismiss", _("Dismiss the reports")
    NOTE = "note", _("Private note to the person")
    WARNING = "warning", _("Formal warning")
    HIDE = "hide", _("Hide the content")
    SLOW_MODE = "slow_mode", _("Slow mode on the conversation")
    LOCK = "lock", _("Timed lock of the conversation")
    RESTRICT = "restrict", _("Read-only restriction")
    SUSPEND = "suspend", _("Suspension")
    DELETE = "delete", _("Deletion of the content")
    BAN = "ban", _("Permanent ban")


# Never one click: a second confirmation and a reason.
SEVERE_ACTIONS = frozenset({ActionKind.DELETE, ActionKind.BAN})
# Acting on the person's account rather than one piece of content.
ACCOUNT_ACTIONS = frozenset({ActionKind.RESTRICT, ActionKind.SUSPEND, ActionKind.BAN})
# Locking the person out: no signing in, no reading through their tokens.
LOCKED_OUT_ACTIONS = frozenset({ActionKind.SUSPEND, ActionKind.BAN})
# Acting on a piece of content, which the target's kind must support.
CONTENT_ACTIONS = frozenset({ActionKind.HIDE, ActionKind.DELETE})
ROOM_ACTIONS = frozenset({ActionKind.SLOW_MODE, ActionKind.LOCK})
# Taken until a date.
TIMED_ACTIONS = frozenset({ActionKind.LOCK, ActionKind.RESTRICT, ActionKind.SUSPEND})


class Action(models.Model):
    kind = models.CharField(max_length=16, choices=ActionKind.choices)
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_actions",
    )
    target_kind = models.CharField(max_length=TARGET_KIND_MAX_LENGTH)
    target_id = models.PositiveBigIntegerField()
    rule = models.ForeignKey(Rule, null=True, blank=True, on_delete=models.SET_NULL)
    reason = models.TextField(max_length=REASON_MAX_LENGTH)
    until = models.DateTimeField(null=True, blank=True)
    slow_mode_seconds = models.PositiveIntegerField(null=True, blank=True)
    # What the target was like before, to undo exactly (for example the previous slow mode).
    previous_state = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    reversed_at = models.DateTimeField(null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["subject", "kind", "reversed_at"])]

    def __str__(self) -> str:
        return f"{self.kind} on {self.target_kind} {self.target_id}"

    @property
    def is_reversed(self) -> bool:
        return self.reversed_at is not None

    @property
    def is_in_force(self) -> bool:
        return not self.is_reversed and (self.until is None or self.until > timezone.now())


class StatementOfReasons(models.Model):
    """What the person affected is told (D4), kept as it was written."""

    action = models.OneToOneField(Action, on_delete=models.CASCADE, related_name="statement")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="moderation_statements",
    )
    content_excerpt = models.TextField(blank=True, default="")
    content_url = models.CharField(max_length=500, blank=True, default="")
    rule_text = models.CharField(max_length=250, blank=True, default="")
    after_report = models.BooleanField(default=False)
    appeal_until = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"statement for action {self.action_id}"

    def get_absolute_url(self) -> str:
        return reverse("moderation:statement", args=[self.pk])

    @property
    def can_still_appeal(self) -> bool:
        return timezone.now() <= self.appeal_until


class AppealStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    GRANTED = "granted", _("Granted: the action was undone")
    REJECTED = "rejected", _("Rejected: the action stands")


class Appeal(models.Model):
    statement = models.OneToOneField(
        StatementOfReasons, on_delete=models.CASCADE, related_name="appeal"
    )
    appellant = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    explanation = models.TextField(max_length=EXPLANATION_MAX_LENGTH)
    status = models.CharField(
        max_length=16, choices=AppealStatus.choices, default=AppealStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"appeal of statement {self.statement_id}"

    def get_absolute_url(self) -> str:
        return reverse("moderation:appeal", args=[self.pk])


class Note(models.Model):
    """An internal note of the team, on a case or on a person (D7); never shown to members."""

    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.CASCADE, related_name="notes"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(max_length=NOTE_MAX_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"note {self.pk}"


class LogEntryQuerySet(models.QuerySet["LogEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("The moderation log is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("The moderation log is append-only.")


class LogEntry(models.Model):
    """Who did what to whom, when, why, with before and after (D6). Append-only: the model
    refuses updates and deletions, and a database trigger refuses them too (see migrations).

    People are kept by id and handle without a foreign key, so that deleting an account never
    has to touch the log.
    """

    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_handle = models.CharField(max_length=64, blank=True, default="")
    # "moderator", "starter" (the starter of a conversation in their room), "owner" (of a
    # collection), "person", "system".
    actor_role = models.CharField(max_length=16, default="moderator")
    verb = models.CharField(max_length=48)
    subject_id = models.BigIntegerField(null=True, blank=True)
    subject_handle = models.CharField(max_length=64, blank=True, default="")
    target_kind = models.CharField(max_length=TARGET_KIND_MAX_LENGTH, blank=True, default="")
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    case_id = models.BigIntegerField(null=True, blank=True)
    action_id = models.BigIntegerField(null=True, blank=True)
    reason = models.TextField(blank=True, default="")
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = LogEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["subject_id", "-created_at"]),
            models.Index(fields=["target_kind", "target_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.verb} by {self.actor_handle or 'system'}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None or kwargs.get("force_update"):
            raise PermissionError("The moderation log is append-only.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("The moderation log is append-only.")
