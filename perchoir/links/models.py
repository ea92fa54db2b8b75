from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .addresses import URL_MAX_LENGTH
from .parsing import DESCRIPTION_MAX, SITE_NAME_MAX, TITLE_MAX


class LinkPreviewStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be fetched")
    READY = "ready", _("Ready to show")
    FAILED = "failed", _("Could not be fetched")


class LinkPreview(models.Model):
    """The card of one web address, shared by everyone who links to it; fetched in the background.

    `url` is canonical (links.addresses.url_normalise), plain ASCII, so the unique index holds
    it on every database. A preview that was ready stays ready when a later refresh fails: the
    failure is recorded in `error`, never shown to readers.
    """

    url = models.CharField(max_length=URL_MAX_LENGTH, unique=True)
    status = models.CharField(
        max_length=16, choices=LinkPreviewStatus.choices, default=LinkPreviewStatus.PENDING
    )
    title = models.CharField(max_length=TITLE_MAX, blank=True, default="")
    description = models.CharField(max_length=DESCRIPTION_MAX, blank=True, default="")
    site_name = models.CharField(max_length=SITE_NAME_MAX, blank=True, default="")
    image = models.ForeignKey(
        "media.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Why the last fetch failed, for administrators; empty after a success.
    error = models.CharField(max_length=300, blank=True, default="")
    fetched_at = models.DateTimeField(null=True, blank=True)
    # When a fetch was last queued: one a day at most, however many people ask.
    requested_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("link preview")
        verbose_name_plural = _("link previews")

    def __str__(self) -> str:
        return self.url

    @property
    def host(self) -> str:
        """The site's name as its address gives it, without "www."."""
        return (urlsplit(self.url).hostname or "").removeprefix("www.")

    @property
    def site_label(self) -> str:
        return self.site_name or self.host

    @property
    def is_ready(self) -> bool:
        return self.status == LinkPreviewStatus.READY and bool(self.title)


class LinkPreviewRequest(models.Model):
    """Who asked for a preview. Only they see it by its id through the API: the address of a
    link shared in a private conversation must not be found by counting ids."""

    preview = models.ForeignKey(LinkPreview, on_delete=models.CASCADE, related_name="requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["preview", "requested_by"], name="link_preview_request_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requested_by_id} → {self.preview_id}"
