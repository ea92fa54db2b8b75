"""The event stream over real HTTP, served by the real server of `perchoir run` in other
processes: delivery, resuming after a disconnect, and fan-out across processes."""

import http.client
import urllib.request
from urllib.error import HTTPError
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings

from perchoir.live.models import LiveEvent
from perchoir.live.selectors import live_stream_last_event_id
from perchoir.live.services import live_event_publish

from .sse import HttpEventStream

TEST_APP = "tests.live.asgi_app:application"
# Slower than any test waits: an event that arrives was woken by a publish, not found by a poll.
NO_POLLING = "60"


def publish(text: str, stream: str = "test:1") -> int:
    live_event_publish(stream=stream, kind="note.created", payload={"text": text})
    return LiveEvent.objects.latest("id").id


def publish_inside(server_url: str, text: str, stream: str = "test:1") -> None:
    """Publish from inside a server process, as one of its views would."""
    parts = urlsplit(server_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.request("POST", "/test/publish/?" + urlencode({"stream": stream, "text": text}))
    assert connection.getresponse().status == 204
    connection.close()


def test_the_real_server_serves_pages_and_streams_at_one_address(asgi_live_server):
    with urllib.request.urlopen(f"{asgi_live_server.url}/", timeout=10) as response:  # noqa: S310
        assert response.status == 200
        assert "Perchoir" in response.read().decode()
    with pytest.raises(HTTPError) as refused:
        urllib.request.urlopen(f"{asgi_live_server.url}/live/elsewhere:1/", timeout=10)  # noqa: S310
    assert refused.value.code == 404


def test_an_event_arrives_as_it_happens_and_a_reconnection_misses_nothing(asgi_server_factory):
    server = asgi_server_factory(app=TEST_APP)
    url = f"{server.url}/live/test:1/?last_event_id={live_stream_last_event_id('test:1')}"

    with HttpEventStream(url) as stream:
        assert stream.response.status == 200
        assert stream.response.getheader("Content-Type") == "text/event-stream"
        assert stream.frame().data["kinds"]  # subscribed
        first = publish("first")
        [event] = stream.events(1)
        assert (event.id, event.kind, event.data) == (first, "note.created", {"text": "first"})

    # While the browser is away (a network change, a laptop lid) two more things happen.
    missed = [publish("second"), publish("third")]
    with HttpEventStream(url, last_event_id=first) as stream:
        assert [e.id for e in stream.events(2)] == missed
        after = publish("fourth")
        assert [e.data["text"] for e in stream.events(1)] == ["fourth"]
    assert after > missed[-1]


@pytest.fixture
def live_server(asgi_live_server):
    """As a browser test module would: its pages then come from the real server too."""
    return asgi_live_server


def test_tests_that_use_live_server_can_be_served_by_it(live_server):
    with urllib.request.urlopen(f"{live_server.url}/", timeout=10) as response:  # noqa: S310
        assert response.status == 200
        assert response.headers["Content-Security-Policy"]


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs PERCHOIR_REDIS_URL")
def test_through_redis_an_event_published_in_one_process_reaches_the_others_at_once(
    asgi_server_factory,
):
    one = asgi_server_factory(app=TEST_APP, PERCHOIR_LIVE_POLL_SECONDS=NO_POLLING)
    other = asgi_server_factory(app=TEST_APP, PERCHOIR_LIVE_POLL_SECONDS=NO_POLLING)
    assert_fan_out(publisher=one, subscribers=[one, other])


def test_without_redis_processes_find_each_others_events_by_polling(asgi_server_factory):
    # The publishing process wakes its own hub; the other finds the event at its next poll.
    one = asgi_server_factory(
        app=TEST_APP, PERCHOIR_REDIS_URL="", PERCHOIR_LIVE_POLL_SECONDS=NO_POLLING
    )
    other = asgi_server_factory(app=TEST_APP, PERCHOIR_REDIS_URL="")
    assert_fan_out(publisher=one, subscribers=[one, other])


def assert_fan_out(*, publisher, subscribers) -> None:
    streams = [
        HttpEventStream(f"{server.url}/live/test:7/?last_event_id=0", timeout=20)
        for server in subscribers
    ]
    try:
        for stream in streams:
            assert stream.frame().data["kinds"]  # subscribed
        publish_inside(publisher.url, "hello", stream="test:7")
        publish_inside(publisher.url, "again", stream="test:7")
        for stream in streams:
            assert [e.data["text"] for e in stream.events(2)] == ["hello", "again"]
    finally:
        for stream in streams:
            stream.close()
