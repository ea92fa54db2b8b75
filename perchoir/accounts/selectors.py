"""Reads about people."""

from perchoir.core.errors import NotFound

from .models import User


def profile_get_by_handle(handle: str) -> User:
    """The active person with this handle, whatever its casing; anyone else is absent."""
    person = (
        User.objects.select_related("avatar", "invited_by")
        .filter(handle__iexact=handle.removeprefix("@"), is_active=True)
        .first()
    )
    if person is None:
        raise NotFound()
    return person


def profile_get_for_user(user: User) -> User:
    """The signed-in person with what their own profile shows, in one query."""
    return User.objects.select_related("avatar", "invited_by").get(id=user.id)
