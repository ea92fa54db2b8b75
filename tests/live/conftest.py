import pytest

from perchoir.live import hub
from perchoir.live.streams import stream_unregister

from . import streams


@pytest.fixture(autouse=True)
def test_stream(settings, monkeypatch):
    """The tests' stream, quick polling (on_commit does not run inside a test's transaction, so
    only polling finds what a test publishes), and a fresh hub for each test."""
    settings.LIVE_POLL_SECONDS = 0.05
    monkeypatch.setattr(hub, "REDIS_SAFETY_POLL_SECONDS", 0.05)
    streams.register()
    yield streams.PREFIX
    stream_unregister(streams.PREFIX)
    hub._hub = None
