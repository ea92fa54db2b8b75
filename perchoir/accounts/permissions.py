"""Who may do what with profiles: pure predicates over the people involved, no queries."""

from django.contrib.auth.models import AnonymousUser

from .models import Role, User

Viewer = User | AnonymousUser


def _is_active_person(viewer: Viewer) -> bool:
    return bool(viewer.is_authenticated and viewer.is_active)


def can_edit_profile(viewer: Viewer, person: User) -> bool:
    """A profile is edited by its person only; roles give no power over someone's words here."""
    return _is_active_person(viewer) and viewer.pk == person.pk


def can_see_role_badge(viewer: Viewer, person: User) -> bool:
    """Who moderates is public, to everyone: members carry no badge."""
    return person.is_active and person.role in (Role.MODERATOR, Role.ADMIN)
