"""Redis goes away and comes back: pages keep working (the cache misses, with a warning), rate
limits fail open, live updates fall back to polling the database and return to Redis.

Each test runs its own redis-server, which it stops and starts again; the shared one is never
touched."""

import logging
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache import cache

from perchoir.core.ratelimit import ratelimit_count
from tests.live.sse import HttpEventStream
from tests.live.test_http import publish_inside

from .test_metrics import sample

pytestmark = pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server")

TEST_APP = "tests.live.asgi_app:application"


class RedisServer:
    def __init__(self, folder: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port)]
        self.process = subprocess.Popen(
            [*command, "--save", "", "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        pytest.fail("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def own_redis(tmp_path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_cache(settings, own_redis):
    """The default cache on the test's own Redis (as settings.py makes it with a Redis URL)."""
    original = settings.CACHES
    settings.CACHES = {
        **original,
        "default": {
            "BACKEND": "perchoir.core.cache.ResilientRedisCache",
            "LOCATION": own_redis.url,
        },
    }
    yield own_redis
    settings.CACHES = original  # before this Redis stops: the suite's cleanup empties the cache


@pytest.mark.django_db
def test_pages_keep_working_while_redis_is_away_and_the_cache_comes_back(
    redis_cache, member_client, caplog
):
    cache.set("greeting", "hello")
    assert cache.get("greeting") == "hello"

    redis_cache.stop()
    with caplog.at_level(logging.WARNING, logger="perchoir.core.cache"):
        assert cache.get("greeting") is None  # a miss
        cache.set("greeting", "lost")
        assert member_client.get("/").status_code == 200
        assert member_client.get("/settings/profile/").status_code == 200
    assert "Redis unreachable" in caplog.text
    # One warning for the whole outage so far, not one per call.
    assert len([r for r in caplog.records if r.name == "perchoir.core.cache"]) == 1

    redis_cache.start()
    cache.set("greeting", "again")
    assert cache.get("greeting") == "again"


@pytest.mark.django_db
def test_rate_limits_fail_open_while_redis_is_away(redis_cache):
    for _ in range(3):
        ratelimit_count("test", "someone", limit=2, period=60)
    assert ratelimit_count("test", "someone", limit=2, period=60).remaining == -1

    redis_cache.stop()
    # The counters are out of reach: requests are let through rather than all refused.
    assert ratelimit_count("test", "someone", limit=2, period=60).remaining == 1

    redis_cache.start()  # empty, as a restarted Redis without persistence is
    assert ratelimit_count("test", "someone", limit=2, period=60).remaining == 1


def test_live_updates_fall_back_to_polling_and_return_to_redis(asgi_server_factory, own_redis):
    environment = {"PERCHOIR_REDIS_URL": own_redis.url, "PERCHOIR_LIVE_POLL_SECONDS": "0.3"}
    one = asgi_server_factory(app=TEST_APP, **environment)
    other = asgi_server_factory(app=TEST_APP, **environment)

    def hears_redis(server) -> bool:
        with urllib.request.urlopen(f"{server.url}/metrics", timeout=10) as response:  # noqa: S310
            text = response.read().decode()
        pid = str(server.process.pid)
        return sample(text, "perchoir_live_redis_listening", pid=pid) == 1

    def until(check, seconds: float = 20) -> None:
        deadline = time.monotonic() + seconds
        while not check():
            assert time.monotonic() < deadline, "waited in vain"
            time.sleep(0.1)

    with HttpEventStream(f"{other.url}/live/test:5/?last_event_id=0", timeout=20) as stream:
        assert stream.frame().data["kinds"]  # subscribed
        until(lambda: hears_redis(other))
        publish_inside(one.url, "with Redis", stream="test:5")
        assert [e.data["text"] for e in stream.events(1)] == ["with Redis"]

        own_redis.stop()
        until(lambda: not hears_redis(other))
        # The page that publishes still answers, and the event still gets across: by polling.
        with urllib.request.urlopen(f"{one.url}/", timeout=10) as response:  # noqa: S310
            assert response.status == 200
        publish_inside(one.url, "without Redis", stream="test:5")
        assert [e.data["text"] for e in stream.events(1)] == ["without Redis"]

        own_redis.start()
        until(lambda: hears_redis(other))
        publish_inside(one.url, "Redis is back", stream="test:5")
        assert [e.data["text"] for e in stream.events(1)] == ["Redis is back"]
