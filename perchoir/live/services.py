"""Publishing live events, and forgetting old ones."""

import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from .models import LiveEvent
from .notify import live_notify
from .streams import stream_check_publish

# How long a client may stay away and still catch up event by event (then the page reloads).
KEEP_EVENTS = datetime.timedelta(days=7)
# Pruning is queued every this many events: no scheduler needed.
PRUNE_EVERY = 1000
PRUNE_BATCH = 5000
# pg_advisory_xact_lock key ("perch" in ASCII), see _publish_in_id_order.
PUBLISH_LOCK = 0x7065726368


def live_event_publish(*, stream: str, kind: str, payload: dict[str, Any]) -> None:
    """Record an event in the caller's transaction; streams send it once that commits.

    Publish as the *last* write of a transaction: on PostgreSQL publishers queue behind each
    other from here until their commit (see _publish_in_id_order). Rolled back, nothing is sent.
    """
    stream_check_publish(stream, kind)
    with transaction.atomic():
        _publish_in_id_order()
        event = LiveEvent.objects.create(stream=stream, kind=kind, payload=payload)
    transaction.on_commit(lambda: live_notify(event.id))
    if event.id % PRUNE_EVERY == 0:
        transaction.on_commit(_enqueue_prune)


def _publish_in_id_order() -> None:
    """Make events visible in id order, so that "everything after id N" never skips one.

    PostgreSQL hands out ids when rows are inserted, not when they commit: without this, event 11
    could be read (and a reader move past it) before event 10 commits. A transaction-level lock
    makes publishers take ids one after the other, each after the previous one committed. SQLite
    already writes one transaction at a time (IMMEDIATE), and so in id order.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PUBLISH_LOCK])


def _enqueue_prune() -> None:
    from .tasks import live_events_prune_task

    live_events_prune_task.enqueue()


def live_events_prune(*, older_than: datetime.timedelta = KEEP_EVENTS) -> int:
    """Delete events older than `older_than`, keeping each stream's newest one; returns how many.

    Keeping the newest of each stream lets a client that reconnects tell "nothing happened"
    from "what happened was pruned", and keeps ids growing on SQLite (which reuses the highest id
    of an emptied table).
    """
    cutoff = timezone.now() - older_than
    newest_per_stream = LiveEvent.objects.values("stream").annotate(last=Max("id")).values("last")
    deleted = 0
    while True:
        batch = list(
            LiveEvent.objects.filter(created_at__lt=cutoff)
            .exclude(id__in=newest_per_stream)
            .order_by("id")
            .values_list("id", flat=True)[:PRUNE_BATCH]
        )
        if not batch:
            return deleted
        deleted += LiveEvent.objects.filter(id__in=batch).delete()[0]
