from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    """What happened. Each kind has its sentence and email default in `kinds.KIND_SPECS`.

    The label names the kind in the preferences table. The database column has no `choices`, so
    that adding a kind (collections, moderation) needs no migration of this app.
    """

    CONVERSATION_INVITATION = "conversation_invitation", _("Invitations to a conversation")
    CONVERSATION_JOIN_REQUEST = (
        "conversation_join_request",
        _("Requests to join your conversations"),
    )
    CONVERSATION_JOIN_APPROVED = "conversation_join_approved", _("Your requests to join, approved")
    CONVERSATION_JOIN_DECLINED = "conversation_join_declined", _("Your requests to join, declined")
    CONVERSATION_SUGGESTION = (
        "conversation_suggestion",
        _("Messages suggested in your conversations"),
    )
    CONVERSATION_SUGGESTION_APPROVED = (
        "conversation_suggestion_approved",
        _("Your suggested messages, approved"),
    )
    CONVERSATION_SUGGESTION_DECLINED = (
        "conversation_suggestion_declined",
        _("Your suggested messages, declined"),
    )
    MESSAGE_REPLY = "message_reply", _("Replies to your messages")
    MESSAGE_MENTION = "message_mention", _("Mentions of you")
    CONVERSATION_PARTICIPANT_REMOVED = (
        "conversation_participant_removed",
        _("Your removal from a conversation"),
    )
    COLLECTION_SUBMISSION = "collection_submission", _("Items submitted to your collections")
    COLLECTION_SUBMISSION_APPROVED = (
        "collection_submission_approved",
        _("Your submitted items, approved"),
    )
    COLLECTION_SUBMISSION_DECLINED = (
        "collection_submission_declined",
        _("Your submitted items, declined"),
    )
    COLLECTION_CONTRIBUTOR_INVITATION = (
        "collection_contributor_invitation",
        _("Invitations to contribute to a collection"),
    )
    COLLECTION_CONTRIBUTION_REQUEST = (
        "collection_contribution_request",
        _("Requests to contribute to your collections"),
    )
    COLLECTION_CONTRIBUTION_APPROVED = (
        "collection_contribution_approved",
        _("Your requests to contribute, accepted"),
    )
    COLLECTION_CONTRIBUTION_DECLINED = (
        "collection_contribution_declined",
        _("Your requests to contribute, declined"),
    )
    COLLECTION_ITEM_REMOVED = (
        "collection_item_removed",
        _("Your items taken out of a collection by others"),
    )
    COLLECTION_CONTRIBUTOR_REMOVED = (
        "collection_contributor_removed",
        _("Your removal as a contributor to a collection"),
    )
    MODERATION_STATEMENT = "moderation_statement", _("Moderators' decisions about you")
    MODERATION_REPORT_RECEIVED = "moderation_report_received", _("Receipts of your reports")
    MODERATION_REPORT_OUTCOME = "moderation_report_outcome", _("Outcomes of your reports")
    MODERATION_APPEAL_DECIDED = "moderation_appeal_decided", _("Decisions on your appeals")
    MODERATION_ACTION_UNDONE = "moderation_action_undone", _("Moderators' decisions undone")
    MODERATION_CASE_ASSIGNED = "moderation_case_assigned", _("Cases assigned to you")


KIND_MAX_LENGTH = 64


class Notification(models.Model):
    """Something that happened to `recipient`, described from `params` when shown."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=KIND_MAX_LENGTH)
    # Who did it; kept when their account goes ("Someone …").
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # A local path (checked when written and again when followed).
    url = models.CharField(max_length=500)
    # Strings to describe it, as they were then: title, item, excerpt, reason (any may be missing).
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["recipient", "-created_at", "-id"], name="notification_recipient_idx"
            ),
            models.Index(
                fields=["recipient", "-created_at", "-id"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class NotificationPreference(models.Model):
    """A person's choice for one kind; without a row, the kind's default applies."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=KIND_MAX_LENGTH)
    in_app = models.BooleanField(_("on this site"))
    email = models.BooleanField(_("by email"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.in_app}/{self.email}"
