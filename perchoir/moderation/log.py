"""Appending to the moderation log: the only way entries are written (D6).

Other apps call `log_append` inside their own transaction (the conversations app logs its
starters' room actions here too), so the team sees every act in one place.
"""

from typing import Any

from perchoir.accounts.models import User

from .models import LogEntry


def _jsonable(value: dict[str, Any] | None) -> dict[str, Any]:
    def one(item: Any) -> Any:
        if isinstance(item, dict):
            return {str(k): one(v) for k, v in item.items()}
        if isinstance(item, list | tuple):
            return [one(v) for v in item]
        if item is None or isinstance(item, bool | int | float | str):
            return item
        if hasattr(item, "isoformat"):
            return item.isoformat()
        return str(item)

    return one(value or {})


def log_append(
    *,
    actor: User | None,
    verb: str,
    actor_role: str = "moderator",
    subject: User | None = None,
    target_kind: str = "",
    target_id: int | None = None,
    case_id: int | None = None,
    action_id: int | None = None,
    reason: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> LogEntry:
    entry = LogEntry(
        actor_id=actor.pk if actor is not None else None,
        actor_handle=actor.handle if actor is not None else "",
        actor_role=actor_role if actor is not None else "system",
        verb=verb,
        subject_id=subject.pk if subject is not None else None,
        subject_handle=subject.handle if subject is not None else "",
        target_kind=target_kind,
        target_id=target_id,
        case_id=case_id,
        action_id=action_id,
        reason=reason,
        before=_jsonable(before),
        after=_jsonable(after),
    )
    entry.save()
    return entry
