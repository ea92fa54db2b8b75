from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from perchoir.core.errors import NotFound

from . import services


def founder(request: HttpRequest, token: str) -> HttpResponse:
    if not services.founder_token_is_valid(token):
        raise NotFound(_("This founder link has expired or has already been used."))
    request.session[services.FOUNDER_SESSION_KEY] = token
    return redirect("account_signup")
