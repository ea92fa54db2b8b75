"""The one place that refuses the writes of people restricted to reading, suspended or banned.

Reads still work; writes (unsafe methods) get a clear message, as a page or as the API's JSON
error. A few writes stay open: signing out, choosing a language, and appealing.
"""

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats
from django.utils.translation import gettext as _

from perchoir.core.errors import Forbidden

from .models import LOCKED_OUT_ACTIONS, Action, ActionKind

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Path prefixes a restricted person may still post to.
ALLOWED_PREFIXES = (
    "/accounts/logout/",
    "/settings/language/",
    "/i18n/",
    "/moderation/statements/",
    "/api/v1/moderation/statements",
)


def sanction_message(action: Action) -> str:
    until = formats.date_format(action.until, "DATETIME_FORMAT") if action.until is not None else ""
    if action.kind == ActionKind.BAN:
        text = _("Your account is banned from this site.")
    elif action.kind == ActionKind.SUSPEND:
        text = _("Your account is suspended until %(until)s.") % {"until": until}
    else:
        text = _(
            "Your account is restricted to reading until %(until)s: you can read, but not "
            "write, post or change anything."
        ) % {"until": until}
    return _("%(sanction)s Reason given by the moderators: %(reason)s") % {
        "sanction": text,
        "reason": action.reason,
    }


class AccountSanctioned(Forbidden):
    code = "restricted"


def sanction_refusal(
    *, user: object, kinds: frozenset[str] = LOCKED_OUT_ACTIONS
) -> Forbidden | None:
    """The error refusing `user` while a sanction among `kinds` is in force, saying why."""
    from .services import account_sanction

    sanction = account_sanction(user=user, kinds=kinds)
    return AccountSanctioned(sanction_message(sanction)) if sanction is not None else None


def _caller(request: HttpRequest) -> object:
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        # A personal access token or an application's token: the person it acts for.
        from perchoir.api.auth import bearer_authenticate

        found = bearer_authenticate(authorization[7:].strip())
        return found[0] if found is not None else None
    return getattr(request, "user", None)


class SanctionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in SAFE_METHODS or request.path.startswith(ALLOWED_PREFIXES):
            return self.get_response(request)
        user = _caller(request)
        if user is None or not getattr(user, "is_authenticated", False):
            return self.get_response(request)
        from .services import account_sanction

        sanction = account_sanction(user=user)
        if sanction is None:
            return self.get_response(request)
        message = sanction_message(sanction)
        if request.path.startswith("/api/"):
            body = {"error": {"code": "restricted", "message": message, "fields": {}}}
            return HttpResponse(
                json.dumps(body), status=403, content_type="application/json; charset=utf-8"
            )
        return render(
            request,
            "errors/error.html",
            {"error": Forbidden(message), "sanction": sanction},
            status=403,
        )
