from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from perchoir.accounts.models import User


class AuthenticatedRequest(HttpRequest):
    """A request whose person is signed in (views behind login_required, API behind auth)."""

    user: "User"
