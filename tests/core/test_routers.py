"""Reads on replicas, writes on the primary, read-your-writes, and replicas skipped when they are
down or behind. The "replicas" here are the test database seen through another connection (as
Django's MIRROR does), or a closed port; the real streaming replica is exercised by the cluster
journey (tests/cluster)."""

import time

import pytest
from django.contrib.sessions.models import Session
from django.db import connections, transaction
from django.db.utils import load_backend
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from perchoir.accounts.models import User
from perchoir.core.models import SiteSettings
from perchoir.core.routers import (
    COOKIE_NAME,
    HEADER,
    ReplicaRouter,
    reads_for_request,
    replica_health,
    replica_is_usable,
    replica_lag_seconds,
)
from perchoir.core.selectors import site_settings_get
from perchoir.settings import replica_databases
from tests.core.test_run_command import free_port  # nothing listens there once it is closed
from tests.factories import UserFactory

# Committed rows, as a replica sees them (and no test transaction that would pin to the primary).
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def replicas(settings):
    """Add replica databases as PERCHOIR_DATABASE_REPLICA_URLS would: `add("mirror")` is the
    test database through its own connection, `add("down")` a PostgreSQL nobody listens to."""
    settings.DATABASE_ROUTING_HEADER = True
    settings.DATABASE_REPLICAS = []
    added: list[str] = []

    def add(kind: str) -> str:
        alias = f"replica{len(added) + 1}"
        settings_dict = dict(connections["default"].settings_dict)
        if kind == "down":
            settings_dict |= {
                "ENGINE": "django.db.backends.postgresql",
                "HOST": "127.0.0.1",
                "PORT": str(free_port()),
                "NAME": "perchoir",
                "USER": "perchoir",
                "PASSWORD": "",
                "OPTIONS": {"connect_timeout": 2},
            }
        # Made here rather than in settings.DATABASES, which the test database setup has read.
        connections[alias] = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(
            settings_dict, alias
        )
        added.append(alias)
        settings.DATABASE_REPLICAS = [*settings.DATABASE_REPLICAS, alias]
        return alias

    replica_health.forget()
    # Made on the first page otherwise; that write would send the visitor to the primary.
    site_settings_get()
    yield add
    replica_health.forget()
    for alias in added:
        connections[alias].close()
        del connections[alias]


def _read_from(response) -> set[str]:
    return set(response[HEADER].split(","))


def test_anonymous_pages_read_from_a_replica(client, replicas):
    replica = replicas("mirror")
    UserFactory(handle="ada", display_name="Ada Lovelace")

    with CaptureQueriesContext(connections[replica]) as on_replica:
        response = client.get("/@ada")

    assert response.status_code == 200
    assert "Ada Lovelace" in response.content.decode()
    assert replica in _read_from(response)
    assert len(on_replica) > 0


def test_whoever_just_wrote_reads_from_the_primary_for_a_while(client, replicas, settings):
    replica = replicas("mirror")
    UserFactory(handle="ada")
    settings.READ_YOUR_WRITES_SECONDS = 1

    written = client.post("/i18n/setlang/", {"language": "fr", "next": "/@ada"})
    assert COOKIE_NAME in written.cookies

    with CaptureQueriesContext(connections[replica]) as on_replica:
        response = client.get("/@ada")
    assert _read_from(response) == {"default"}
    assert len(on_replica) == 0

    time.sleep(2.1)  # the signed moment is in whole seconds
    assert replica in _read_from(client.get("/@ada"))


def test_a_forged_write_marker_is_ignored(client, replicas):
    replica = replicas("mirror")
    UserFactory(handle="ada")
    client.cookies[COOKIE_NAME] = "1"
    assert replica in _read_from(client.get("/@ada"))


def test_transactions_writes_and_background_work_use_the_primary(replicas):
    replica = replicas("mirror")
    router = ReplicaRouter()

    # Outside a web request (the worker, commands): the primary.
    assert User.objects.all().db == "default"
    with reads_for_request(primary_only=False):
        assert User.objects.all().db == replica
        # A sign-out ends a session at once; the queue is the worker's, on the primary.
        assert Session.objects.all().db == "default"
        assert DBTaskResult.objects.all().db == "default"
        with transaction.atomic():
            assert User.objects.all().db == "default"
        assert router.db_for_write(User) == "default"
    with reads_for_request(primary_only=True):
        assert User.objects.all().db == "default"
    assert router.allow_migrate("default", "accounts")
    assert not router.allow_migrate(replica, "accounts")


def test_a_replica_that_cannot_be_reached_is_skipped_and_pages_still_work(client, replicas):
    down = replicas("down")
    UserFactory(handle="ada", display_name="Ada Lovelace")

    assert not replica_is_usable(down)
    replica_health.forget()
    response = client.get("/@ada")

    assert response.status_code == 200
    assert "Ada Lovelace" in response.content.decode()
    assert _read_from(response) == {"default"}


def test_a_healthy_replica_is_chosen_over_one_that_is_down(client, replicas):
    replicas("down")
    mirror = replicas("mirror")
    UserFactory(handle="ada")

    for _ in range(4):
        assert _read_from(client.get("/@ada")) == {mirror}
        replica_health.forget()


def test_a_replica_further_behind_than_allowed_is_skipped(client, replicas, settings):
    replica = replicas("mirror")
    UserFactory(handle="ada")

    # A real query: the test database is not in recovery, so it is not behind at all.
    assert replica_lag_seconds(replica) == 0.0
    assert replica_is_usable(replica)

    settings.REPLICA_MAX_LAG_SECONDS = -1.0  # stricter than any replica can be
    replica_health.forget()
    assert not replica_is_usable(replica)
    assert _read_from(client.get("/@ada")) == {"default"}


def test_without_replicas_nothing_is_marked(client):
    UserFactory(handle="ada")
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/@ada"})
    assert COOKIE_NAME not in response.cookies
    assert HEADER not in client.get("/@ada")


def test_a_page_that_wrote_even_on_get_sends_its_visitor_to_the_primary(client, replicas):
    replicas("mirror")
    UserFactory(handle="ada")
    SiteSettings.objects.all().delete()  # the first page makes them again: a write

    response = client.get("/@ada")

    assert COOKIE_NAME in response.cookies
    assert _read_from(client.get("/@ada")) == {"default"}


def test_a_skipped_replica_is_not_asked_again_on_every_request(client, replicas, monkeypatch):
    replicas("down")
    UserFactory(handle="ada")
    asked: list[str] = []

    def counted(alias: str) -> bool:
        asked.append(alias)
        return replica_is_usable(alias)

    monkeypatch.setattr(replica_health, "check", counted)
    for _ in range(5):
        assert client.get("/@ada").status_code == 200

    assert asked == ["replica1"]


def test_replica_urls_become_replica_databases_mirrored_in_tests():
    replicas = replica_databases(
        ["postgres://reader:secret@10.0.0.12:5432/perchoir", "postgres://reader@replica-b/perchoir"]
    )

    assert list(replicas) == ["replica1", "replica2"]
    first = replicas["replica1"]
    assert (first["HOST"], first["PORT"], first["USER"]) == ("10.0.0.12", 5432, "reader")
    assert first["OPTIONS"]["connect_timeout"] == 2  # a vanished replica is skipped quickly
    assert first["TEST"] == {"MIRROR": "default"}
    assert replicas["replica2"]["HOST"] == "replica-b"


def test_a_replica_that_is_down_leaves_the_site_ready(client, replicas):
    replicas("down")

    response = client.get("/readyz")

    # The router skips it; taking every web process out of the balancer would be worse.
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"
