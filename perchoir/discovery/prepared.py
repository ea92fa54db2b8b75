"""Visitors' visibility checks, compiled once per process.

Every visitor (not signed in) is the same viewer, so the SQL of "what a visitor may see" is the
same on every request; only the current time changes (a suspension's end, say). Building that
SQL through the ORM cost search more than running it, so search compiles it once and binds the
time, and the ids to check, as parameters on each request: the rows are still read live.

A check is compiled twice, a clock tick apart, and kept only if the two differ in nothing but
parameters that are the current time; any other difference (a date, a value that moves) keeps
it on the ORM, built on every request as before.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, QuerySet
from django.utils import timezone

# A check's rows: the ids of the objects checked that the visitor may see, as `found_id`.
FOUND_ID = "found_id"


@dataclass(frozen=True)
class Prepared:
    sql: str  # SELECT found_id FROM ...: every object of a kind a visitor may see
    params: tuple[Any, ...]
    now_at: frozenset[int]  # the positions in params of the current time

    def bind(self, connection: BaseDatabaseWrapper) -> list[Any]:
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        return [now if i in self.now_at else p for i, p in enumerate(self.params)]


_prepared: dict[Callable[[Any], QuerySet[Any]], Prepared | None] = {}


def is_visitor(viewer: Any) -> bool:
    return isinstance(viewer, AnonymousUser)


def _compiled(visible: Callable[[Any], QuerySet[Any]]) -> tuple[str, tuple[Any, ...]]:
    rows = visible(AnonymousUser()).order_by().annotate(**{FOUND_ID: F("pk")}).values(FOUND_ID)
    sql, params = rows.query.get_compiler(using=rows.db).as_sql()
    return sql, tuple(params)


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        # A day is no current time: a check holding one is not kept.
        return datetime.min.replace(tzinfo=UTC)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)


def _tick() -> None:
    """Wait for the clock to move, so that two compilations read two different times."""
    start = timezone.now()
    while timezone.now() == start:
        pass


def _prepare(visible: Callable[[Any], QuerySet[Any]]) -> Prepared | None:
    before = timezone.now()
    sql, params = _compiled(visible)
    after = timezone.now()
    _tick()
    again_before = timezone.now()
    again_sql, again_params = _compiled(visible)
    again_after = timezone.now()
    if again_sql != sql or len(again_params) != len(params):
        return None
    now_at = set()
    for i, (first, second) in enumerate(zip(params, again_params, strict=True)):
        first_time, second_time = _as_datetime(first), _as_datetime(second)
        if first_time is None and first == second:
            continue  # a constant
        if (
            first_time is not None
            and second_time is not None
            and before <= first_time <= after
            and again_before <= second_time <= again_after
        ):
            now_at.add(i)
            continue
        return None
    return Prepared(sql=sql, params=params, now_at=frozenset(now_at))


def visitor_check(visible: Callable[[Any], QuerySet[Any]]) -> Prepared | None:
    """The compiled check of what a visitor may see among `visible`'s objects, or None if it
    cannot be compiled once (it is then built on every request)."""
    if visible not in _prepared:
        _prepared[visible] = _prepare(visible)
    return _prepared[visible]
