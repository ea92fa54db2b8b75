from functools import cached_property

from django.http import HttpRequest

from . import selectors

# The header shows "99+" beyond this: counting stops there, however many there are.
BADGE_MAX = 99


class UnreadNotifications:
    """The header's counter: counted once, when a template first asks for it."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request

    @cached_property
    def count(self) -> int:
        user = self.request.user
        return selectors.notification_unread_count(user=user, limit=BADGE_MAX + 1)  # type: ignore[arg-type]

    @property
    def more_than_max(self) -> bool:
        return self.count > BADGE_MAX

    @property
    def max(self) -> int:
        return BADGE_MAX


def unread(request: HttpRequest) -> dict[str, object]:
    """`notifications_unread` for signed-in people (one query when shown); nothing otherwise."""
    # An error page for a request stopped before authentication (a forged Host) has no user.
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # One counter per request, even if several templates are rendered with it.
    counter = getattr(request, "_notifications_unread", None)
    if counter is None:
        counter = UnreadNotifications(request)
        request._notifications_unread = counter  # type: ignore[attr-defined]
    return {"notifications_unread": counter}
