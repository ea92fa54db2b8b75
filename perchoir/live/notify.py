"""Waking the hubs after an event is committed: this process's directly, the others via Redis.

The message says only "look": every hub reads what is new from the database, in id order, so a
lost or repeated notification delays nothing beyond the next poll and duplicates nothing.
"""

import logging
from functools import cache

import redis
from django.conf import settings
from django.db import connection

from . import hub

logger = logging.getLogger(__name__)


def live_channel() -> str:
    """One Redis channel per database: sites or test runs sharing a Redis wake only their own."""
    return f"perchoir:live:{connection.settings_dict['NAME']}"


@cache
def _redis_client(url: str) -> "redis.Redis":
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def live_notify(event_id: int) -> None:
    """Called after commit, from any thread."""
    hub.hub_wake()
    if not settings.REDIS_URL:
        return
    try:
        _redis_client(settings.REDIS_URL).publish(live_channel(), str(event_id))
    except redis.RedisError:
        # Other processes still find the event at their next poll.
        logger.warning("live: could not notify through Redis", exc_info=True)
