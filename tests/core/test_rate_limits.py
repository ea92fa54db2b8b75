"""The global limits (E4): every write and every expensive read, per person (or access token) and
per address, for the pages and the API alike; 429 with Retry-After and RateLimit-* headers."""

import time

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from perchoir.api.services import access_token_create
from perchoir.core import ratelimit
from perchoir.follows import services as follow_services
from perchoir.settings import env_rate
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

READ_ALL = "/api/v1/notifications/read-all"


class Clock:
    """Time as the limits see it, moved forward by the test instead of sleeping."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(1_800_000_000.0)  # at the start of a 60-second window
    monkeypatch.setattr(ratelimit, "time", clock)
    return clock


@pytest.fixture
def limits(settings):
    settings.RATE_LIMITS = {
        "write:person": (3, 60),
        "write:address": (100, 60),
        "expensive-read:person": (2, 60),
        "expensive-read:address": (100, 60),
    }
    return settings.RATE_LIMITS


def token_client(user, address="10.0.0.1"):
    _, secret = access_token_create(user=user, name="Script")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}", REMOTE_ADDR=address)


def assert_refused(response, *, limit, reset):
    assert response.status_code == 429
    assert response["Retry-After"] == str(reset)
    assert response["RateLimit-Limit"] == str(limit)
    assert response["RateLimit-Remaining"] == "0"
    assert response["RateLimit-Reset"] == str(reset)


def test_api_writes_past_the_limit_are_refused_with_the_headers(limits, clock):
    client = token_client(UserFactory())
    remaining = [client.post(READ_ALL)["RateLimit-Remaining"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]

    clock.now += 20
    refused = client.post(READ_ALL)
    assert_refused(refused, limit=3, reset=40)
    assert refused.json()["error"]["code"] == "rate_limited"
    assert refused.json()["error"]["message"] == (
        "Too many requests. Please wait a moment and try again."
    )


def test_the_limit_resets_after_its_period(limits, clock):
    client = token_client(UserFactory())
    for _ in range(3):
        client.post(READ_ALL)
    assert client.post(READ_ALL).status_code == 429

    clock.now += 60
    again = client.post(READ_ALL)
    assert again.status_code == 200
    assert again["RateLimit-Remaining"] == "2"
    assert again["RateLimit-Reset"] == "60"


def test_each_person_has_their_own_count(limits, clock):
    first, second = token_client(UserFactory()), token_client(UserFactory())
    for _ in range(3):
        first.post(READ_ALL)
    assert first.post(READ_ALL).status_code == 429
    assert second.post(READ_ALL).status_code == 200


def test_one_address_is_limited_whoever_calls_from_it(limits, clock):
    limits["write:address"] = (4, 60)
    callers = [token_client(UserFactory(), address="10.0.0.9") for _ in range(2)]
    for caller in callers:
        for _ in range(2):
            assert caller.post(READ_ALL).status_code == 200
    assert_refused(callers[0].post(READ_ALL), limit=4, reset=60)
    elsewhere = token_client(UserFactory(), address="10.0.0.10")
    assert elsewhere.post(READ_ALL).status_code == 200


def test_page_writes_are_limited_with_a_page_saying_so(limits, clock, member_client):
    for _ in range(3):
        assert member_client.post("/notifications/read-all/").status_code == 302
    refused = member_client.post("/notifications/read-all/")
    assert_refused(refused, limit=3, reset=60)
    assert "Too many requests. Please wait a moment and try again." in refused.text
    # Reading a page is not a write: it goes on working.
    assert member_client.get("/notifications/").status_code == 200


def test_searching_pages_is_limited(limits, clock, member_client):
    assert member_client.get("/notifications/", {"q": "rivers"})["RateLimit-Remaining"] == "1"
    assert member_client.get("/notifications/", {"q": "rivers"}).status_code == 200
    refused = member_client.get("/notifications/", {"q": "rivers"})
    assert_refused(refused, limit=2, reset=60)
    assert "Too many requests. Please wait a moment and try again." in refused.text


def test_api_searches_are_expensive_reads(limits, clock):
    client = token_client(UserFactory())
    for _ in range(2):
        assert client.get("/api/v1/conversations", {"q": "rivers"}).status_code == 200
    assert_refused(client.get("/api/v1/conversations", {"q": "rivers"}), limit=2, reset=60)
    # Ordinary reads are not counted.
    plain = client.get("/api/v1/conversations")
    assert plain.status_code == 200
    assert "RateLimit-Limit" not in plain


def test_a_service_limit_answers_with_the_same_headers(clock, monkeypatch):
    """The services' own limits (here: following people) tell the same things as the global
    ones."""
    monkeypatch.setattr(follow_services, "FOLLOW_LIMIT", 2)
    client = token_client(UserFactory())
    for handle in ("ada", "bob"):
        UserFactory(handle=handle)
        assert client.post(f"/api/v1/people/{handle}/follow").status_code in (200, 201)
    UserFactory(handle="cyd")
    refused = client.post("/api/v1/people/cyd/follow")
    assert refused.status_code == 429
    assert refused["Retry-After"] == refused["RateLimit-Reset"]
    assert refused["RateLimit-Limit"] == "2"
    assert refused["RateLimit-Remaining"] == "0"


def test_a_wrong_limit_in_the_environment_stops_the_start(monkeypatch):
    monkeypatch.setenv("PERCHOIR_RATE_LIMIT_WRITES", "sixty a minute")
    with pytest.raises(ImproperlyConfigured, match="PERCHOIR_RATE_LIMIT_WRITES"):
        env_rate("RATE_LIMIT_WRITES", "60/60")
    monkeypatch.setenv("PERCHOIR_RATE_LIMIT_WRITES", "120/30")
    assert env_rate("RATE_LIMIT_WRITES", "60/60") == (120, 30)


def test_a_short_period_resets_on_the_real_clock(limits):
    limits["write:person"] = (1, 2)
    client = token_client(UserFactory())
    # Start at the beginning of a two-second window, so that both calls fall in it.
    time.sleep(2 - time.time() % 2)
    assert client.post(READ_ALL).status_code == 200
    refused = client.post(READ_ALL)
    assert refused.status_code == 429
    assert refused["Retry-After"] == refused["RateLimit-Reset"]
    assert 1 <= int(refused["Retry-After"]) <= 2
    time.sleep(2 - time.time() % 2 + 0.01)
    assert client.post(READ_ALL).status_code == 200
