"""The pages around third-party applications: the consent page of the authorization flow, the
person's authorised applications, and the developer's registered ones."""

from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from oauth2_provider.views import AuthorizationView

from perchoir.core.errors import InvalidInput, RateLimited
from perchoir.core.forms import form_add_service_errors
from perchoir.core.middleware import content_security_policy
from perchoir.core.types import AuthenticatedRequest

from . import selectors, services
from .forms import ApplicationRegisterForm

# The client secret of an application just registered waits here for the one page that shows it.
NEW_SECRET_SESSION_KEY = "perchoir_new_client_secret"  # noqa: S105 (a key name, not a secret)


def _origin(uri: str) -> str:
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}"


class ConsentView(AuthorizationView):
    """django-oauth-toolkit's authorization endpoint, with our consent page. Browsers apply
    the form-action policy to the redirect that follows the answer, so the page allows the
    application's own redirect address."""

    template_name = "oauth/authorize.html"

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        response: HttpResponse = super().render_to_response(context, **kwargs)
        redirect_uri = context.get("redirect_uri")
        if redirect_uri:
            response.headers["Content-Security-Policy"] = content_security_policy(
                form_action_extra=[_origin(str(redirect_uri))]
            )
        return response


@login_required
def authorizations(request: AuthenticatedRequest) -> HttpResponse:
    context = {
        "settings_section": "applications",
        "authorizations": selectors.oauth_authorizations_of(user=request.user),
    }
    return render(request, "oauth/authorizations.html", context)


@login_required
@require_POST
def authorization_revoke(request: AuthenticatedRequest, application_id: int) -> HttpResponse:
    services.oauth_authorization_revoke(user=request.user, application_id=application_id)
    messages.success(request, _("The application can no longer act for you."))
    return redirect("oauth:authorizations")


@never_cache  # the page may hold a client secret
@login_required
@require_http_methods(["GET", "POST"])
def applications(request: AuthenticatedRequest) -> HttpResponse:
    form = ApplicationRegisterForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            registered = services.oauth_application_register(
                developer=request.user,
                name=form.cleaned_data["name"],
                redirect_uris=form.redirect_uri_lines(),
                confidential=form.cleaned_data["confidential"],
            )
        except InvalidInput as error:
            form_add_service_errors(form, error)
            status = 400
        except RateLimited as error:
            form.add_error(None, str(error.message))
            status = 429
        else:
            request.session[NEW_SECRET_SESSION_KEY] = {
                "id": registered.application.id,
                "secret": registered.secret,
            }
            return redirect("oauth:applications")
    elif request.method == "POST":
        status = 400
    registered_apps = selectors.oauth_applications_of_developer(developer=request.user)
    new = request.session.pop(NEW_SECRET_SESSION_KEY, None)
    new_application = next((a for a in registered_apps if new and a.id == new["id"]), None)
    context = {
        "settings_section": "applications",
        "form": form,
        "applications": registered_apps,
        "new_application": new_application,
        "new_secret": new["secret"] if new_application else None,
    }
    return render(request, "oauth/applications.html", context, status=status)


@login_required
@require_POST
def application_delete(request: AuthenticatedRequest, application_id: int) -> HttpResponse:
    services.oauth_application_delete(developer=request.user, application_id=application_id)
    messages.success(request, _("The application is deleted; it can no longer act for anyone."))
    return redirect("oauth:applications")
