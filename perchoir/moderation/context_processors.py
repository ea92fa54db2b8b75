"""The banner of people restricted to reading on every page, while it lasts."""

from functools import cached_property

from django.http import HttpRequest

from .middleware import sanction_message
from .models import Action
from .services import SANCTION_HINT_SESSION_KEY, account_sanction


class SanctionBanner:
    """The sanction in force on the signed-in person, looked up once when a template first asks.
    Only sessions hinted at a restriction (when it was taken, or at signing in) look it up: for
    everyone else the banner costs no query. A hint that no longer holds (the restriction
    ended, was undone or granted on appeal) is dropped."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request

    @cached_property
    def action(self) -> Action | None:
        found = account_sanction(user=self.request.user, with_statement=True)
        if found is None:
            self.request.session.pop(SANCTION_HINT_SESSION_KEY, None)
        return found

    @property
    def message(self) -> str:
        return sanction_message(self.action) if self.action is not None else ""

    @property
    def statement_url(self) -> str:
        statement = getattr(self.action, "statement", None) if self.action else None
        return statement.get_absolute_url() if statement is not None else ""


def sanction(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    if user is None or not user.is_authenticated or session is None:
        return {}
    if not session.get(SANCTION_HINT_SESSION_KEY):
        return {}
    banner = getattr(request, "_sanction_banner", None)
    if banner is None:
        banner = SanctionBanner(request)
        request._sanction_banner = banner  # type: ignore[attr-defined]
    return {"sanction_banner": banner}
