"""The registry of streams: who may listen, and what may be published."""

import pytest

from perchoir.live.streams import (
    stream_can_subscribe,
    stream_check_publish,
    stream_kinds,
    stream_register,
)


def test_a_registered_check_decides_who_may_listen():
    assert stream_can_subscribe(object(), "test:1")
    assert not stream_can_subscribe(object(), "test:secret-1")


def test_unknown_prefixes_and_odd_keys_are_nobodys_streams():
    assert not stream_can_subscribe(object(), "nothing:1")
    assert not stream_can_subscribe(object(), "test")
    assert not stream_can_subscribe(object(), "test:")
    assert not stream_can_subscribe(object(), "test:a b")


def test_a_client_listens_to_the_declared_kinds_and_to_reloads():
    assert stream_kinds("test:1") == ["live.reload", "note.created", "note.edited"]


def test_publishing_an_undeclared_kind_or_to_an_unknown_stream_is_refused():
    stream_check_publish("test:1", "note.created")
    with pytest.raises(ValueError, match="not declared"):
        stream_check_publish("test:1", "note.deleted")
    with pytest.raises(ValueError, match="not registered"):
        stream_check_publish("elsewhere:1", "note.created")


def test_prefixes_and_kinds_are_checked_when_registered():
    with pytest.raises(ValueError, match="prefix"):
        stream_register("Has:Colon", lambda user, key: True, kinds=[])
    with pytest.raises(ValueError, match="kind"):
        stream_register("other", lambda user, key: True, kinds=["live.reload"])
