"""Who may follow whom: pure predicates, no queries."""

from django.contrib.auth.models import AnonymousUser

from perchoir.accounts.models import User

Viewer = User | AnonymousUser


def can_follow(viewer: Viewer, person: User) -> bool:
    """Any active member may follow any other active person; nobody follows themselves."""
    return bool(
        viewer.is_authenticated and viewer.is_active and person.is_active and viewer.pk != person.pk
    )
