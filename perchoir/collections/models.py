"""Collections: articles, images, links and events gathered by one person and those they let in.

An item exists once and may be connected to many collections (C4): a `Connection` holds where it
sits in one collection (its manual position) and whether the owner approved it there.

Manual order uses gapped integer positions: a new connection goes `POSITION_GAP` before the first
one, and moving an item writes one row, its new position halfway between its new neighbours. Only
when two neighbours have no integer left between them is the collection renumbered (one UPDATE per
connection, rare: after about log2(POSITION_GAP) = 20 moves into the very same gap).
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from perchoir.moderation.hiding import Removable

TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 10_000
# A sanity cap for articles nobody writing by hand meets; answered with a clear error.
BODY_MAX_LENGTH = 100_000
CAPTION_MAX_LENGTH = 1_000
ALT_TEXT_MAX_LENGTH = 1_000
PLACE_MAX_LENGTH = 300
AUDIENCE_MAX_LENGTH = 300
PROGRAMME_MAX_SLOTS = 50
REQUEST_MESSAGE_MAX_LENGTH = 500
POSITION_GAP = 1 << 20


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public: anyone can see it, it appears in lists")
    UNLISTED = "unlisted", _("Unlisted: anyone with the link can see it")
    PRIVATE = "private", _("Private: only you and the contributors can see it")


VISIBILITY_SHORT = {
    Visibility.PUBLIC: _("Public"),
    Visibility.UNLISTED: _("Unlisted"),
    Visibility.PRIVATE: _("Private"),
}


class ContributionPolicy(models.TextChoices):
    ONLY_ME = "only_me", _("Only me")
    INVITED = "invited", _("Me and the contributors I invite")
    SUBMIT = "submit", _("Anyone signed in may submit items for my approval")
    ANYONE = "anyone", _("Anyone signed in may add items")


class Collection(Removable):
    """Hidden by the moderators (`Removable`): others get a notice on its page, and it is absent
    from every list, feed and answer of the API; its owner and the moderators still see it."""

    hidden_owner_field = "owner_id"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="collections",
        verbose_name=_("owner"),
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    description = models.TextField(_("description"), blank=True, default="")
    description_html = models.TextField(blank=True, default="")
    cover = models.ForeignKey(
        "media.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    visibility = models.CharField(
        _("who can see it"), max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    policy = models.CharField(
        _("who can add items"),
        max_length=16,
        choices=ContributionPolicy.choices,
        default=ContributionPolicy.ONLY_ME,
    )
    # The secret of the invite link that makes whoever follows it a contributor; "" when none.
    invite_token = models.CharField(max_length=64, blank=True, default="")
    # Approved items, and followers: shown on every card, kept as counters.
    item_count = models.PositiveIntegerField(default=0)
    follower_count = models.PositiveIntegerField(default=0)
    # Goes up whenever what the items' grid shows changes: the key of its rendered fragments.
    items_version = models.PositiveBigIntegerField(default=0)
    client_token = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["visibility", "-updated_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "client_token"],
                condition=~models.Q(client_token=""),
                name="collection_unique_client_token",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("collections:detail", args=[self.pk])

    @property
    def visibility_short(self) -> str:
        return str(VISIBILITY_SHORT[Visibility(self.visibility)])


class ItemKind(models.TextChoices):
    ARTICLE = "article", _("Article")
    IMAGE = "image", _("Image")
    LINK = "link", _("Link")
    EVENT = "event", _("Event")


class Item(Removable):
    """One thing, written or uploaded once, shown in every collection it is connected to.
    Hidden by the moderators (`Removable`): absent from others' grids, lists and feeds, a notice
    on its page; its author and the moderators still see it."""

    kind = models.CharField(max_length=16, choices=ItemKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="collection_items"
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH, blank=True, default="")
    # Article text, or an event's or a link's description: Markdown, rendered once when written.
    body = models.TextField(blank=True, default="")
    body_html = models.TextField(blank=True, default="")
    # An article's cover, or the image of an image item.
    image = models.ForeignKey(
        "media.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    caption = models.TextField(blank=True, default="")
    alt_text = models.TextField(blank=True, default="")
    link_url = models.URLField(max_length=2000, blank=True, default="")
    link_preview = models.ForeignKey(
        "links.LinkPreview", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Events: start and end as instants, shown in the organiser's time zone.
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    time_zone = models.CharField(max_length=64, blank=True, default="")
    place = models.CharField(max_length=PLACE_MAX_LENGTH, blank=True, default="")
    online_url = models.URLField(max_length=2000, blank=True, default="")
    audience = models.CharField(max_length=AUDIENCE_MAX_LENGTH, blank=True, default="")
    # [{"time": "09:30", "title": "Welcome"}, ...] in the event's time zone.
    programme = models.JSONField(default=list, blank=True)
    # Articles may be drafts: only their author sees them until published.
    published_at = models.DateTimeField(null=True, blank=True)
    reading_minutes = models.PositiveIntegerField(default=0)
    recommendation_count = models.PositiveIntegerField(default=0)
    client_token = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_token"],
                condition=~models.Q(client_token=""),
                name="collection_item_unique_client_token",
            ),
            models.CheckConstraint(
                condition=models.Q(starts_at__isnull=True)
                | models.Q(ends_at__isnull=True)
                | models.Q(ends_at__gte=models.F("starts_at")),
                name="collection_item_event_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.kind} {self.pk}"

    @property
    def is_draft(self) -> bool:
        return self.published_at is None

    @property
    def display_title(self) -> str:
        if self.title:
            return self.title
        if self.kind == ItemKind.LINK and self.link_preview is not None:
            return self.link_preview.title or self.link_url
        return self.caption[:80] or self.link_url


class ConnectionStatus(models.TextChoices):
    APPROVED = "approved", _("In the collection")
    PENDING = "pending", _("Waiting for approval")
    DECLINED = "declined", _("Declined")


class Connection(models.Model):
    """An item in one collection: its place in the manual order, who added it, if approved."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="connections")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="connections")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=16, choices=ConnectionStatus.choices, default=ConnectionStatus.APPROVED
    )
    position = models.BigIntegerField(default=0)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [
            models.Index(fields=["collection", "status", "position", "id"]),
            models.Index(fields=["collection", "status", "-id"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "item"], name="connection_unique_item_per_collection"
            )
        ]

    def __str__(self) -> str:
        return f"item {self.item_id} in {self.collection_id}"

    def get_absolute_url(self) -> str:
        return reverse("collections:item", args=[self.collection_id, self.item_id])


class Contributor(models.Model):
    collection = models.ForeignKey(
        Collection, on_delete=models.CASCADE, related_name="contributors"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contributions"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["collection", "user"], name="contributor_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.collection_id}"


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    APPROVED = "approved", _("Accepted")
    DECLINED = "declined", _("Declined")


class ContributorInvitation(models.Model):
    """The owner invites a member to contribute; they accept or decline."""

    collection = models.ForeignKey(
        Collection, on_delete=models.CASCADE, related_name="contributor_invitations"
    )
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
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
                fields=["collection", "invitee"],
                condition=models.Q(status="pending"),
                name="contributor_invitation_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.invitee_id} invited to {self.collection_id}"


class ContributionRequest(models.Model):
    """Someone asks the owner to let them contribute."""

    collection = models.ForeignKey(
        Collection, on_delete=models.CASCADE, related_name="contribution_requests"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    message = models.TextField(blank=True, default="")
    status = models.CharField(
        max_length=16, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "requester"],
                condition=models.Q(status="pending"),
                name="contribution_request_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.requester_id} asks to contribute to {self.collection_id}"


class Recommendation(models.Model):
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="recommendations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "user"], name="recommendation_one_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} recommends {self.item_id}"


class CollectionFollow(models.Model):
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="collection_follows"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["collection", "user"], name="collection_follow_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.collection_id}"
