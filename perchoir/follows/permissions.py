"""Who may follow whom: pure predicates, no queries."""

from django.contrib.auth.models import AnonymousUser

from perchoir.accounts.models import User

Viewer = User | AnonymousUser


def can_follow(viewer: Viewer, person: User, *, blocked: bool = False) -> bool:
    """Any active member may follow any other active person; nobody follows themselves, and
    nobody follows across a block (`blocked`: either has blocked the other)."""
    return bool(
        viewer.is_authenticated
        and viewer.is_active
        and person.is_active
        and viewer.pk != person.pk
        and not blocked
    )


def can_block(viewer: Viewer, person: User) -> bool:
    """Any active member may block any other person, a moderator too; never themselves."""
    return bool(viewer.is_authenticated and viewer.is_active and viewer.pk != person.pk)
