from typing import Literal, cast

from allauth.account.decorators import reauthentication_required
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from perchoir.conversations.selectors import conversations_of_person
from perchoir.core.errors import ApplicationError
from perchoir.core.types import AuthenticatedRequest
from perchoir.follows.permissions import can_follow
from perchoir.follows.selectors import profile_get_with_follows

from . import identities, permissions, selectors, services
from .forms import PreferencesForm, ProfileForm

PROFILE_CONVERSATIONS = 20


def profile(request: HttpRequest, handle: str) -> HttpResponse:
    # The person and their follow counts in one query (perchoir.follows).
    person, follows = profile_get_with_follows(handle=handle, viewer=request.user)
    if person.handle != handle:
        return redirect("accounts:profile", handle=person.handle)
    return render(
        request,
        "accounts/profile.html",
        {
            "person": person,
            "can_edit": permissions.can_edit_profile(request.user, person),
            "show_role_badge": permissions.can_see_role_badge(request.user, person),
            "follows": follows,
            "can_follow": can_follow(request.user, person),
            "identities": identities.identity_list_shown_on_profile(person=person),
            "conversations": conversations_of_person(person=person, viewer=request.user)[
                :PROFILE_CONVERSATIONS
            ],
        },
    )


def _add_errors(form: forms.Form, error: ApplicationError) -> None:
    """Put a service's messages next to the fields they are about (the upload is `avatar` here)."""
    if not error.fields:
        form.add_error(None, str(error.message))
        return
    for field, field_messages in error.fields.items():
        name = "avatar" if field == "file" else field
        for message in field_messages:
            form.add_error(name if name in form.fields else None, message)


@login_required
def settings_profile(request: AuthenticatedRequest) -> HttpResponse:
    user = selectors.profile_get_for_user(request.user)
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.profile_settings_save(
                    user=user,
                    display_name=data["display_name"],
                    handle=data["handle"],
                    bio=data["bio"],
                    avatar=data["avatar"],
                    remove_avatar=data["remove_avatar"],
                )
            except ApplicationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("Your profile is saved."))
                return redirect("accounts:settings-profile")
    else:
        form = ProfileForm(
            initial={"display_name": user.display_name, "handle": user.handle, "bio": user.bio}
        )
    return render(
        request,
        "accounts/settings_profile.html",
        {"form": form, "person": user, "settings_section": "profile"},
    )


SAMESITE = cast(Literal["Lax", "Strict", "None"], settings.LANGUAGE_COOKIE_SAMESITE)


def _set_language_cookie(response: HttpResponse, language: str) -> None:
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=SAMESITE,
        )
    else:
        response.delete_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            samesite=SAMESITE,
        )


@login_required
def settings_preferences(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            try:
                services.preferences_update(
                    user=user,
                    language=form.cleaned_data["language"],
                    theme=form.cleaned_data["theme"],
                )
            except ApplicationError as error:
                _add_errors(form, error)
            else:
                # Answer in the language just chosen (or the browser's), from this message on.
                language = user.language or translation.get_language_from_request(request)
                with translation.override(language):
                    messages.success(request, _("Your preferences are saved."))
                response = redirect("accounts:settings-preferences")
                _set_language_cookie(response, user.language)
                return response
    else:
        form = PreferencesForm(initial={"language": user.language, "theme": user.theme})
    return render(
        request,
        "accounts/settings_preferences.html",
        {"form": form, "settings_section": "preferences"},
    )


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.headers.get("referer") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """The footer's language switcher: a cookie for everyone, and the account when signed in."""
    code = request.POST.get("language", "")
    response = HttpResponseRedirect(_safe_next(request))
    if code not in {code for code, _name in settings.LANGUAGES}:
        return response
    if request.user.is_authenticated:
        services.preferences_language_set(user=request.user, language=code)
    _set_language_cookie(response, code)
    return response


# --- Linked identities (accounts at sign-in providers) -----------------------------------------


@login_required
def settings_identities(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "accounts/settings_identities.html",
        {
            "identities": identities.identity_list_for_user(user=request.user),
            "has_password": request.user.has_usable_password(),
            "settings_section": "identities",
        },
    )


@login_required
@require_POST
@reauthentication_required(app="allauth.socialaccount")
def settings_identity_unlink(request: AuthenticatedRequest, identity_id: int) -> HttpResponse:
    try:
        identities.identity_unlink(user=request.user, identity_id=identity_id)
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The account is unlinked."))
    return redirect("accounts:settings-identities")


@login_required
@require_POST
def settings_identity_profile(request: AuthenticatedRequest, identity_id: int) -> HttpResponse:
    shown = request.POST.get("shown_on_profile") == "1"
    identity = identities.identity_profile_visibility_set(
        user=request.user, identity_id=identity_id, shown=shown
    )
    if shown:
        message = _("%(identity)s is shown on your profile.") % {"identity": identity.label}
    else:
        message = _("%(identity)s is no longer shown on your profile.") % {
            "identity": identity.label
        }
    messages.success(request, message)
    return redirect("accounts:settings-identities")
