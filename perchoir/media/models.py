from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImageStatus(models.TextChoices):
    PROCESSING = "processing", _("Preparing thumbnails")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Thumbnails could not be made")


class Image(models.Model):
    """An uploaded image, re-encoded without metadata; thumbnails are made in the background."""

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="images"
    )
    file = models.FileField(upload_to="images/%Y/%m/", max_length=255)
    format = models.CharField(max_length=8)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size_bytes = models.PositiveIntegerField()
    # Thumbnail width in pixels (as a string key) → storage name.
    thumbnails = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=16, choices=ImageStatus.choices, default=ImageStatus.PROCESSING
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.file.name
