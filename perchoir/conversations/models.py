"""Conversations: public talks among invited people, their messages, invitations and highlights."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from perchoir.moderation.hiding import Removable

TITLE_MAX_LENGTH = 200
# A sanity cap nobody writing by hand meets; answered with a clear error.
MESSAGE_MAX_LENGTH = 100_000
PITCH_MAX_LENGTH = 500
PASSAGE_MAX_LENGTH = 1000


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public: anyone can read it, it appears in lists")
    UNLISTED = "unlisted", _("Unlisted: anyone with the link can read it")
    PRIVATE = "private", _("Private: only participants can read it")


VISIBILITY_SHORT = {
    Visibility.PUBLIC: _("Public"),
    Visibility.UNLISTED: _("Unlisted"),
    Visibility.PRIVATE: _("Private"),
}


class InvitePolicy(models.TextChoices):
    PARTICIPANTS = "participants", _("Any participant may invite people")
    STARTER = "starter", _("Only I may invite people")


class Conversation(Removable):
    """Hidden by the moderators (`Removable`): a notice takes its place for everyone but its
    starter and the moderators; once they delete it, for its starter too."""

    hidden_owner_field = "starter_id"

    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    starter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="started_conversations",
        verbose_name=_("started by"),
    )
    visibility = models.CharField(
        _("who can read"), max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    invite_policy = models.CharField(
        _("who can invite"),
        max_length=16,
        choices=InvitePolicy.choices,
        default=InvitePolicy.PARTICIPANTS,
    )
    # Started from a link: the address as written and its preview card (fetched in the background).
    link_url = models.URLField(_("link"), max_length=2000, blank=True, default="")
    link_preview = models.ForeignKey(
        "links.LinkPreview", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Branched off another conversation's message, from this passage of it (B7).
    branched_from = models.ForeignKey(
        "Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="branches",
    )
    branched_passage = models.TextField(blank=True, default="")
    locked_at = models.DateTimeField(null=True, blank=True)
    # A timed lock (a moderator's action) ends by itself at this time.
    locked_until = models.DateTimeField(null=True, blank=True)
    # Minimum seconds between two messages of one person; 0 is off.
    slow_mode_seconds = models.PositiveIntegerField(_("slow mode"), default=0)
    message_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    last_activity_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-last_activity_at", "-id"]
        indexes = [models.Index(fields=["visibility", "-last_activity_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("conversations:detail", args=[self.pk])

    @property
    def is_locked(self) -> bool:
        if self.locked_at is None:
            return False
        return self.locked_until is None or self.locked_until > timezone.now()

    @property
    def visibility_short(self) -> str:
        return str(VISIBILITY_SHORT[Visibility(self.visibility)])

    @property
    def live_stream(self) -> str:
        return f"conversation:{self.pk}"


class ParticipantRole(models.TextChoices):
    STARTER = "starter", _("Starter")
    PARTICIPANT = "participant", _("Participant")


class Participant(models.Model):
    """A person who takes part; removed participants keep their row (and their messages)."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participations"
    )
    role = models.CharField(
        max_length=16, choices=ParticipantRole.choices, default=ParticipantRole.PARTICIPANT
    )
    joined_at = models.DateTimeField(auto_now_add=True)
    last_posted_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "user"], name="participant_unique_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.conversation_id}"

    @property
    def is_active(self) -> bool:
        return self.removed_at is None


class Message(Removable):
    """Hidden by the moderators (`Removable`): others see a notice saying so and why; the author
    still sees and edits it, until the moderators delete it (kept and restorable)."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="messages"
    )
    body = models.TextField(_("message"))
    body_html = models.TextField()
    # A reply quotes a specific message (B6), optionally only a passage of it.
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    quoted_passage = models.TextField(blank=True, default="")
    # Set when a participant approved this message suggested by a non-participant (B5).
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # A token from the form that wrote it: the same submit twice gives one message.
    client_token = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    revision_count = models.PositiveIntegerField(default=0)
    # Deleted by its author: the text is kept in the revisions, a tombstone shows in its place.
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["conversation", "id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_token"],
                condition=~models.Q(client_token=""),
                name="message_unique_client_token",
            )
        ]

    def __str__(self) -> str:
        return f"message {self.pk}"

    def get_absolute_url(self) -> str:
        """A permalink that finds the message on whichever page it now is."""
        return reverse("conversations:message", args=[self.conversation_id, self.pk])

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class MessageRevision(models.Model):
    """A version of a message's text before an edit or a deletion: readers see the history."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    body = models.TextField()
    body_html = models.TextField()
    # When this version was written (the message's creation or its previous edit).
    written_at = models.DateTimeField()

    class Meta:
        ordering = ["message", "number"]
        constraints = [
            models.UniqueConstraint(fields=["message", "number"], name="revision_unique_number")
        ]

    def __str__(self) -> str:
        return f"revision {self.number} of message {self.message_id}"


class Mention(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentions"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "user"], name="mention_unique_person")
        ]

    def __str__(self) -> str:
        return f"mention of {self.user_id} in message {self.message_id}"


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Invitation(models.Model):
    """A member invited into a conversation; people without an account get a waiting
    invitation of the invitations app instead, turned into one of these when they arrive."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="invitations"
    )
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversation_invitations"
    )
    inviter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(
        max_length=16, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "invitee"],
                condition=models.Q(status="pending"),
                name="conversation_invitation_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.invitee} to {self.conversation_id}"


class JoinRequestKind(models.TextChoices):
    JOIN = "join", _("Asks to join")
    SUGGESTION = "suggestion", _("Suggests a message")


class JoinRequest(models.Model):
    """A reader asks to join with a short pitch, or suggests one message without joining (B5)."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="join_requests"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_requests"
    )
    kind = models.CharField(max_length=16, choices=JoinRequestKind.choices)
    # The pitch of a join request, or the suggested message's Markdown.
    body = models.TextField()
    body_html = models.TextField(blank=True, default="")
    status = models.CharField(
        max_length=16, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # The message an approved suggestion became.
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "requester"],
                condition=models.Q(status="pending", kind="join"),
                name="join_request_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} by {self.requester} in {self.conversation_id}"


class Highlight(models.Model):
    """A reader marked a passage of a message (B8); the same passage by many people ranks high."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="highlights")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="highlights"
    )
    # Whitespace-normalised text of the passage, as it reads in the message.
    passage = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "user", "passage"], name="highlight_unique_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"highlight of message {self.message_id}"


class RoomAction(models.TextChoices):
    LOCK = "lock", _("Locked the conversation")
    UNLOCK = "unlock", _("Unlocked the conversation")
    SLOW_MODE = "slow_mode", _("Changed slow mode")
    REMOVE_PARTICIPANT = "remove_participant", _("Removed a participant")
    SETTINGS = "settings", _("Changed the settings")


class RoomLogEntry(models.Model):
    """What the starter (or a moderator) did to the room, who did it and why (B11).
    Append-only: the application never edits or deletes these rows."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="room_log"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=32, choices=RoomAction.choices)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(blank=True, default="")
    # Before and after, for example {"slow_mode_seconds": [0, 60]}.
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} in {self.conversation_id}"
