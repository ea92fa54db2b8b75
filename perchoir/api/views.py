from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from perchoir.core.errors import InvalidInput, RateLimited
from perchoir.core.forms import form_add_service_errors
from perchoir.core.types import AuthenticatedRequest

from . import selectors, services
from .forms import AccessTokenCreateForm
from .reference import api_reference_get
from .scopes import SCOPES

# The secret of a token just created waits here for the one page view that shows it.
NEW_TOKEN_SESSION_KEY = "perchoir_new_access_token"  # noqa: S105 (a key name, not a secret)


@never_cache  # the page may hold a secret: no cache may keep a copy
@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: AuthenticatedRequest) -> HttpResponse:
    form = AccessTokenCreateForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = services.access_token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                expires_at=form.expires_at(),
                scopes=form.cleaned_data["scopes"],
            )
        except InvalidInput as error:
            form_add_service_errors(form, error)
        except RateLimited as error:
            form.add_error(None, str(error.message))
            status = 429
        else:
            request.session[NEW_TOKEN_SESSION_KEY] = {"id": token.id, "secret": secret}
            return redirect("developers:tokens")
    elif request.method == "POST":
        status = 400
    new_token = None
    pending = request.session.pop(NEW_TOKEN_SESSION_KEY, None)
    token_list = list(selectors.access_token_list(user=request.user))
    if pending:
        new_token = next((t for t in token_list if t.id == pending.get("id")), None)
        if new_token is not None:
            new_token.secret = pending.get("secret", "")  # type: ignore[attr-defined]
    context = {
        "settings_section": "tokens",
        "form": form,
        "tokens": token_list,
        "new_token": new_token,
    }
    return render(request, "developers/tokens.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def token_revoke(request: AuthenticatedRequest, token_id: int) -> HttpResponse:
    """GET asks for confirmation (no JavaScript needed); POST revokes."""
    if request.method == "POST":
        token = services.access_token_revoke(user=request.user, token_id=token_id)
        messages.success(
            request,
            _("The token “%(name)s” is revoked; programs using it can no longer sign in.")
            % {"name": token.name},
        )
        return redirect("developers:tokens")
    token = selectors.access_token_get_for_owner(user=request.user, token_id=token_id)
    context = {"settings_section": "tokens", "token": token}
    return render(request, "developers/token_revoke.html", context)


def api_reference(request: HttpRequest) -> HttpResponse:
    context = {"reference": api_reference_get(), "reference_scopes": list(SCOPES.items())}
    return render(request, "developers/api_reference.html", context)
