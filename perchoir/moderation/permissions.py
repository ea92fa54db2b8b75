"""Who may do what in moderation: pure predicates, no queries."""

from typing import Any

from perchoir.accounts.models import Role


def is_member(viewer: Any) -> bool:
    return bool(viewer is not None and viewer.is_authenticated and viewer.is_active)


def is_moderator(viewer: Any) -> bool:
    return is_member(viewer) and getattr(viewer, "role", None) in (Role.MODERATOR, Role.ADMIN)


def is_admin(viewer: Any) -> bool:
    return is_member(viewer) and getattr(viewer, "role", None) == Role.ADMIN
