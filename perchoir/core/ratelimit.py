"""Fixed-window rate limits in the cache (Redis when configured, the database cache otherwise)."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.cache import cache

from .errors import RateLimited

_suspended: ContextVar[bool] = ContextVar("ratelimits_suspended", default=False)


@contextmanager
def ratelimits_suspended() -> Iterator[None]:
    """For the site's own scripted writes through the services (`perchoir demo`): the limits
    count what people do, not weeks of demo talk written in seconds."""
    token = _suspended.set(True)
    try:
        yield
    finally:
        _suspended.reset(token)


def ratelimit_hit(scope: str, key: str, *, limit: int, period: int) -> None:
    """Count one action for `key` in `scope`; past `limit` per `period` seconds, refuse."""
    if _suspended.get():
        return
    window = int(time.time() // period)
    cache_key = f"rl:{scope}:{key}:{window}"
    # add() is atomic: it creates the counter only if it does not exist yet.
    cache.add(cache_key, 0, timeout=period + 5)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add() and incr()
        cache.set(cache_key, 1, timeout=period + 5)
        count = 1
    if count > limit:
        retry_after = period - int(time.time()) % period
        raise RateLimited(retry_after=max(1, retry_after))
