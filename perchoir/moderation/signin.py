"""A suspended or banned person cannot sign in; the page says why and until when."""

from typing import Any

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from .middleware import sanction_message
from .models import LOCKED_OUT_ACTIONS, StatementOfReasons
from .services import SANCTION_HINT_SESSION_KEY, account_sanction

STATEMENT_KEY_SALT = "perchoir.moderation.statement"
SIGN_IN_BLOCKING = LOCKED_OUT_ACTIONS


def sign_in_refused(request: HttpRequest, user: Any) -> HttpResponse | None:
    sanction = account_sanction(user=user)
    if sanction is None:
        return None
    if sanction.kind not in SIGN_IN_BLOCKING:
        # Restricted to reading: in, with the banner saying so on every page.
        request.session[SANCTION_HINT_SESSION_KEY] = True
        return None
    statement = StatementOfReasons.objects.filter(action=sanction).first()
    statement_url = statement_key_url(statement) if statement is not None else ""
    return render(
        request,
        "moderation/sign_in_refused.html",
        {
            "message": sanction_message(sanction),
            "sanction": sanction,
            "statement_url": statement_url,
        },
        status=403,
    )


def statement_key_url(statement: StatementOfReasons) -> str:
    """The statement's address with a signed key: its recipient reads it and appeals without
    signing in (a suspended person cannot)."""
    key = signing.dumps(statement.pk, salt=STATEMENT_KEY_SALT)
    return f"{reverse('moderation:statement', args=[statement.pk])}?key={key}"


def statement_key_valid(statement_id: int, key: str) -> bool:
    try:
        return signing.loads(key, salt=STATEMENT_KEY_SALT) == statement_id
    except signing.BadSignature:
        return False
