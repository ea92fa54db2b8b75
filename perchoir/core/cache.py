"""The default cache on Redis, which survives Redis going away.

The cache only ever saves work: while Redis cannot be reached, a read is a miss, a write is
dropped, and a warning is logged (once every few seconds, with a count), instead of the page
answering 500. Nothing to do when Redis returns: the client reconnects on the next call.

Rate limits fail open while Redis is away (`incr` answers as if the window had just started):
their counters live in Redis, and refusing every write for as long as the cache is down would
turn a cache outage into a site-wide outage, which is worse than a few minutes without limits.
Sign-in attempts still pass allauth's password check; the outage is logged and visible in
`/readyz`.
"""

import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# Not reaching Redis: refused, reset, timed out, still loading its data after a restart.
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
# At most one warning this often per process: an outage must not drown the logs.
WARNING_EVERY_SECONDS = 10.0

T = TypeVar("T")


class _Warnings:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.last = 0.0
        self.failures = 0

    def unreachable(self, operation: str, error: Exception) -> None:
        with self.lock:
            self.failures += 1
            now = time.monotonic()
            if now - self.last < WARNING_EVERY_SECONDS:
                return
            failures, self.failures, self.last = self.failures, 0, now
        logger.warning(
            "cache: Redis unreachable (%s: %r); %d cache operation(s) treated as misses",
            operation,
            error,
            failures,
        )


_warnings = _Warnings()


def _or(fallback: Callable[..., T]) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Run the operation; if Redis is unreachable, warn and answer `fallback(*args)`."""

    def decorate(method: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(method)
        def resilient(self: RedisCache, *args: Any, **kwargs: Any) -> T:
            try:
                return method(self, *args, **kwargs)
            except UNREACHABLE as error:
                _warnings.unreachable(method.__name__, error)
                return fallback(*args, **kwargs)

        return resilient

    return decorate


def _default(key: str, default: Any = None, version: int | None = None) -> Any:
    return default


def _delta(key: str, delta: int = 1, version: int | None = None) -> int:
    return delta


def _all_keys(data: dict[str, Any], *args: Any, **kwargs: Any) -> list[str]:
    return list(data)


class ResilientRedisCache(RedisCache):
    """Django's RedisCache, where "Redis unreachable" means a miss (see the module's doc)."""

    get = _or(_default)(RedisCache.get)
    get_many = _or(lambda *args, **kwargs: {})(RedisCache.get_many)
    has_key = _or(lambda *args, **kwargs: False)(RedisCache.has_key)
    # Not stored: add() says so, as when the key exists (callers then do without).
    add = _or(lambda *args, **kwargs: False)(RedisCache.add)
    set = _or(lambda *args, **kwargs: None)(RedisCache.set)
    set_many = _or(_all_keys)(RedisCache.set_many)
    touch = _or(lambda *args, **kwargs: False)(RedisCache.touch)
    delete = _or(lambda *args, **kwargs: False)(RedisCache.delete)
    delete_many = _or(lambda *args, **kwargs: None)(RedisCache.delete_many)
    # A counter that cannot be read starts again: rate limits fail open.
    incr = _or(_delta)(RedisCache.incr)
    clear = _or(lambda *args, **kwargs: None)(RedisCache.clear)
