from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class LiveEvent(models.Model):
    """Something that happened in a stream, kept a while so that a client that reconnects with
    `Last-Event-ID` receives what it missed. The id is the server-sent event's id: it grows, and
    events become visible in id order (see services.live_event_publish)."""

    id = models.BigAutoField(primary_key=True)
    # "<prefix>:<key>", e.g. "conversation:42"; the prefix is registered in live.streams.
    stream = models.CharField(max_length=200)
    # What happened, e.g. "message.created"; the browser receives it as the event's type.
    kind = models.CharField(max_length=64)
    # Dates, decimals and lazy strings are accepted and stored as strings.
    payload = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["stream", "id"], name="live_event_stream_idx")]

    def __str__(self) -> str:
        return f"{self.id} {self.stream} {self.kind}"
