"""Reads on streaming replicas, writes on the primary (docs/decisions/0013).

Only the reads of a web request may go to a replica, and only when nothing says they must not:
- writes, transactions (`atomic` blocks, `select_for_update`) and everything outside a web request
  (the worker, commands) use the primary, so a task never misses the row that queued it;
- a request that changes something (POST, PUT, PATCH, DELETE), and every request of whoever made
  one, or whose request wrote anything, in the last `READ_YOUR_WRITES_SECONDS`, reads from the
  primary: a signed cookie carries that moment, for people signed in and anonymous alike;
- a replica that cannot be reached, or lags more than `REPLICA_MAX_LAG_SECONDS`, is skipped; each
  process checks each usable replica at most every `HEALTH_CHECK_SECONDS`, a skipped one every
  `UNHEALTHY_RECHECK_SECONDS`.
One replica is chosen per request, so that a page's reads see one consistent state.
"""

import logging
import math
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

HEALTH_CHECK_SECONDS = 2.0
# A replica found unusable is asked again less often: reaching one that is gone can take the
# connect timeout, paid by the request that asks.
UNHEALTHY_RECHECK_SECONDS = 10.0
COOKIE_NAME = "perchoir_wrote"
COOKIE_SALT = "perchoir.core.routers.read-your-writes"
HEADER = "X-Perchoir-Read-From"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
WRITE_STATEMENTS = ("INSERT", "UPDATE", "DELETE")
# Read from the primary even in a request: the database cache (rate-limit counters when there is
# no Redis), sessions (a sign-out must end them at once) and the task queue.
PRIMARY_ONLY_APPS = frozenset({"django_cache", "sessions", "django_tasks_database"})

# PostgreSQL: 0 on a primary; unknown (NULL) on a replica that is not streaming from its primary
# (after a primary restart it has replayed all it received, yet misses what came since); 0 on a
# replica that has replayed all it received, else the age of the last transaction it replayed
# (which keeps growing while replay is stuck). Without pg_read_all_stats only `pid` is visible.
LAG_QUERY = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN NOT EXISTS (
        SELECT 1 FROM pg_stat_wal_receiver WHERE status IS NULL OR status = 'streaming'
    ) THEN NULL
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
    ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
END
"""


@dataclass
class RequestRouting:
    """Where one request reads: None until its first read chooses (a replica or the primary)."""

    primary_only: bool
    chosen: str | None = None
    used: set[str] = field(default_factory=set)


_request: ContextVar[RequestRouting | None] = ContextVar("perchoir_request_routing", default=None)


# --- Replica health -----------------------------------------------------------------------------


def replica_lag_seconds(alias: str) -> float:
    """How far behind the primary the database `alias` is, in seconds (a real query; raises
    DatabaseError when it cannot be reached; infinite when it cannot know). Databases without
    replication lag by 0."""
    with connections[alias].cursor() as cursor:
        if connections[alias].vendor != "postgresql":
            cursor.execute("SELECT 1")
            return 0.0
        cursor.execute(LAG_QUERY)
        row = cursor.fetchone()
    if not row:
        return 0.0
    return math.inf if row[0] is None else float(row[0])


def replica_is_usable(alias: str) -> bool:
    """Reachable and no further behind than REPLICA_MAX_LAG_SECONDS (checked now)."""
    try:
        lag = replica_lag_seconds(alias)
    except DatabaseError as error:
        logger.warning("Replica %s is skipped: %s", alias, error)
        connections[alias].close()
        return False
    if lag > settings.REPLICA_MAX_LAG_SECONDS:
        logger.warning(
            "Replica %s is skipped: %.1f s behind (at most %s)",
            alias,
            lag,
            settings.REPLICA_MAX_LAG_SECONDS,
        )
        return False
    return True


class _Health:
    """Each replica's last verdict in this process, kept HEALTH_CHECK_SECONDS."""

    def __init__(self, check: Callable[[str], bool]) -> None:
        self.check = check
        self.lock = threading.Lock()
        self.verdicts: dict[str, tuple[float, bool]] = {}

    def usable(self, alias: str) -> bool:
        now = time.monotonic()
        with self.lock:
            known = self.verdicts.get(alias)
        if known is not None:
            checked_at, usable = known
            if now - checked_at < (HEALTH_CHECK_SECONDS if usable else UNHEALTHY_RECHECK_SECONDS):
                return usable
        verdict = self.check(alias)
        with self.lock:
            self.verdicts[alias] = (time.monotonic(), verdict)
        return verdict

    def forget(self) -> None:
        with self.lock:
            self.verdicts.clear()


replica_health = _Health(replica_is_usable)


def replica_choose() -> str:
    """A usable replica at random, or the primary when none is."""
    candidates = list(settings.DATABASE_REPLICAS)
    random.shuffle(candidates)
    for alias in candidates:
        if replica_health.usable(alias):
            return alias
    return DEFAULT_DB_ALIAS


# --- The router ---------------------------------------------------------------------------------


class ReplicaRouter:
    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        routing = _request.get()
        if routing is None:
            return None
        if routing.primary_only or model._meta.app_label in PRIMARY_ONLY_APPS:
            alias = DEFAULT_DB_ALIAS
        elif connections[DEFAULT_DB_ALIAS].in_atomic_block:
            # A transaction reads what it writes, and locks on the primary.
            alias = DEFAULT_DB_ALIAS
        else:
            if routing.chosen is None:
                routing.chosen = replica_choose()
            alias = routing.chosen
        routing.used.add(alias)
        return alias

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        # Replicas hold the same rows as the primary.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS


# --- Per request --------------------------------------------------------------------------------


@contextmanager
def reads_for_request(*, primary_only: bool) -> Iterator[RequestRouting]:
    """Let this request's reads go to a replica (unless `primary_only`) until the block ends."""
    routing = RequestRouting(primary_only=primary_only)
    token = _request.set(routing)
    try:
        yield routing
    finally:
        _request.reset(token)


class _WriteDetector:
    """Notes whether a statement that changes rows ran on the primary."""

    def __init__(self) -> None:
        self.wrote = False

    def __call__(self, execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        if not self.wrote and str(sql).lstrip().upper().startswith(WRITE_STATEMENTS):
            self.wrote = True
        return execute(sql, *args)


def _wrote_recently(request: HttpRequest) -> bool:
    return (
        request.get_signed_cookie(
            COOKIE_NAME,
            default=None,
            salt=COOKIE_SALT,
            max_age=timedelta(seconds=settings.READ_YOUR_WRITES_SECONDS),
        )
        is not None
    )


class ReplicaRoutingMiddleware:
    """Decides where a request reads, and marks whoever just wrote (see the module's doc)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.DATABASE_REPLICAS:
            return self.get_response(request)
        writing = request.method not in SAFE_METHODS
        detector = _WriteDetector()
        with (
            reads_for_request(primary_only=writing or _wrote_recently(request)) as routing,
            connections[DEFAULT_DB_ALIAS].execute_wrapper(detector),
        ):
            response = self.get_response(request)
        if writing or detector.wrote:
            response.set_signed_cookie(
                COOKIE_NAME,
                "1",
                salt=COOKIE_SALT,
                max_age=timedelta(seconds=settings.READ_YOUR_WRITES_SECONDS),
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        if settings.DATABASE_ROUTING_HEADER:
            response[HEADER] = ",".join(sorted(routing.used)) or "-"
        return response
