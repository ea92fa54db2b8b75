"""Search's visibility checks, compiled once per process for each kind of viewer.

The SQL of "what this viewer may see" has the same shape for every viewer of a kind: visitors,
members, moderators (`visibility.py`'s rules differ by those, and by nothing else of the viewer
but their id). Building that SQL through the ORM cost search more than running it, so search
compiles it once per shape and binds, on each request, the viewer's id, the current time (a
suspension's end) and the ids to check as parameters: the rows are still read live.

A check is compiled twice, a clock tick apart, for the viewer and for a stand-in with another id,
and kept only if the two differ in nothing but parameters that are the current time or the
viewer's id; any other difference (a date, a value that moves) keeps it on the ORM, built on
every request as before.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, QuerySet
from django.utils import timezone

# A check's rows: the ids of the objects checked that the viewer may see, as `found_id`.
FOUND_ID = "found_id"
# The stand-in's id: no real person's, so that no constant of a rule can equal it by chance.
STAND_IN_ID = 2**62 + 7

Visible = Callable[[Any], QuerySet[Any]]


@dataclass(frozen=True)
class Prepared:
    sql: str  # SELECT found_id FROM ...: every object of a kind the viewer may see
    params: tuple[Any, ...]
    now_at: frozenset[int]  # the positions in params of the current time
    viewer_at: frozenset[int]  # and of the viewer's id

    def bind(self, connection: BaseDatabaseWrapper, viewer: Any) -> list[Any]:
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        bound = {**dict.fromkeys(self.now_at, now), **dict.fromkeys(self.viewer_at, viewer.pk)}
        return [bound.get(i, p) for i, p in enumerate(self.params)]


_prepared: dict[tuple[Visible, tuple[Any, ...]], Prepared | None] = {}


def viewer_shape(viewer: Any) -> tuple[Any, ...]:
    """What a rule may read of the viewer besides their id: signed in, active, their role."""
    return (
        viewer.__class__.__name__,  # through request.user's lazy wrapper
        bool(getattr(viewer, "is_authenticated", False)),
        bool(getattr(viewer, "is_active", False)),
        getattr(viewer, "role", None),
        bool(getattr(viewer, "is_staff", False)),
        bool(getattr(viewer, "is_superuser", False)),
    )


def _stand_in(viewer: Any) -> Any:
    """Someone of the viewer's shape with another id and nothing else of theirs (never saved):
    a rule that read anything more of the viewer (a handle, say) differs in a value that is not
    the id, and is then not compiled once."""
    if isinstance(viewer, AnonymousUser):
        return AnonymousUser()
    return viewer.__class__(
        pk=STAND_IN_ID,
        is_active=viewer.is_active,
        role=viewer.role,
        is_superuser=viewer.is_superuser,  # is_staff follows from the role
    )


def _compiled(visible: Visible, viewer: Any) -> tuple[str, tuple[Any, ...]]:
    rows = visible(viewer).order_by().annotate(**{FOUND_ID: F("pk")}).values(FOUND_ID)
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


def _prepare(visible: Visible, viewer: Any) -> Prepared | None:
    before = timezone.now()
    sql, params = _compiled(visible, viewer)
    after = timezone.now()
    _tick()
    stand_in = _stand_in(viewer)
    again_before = timezone.now()
    again_sql, again_params = _compiled(visible, stand_in)
    again_after = timezone.now()
    if again_sql != sql or len(again_params) != len(params):
        return None
    now_at, viewer_at = set(), set()
    for i, (first, second) in enumerate(zip(params, again_params, strict=True)):
        first_time, second_time = _as_datetime(first), _as_datetime(second)
        if first_time is None and first == second:
            continue  # a constant
        if viewer.pk is not None and (first, second) == (viewer.pk, stand_in.pk):
            viewer_at.add(i)
            continue
        if (
            first_time is not None
            and second_time is not None
            and before <= first_time <= after
            and again_before <= second_time <= again_after
        ):
            now_at.add(i)
            continue
        return None
    return Prepared(sql, params, frozenset(now_at), frozenset(viewer_at))


def check_for(visible: Visible, viewer: Any) -> Prepared | None:
    """The compiled check of what viewers of this one's shape may see among `visible`'s
    objects, or None if it cannot be compiled once (it is then built on every request)."""
    key = (visible, viewer_shape(viewer))
    if key not in _prepared:
        _prepared[key] = _prepare(visible, viewer)
    return _prepared[key]
