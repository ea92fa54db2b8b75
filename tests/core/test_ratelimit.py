"""The one rate-limit counter, and its suspension for the site's own scripted writes."""

import pytest

from perchoir.core.errors import RateLimited
from perchoir.core.ratelimit import ratelimit_hit, ratelimits_suspended

pytestmark = pytest.mark.django_db


def test_past_the_limit_the_action_is_refused_with_a_wait():
    for _ in range(3):
        ratelimit_hit("test", "ada", limit=3, period=60)
    with pytest.raises(RateLimited) as error:
        ratelimit_hit("test", "ada", limit=3, period=60)
    assert 1 <= error.value.retry_after <= 60


def test_suspended_limits_count_nothing_and_come_back_afterwards():
    with ratelimits_suspended():
        for _ in range(10):
            ratelimit_hit("test", "bob", limit=1, period=60)
    ratelimit_hit("test", "bob", limit=1, period=60)
    with pytest.raises(RateLimited):
        ratelimit_hit("test", "bob", limit=1, period=60)
