"""Publishing: in the caller's transaction, announced after commit; old events are forgotten."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from perchoir.live import notify, services
from perchoir.live.models import LiveEvent
from perchoir.live.selectors import live_stream_last_event_id
from perchoir.live.services import live_event_publish, live_events_prune


@pytest.fixture
def notified(monkeypatch):
    ids: list[int] = []
    monkeypatch.setattr(notify.hub, "hub_wake", lambda: ids.append(-1))
    monkeypatch.setattr(services, "live_notify", ids.append)
    return ids


def publish(stream="test:1", kind="note.created", **payload):
    live_event_publish(stream=stream, kind=kind, payload=payload)
    return LiveEvent.objects.latest("id")


@pytest.mark.django_db(transaction=True)
def test_an_event_is_announced_once_its_transaction_commits(notified):
    with transaction.atomic():
        event = publish(text="hello")
        assert notified == []
    assert notified == [event.id]
    assert (event.stream, event.kind) == ("test:1", "note.created")
    assert event.payload == {"text": "hello"}


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_event_is_neither_kept_nor_announced(notified):
    def publish_then_fail():
        with transaction.atomic():
            publish(text="never")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        publish_then_fail()
    assert not LiveEvent.objects.exists()
    assert notified == []


@pytest.mark.django_db
def test_the_last_event_id_of_a_stream_is_where_a_page_starts():
    assert live_stream_last_event_id("test:1") == 0
    first = publish()
    publish(stream="test:2")
    assert live_stream_last_event_id("test:1") == first.id
    second = publish()
    assert live_stream_last_event_id("test:1") == second.id > first.id


@pytest.mark.django_db
def test_an_undeclared_kind_is_not_stored():
    with pytest.raises(ValueError, match="not declared"):
        publish(kind="note.vanished")
    assert not LiveEvent.objects.exists()


@pytest.mark.django_db
def test_payload_dates_are_stored_as_text():
    when = datetime.datetime(2026, 1, 2, 3, 4, tzinfo=datetime.UTC)
    event = publish(at=when)
    event.refresh_from_db()
    assert event.payload == {"at": "2026-01-02T03:04:00Z"}


@pytest.mark.django_db
def test_pruning_forgets_old_events_but_keeps_each_streams_newest():
    old = timezone.now() - datetime.timedelta(days=8)
    publish(stream="test:1")
    publish(stream="test:2")
    old_but_newest_of_2 = publish(stream="test:2")
    publish(stream="test:1")
    recent = publish(stream="test:1")
    LiveEvent.objects.exclude(id=recent.id).update(created_at=old)

    assert live_events_prune() == 3

    remaining = set(LiveEvent.objects.values_list("id", flat=True))
    assert remaining == {old_but_newest_of_2.id, recent.id}


@pytest.mark.django_db
def test_pruning_is_queued_every_so_many_events(monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(services, "PRUNE_EVERY", 1)
    publish()
    LiveEvent.objects.update(created_at=timezone.now() - datetime.timedelta(days=8))
    with django_capture_on_commit_callbacks(execute=True):
        publish()
    # The task ran (tasks run at once in tests): the old event went, the newest stayed.
    assert LiveEvent.objects.count() == 1
