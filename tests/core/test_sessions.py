"""Sessions: in the database without Redis; with Redis, read from the cache and written through to
the database, so that people stay signed in while Redis is away."""

import os
import subprocess
import sys

import pytest
from django.contrib.sessions.backends.cached_db import KEY_PREFIX
from django.core.cache import cache

from tests.core.test_run_command import free_port  # nothing listens there once it is closed
from tests.factories import UserFactory

CACHED_DB = "django.contrib.sessions.backends.cached_db"


def _session_engine(**environment: str) -> str:
    env = {
        key: value for key, value in os.environ.items() if key != "PERCHOIR_REDIS_URL"
    } | environment
    finished = subprocess.run(
        [sys.executable, "-c", "from perchoir import settings; print(settings.SESSION_ENGINE)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return finished.stdout.strip()


def test_sessions_live_in_the_database_without_redis_and_in_both_with_it():
    assert _session_engine() == "django.contrib.sessions.backends.db"
    assert _session_engine(PERCHOIR_REDIS_URL="redis://127.0.0.1:6379/0") == CACHED_DB


@pytest.mark.django_db
def test_with_redis_a_session_is_read_from_the_cache_and_survives_redis_going_away(
    client, settings
):
    settings.SESSION_ENGINE = CACHED_DB
    redis_url = os.environ.get("PERCHOIR_REDIS_URL")
    if redis_url:  # the real Redis of the PostgreSQL + Redis run
        settings.CACHES = {
            **settings.CACHES,
            "default": {**settings.CACHES["default"], "LOCATION": redis_url},
        }
    member = UserFactory(handle="ada")
    client.force_login(member)
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert cache.get(KEY_PREFIX + session_key) is not None  # read without the database
    assert client.get("/settings/profile/").status_code == 200

    # Redis goes away: the cache misses (perchoir.core.cache), the database still has the session.
    reachable = settings.CACHES
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "perchoir.core.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
    }
    response = client.get("/settings/profile/")
    settings.CACHES = reachable  # for the cleaning after the test

    assert response.status_code == 200
    assert "@ada" in response.content.decode()
