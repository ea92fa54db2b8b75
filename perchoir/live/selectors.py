"""Reads of live events: what a page renders as its starting point, what a client missed."""

from .models import LiveEvent


def live_stream_last_event_id(stream: str) -> int:
    """The newest event of `stream` (0 if none), in one query.

    A page calls this *before* reading what it shows and renders it into the page
    (live/_status.html); the browser then asks for the events after it. Read first, an event
    committed while the page is being built arrives twice (harmless to ignore) rather than never.
    """
    return (
        LiveEvent.objects.filter(stream=stream).order_by("-id").values_list("id", flat=True).first()
        or 0
    )


def live_last_event_id() -> int:
    """The newest event of all streams (0 if none): where a process starts listening."""
    return LiveEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def live_events_after(*, stream: str, after: int, limit: int) -> list[LiveEvent]:
    """Up to `limit` events of `stream` after `after`, oldest first."""
    return list(LiveEvent.objects.filter(stream=stream, id__gt=after).order_by("id")[:limit])


def live_events_since(*, after: int, limit: int) -> list[LiveEvent]:
    """Up to `limit` events of every stream after `after`, oldest first (the hub's one query)."""
    return list(LiveEvent.objects.filter(id__gt=after).order_by("id")[:limit])


def live_event_kept(*, stream: str, event_id: int) -> bool:
    """Is the event a client last received still stored? If pruning removed it, events after it
    may be gone too, and the client cannot catch up event by event."""
    return LiveEvent.objects.filter(stream=stream, id=event_id).exists()
