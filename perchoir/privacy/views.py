"""Your data: export everything, or delete the account. Each view calls one service or
selector and renders."""

import time
from typing import Any
from urllib.parse import urlencode

from allauth.account import app_settings as allauth_account_settings
from allauth.account.internal.flows.login import get_authentication_records
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from perchoir.core.errors import ApplicationError, InvalidInput
from perchoir.core.forms import form_add_service_errors
from perchoir.core.types import AuthenticatedRequest

from . import selectors, services
from .forms import DeletionForm
from .models import DeletionStatus


@login_required
def data(request: AuthenticatedRequest) -> HttpResponse:
    exports = list(selectors.data_exports_for_owner(user=request.user))
    now = timezone.now()
    return render(
        request,
        "privacy/data.html",
        {
            "exports": exports,
            "downloadable": {export.pk for export in exports if export.is_downloadable(now)},
            "preparing": any(export.status == "pending" for export in exports),
            "expiry_days": settings.EXPORT_EXPIRY_DAYS,
            "settings_section": "data",
        },
    )


@login_required
@require_POST
def export_request(request: AuthenticatedRequest) -> HttpResponse:
    try:
        services.data_export_request(user=request.user)
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request,
            _("Your data is being prepared. We will email you a link; it will also be here."),
        )
    return redirect("privacy:data")


@login_required
def export_download(request: AuthenticatedRequest, export_id: int) -> FileResponse:
    export = selectors.data_export_get_for_download(user=request.user, export_id=export_id)
    return _archive_response(export.file_name, request.user.handle, export.created_at)


def _archive_response(file_name: str, handle: str, created: Any) -> FileResponse:
    storage = services.export_storage()
    filename = f"perchoir-{handle}-{created:%Y-%m-%d}.zip"
    response = FileResponse(storage.open(file_name, "rb"), as_attachment=True, filename=filename)
    response["Content-Type"] = "application/zip"
    response["Cache-Control"] = "private, no-store"
    return response


def _signed_in_recently(request: AuthenticatedRequest) -> bool:
    """For accounts without a password (a provider only): the confirmation is a sign-in with
    the provider within allauth's re-authentication timeout (allauth cannot re-authenticate
    through a provider, and would let such accounts through without asking)."""
    records = get_authentication_records(request, request.user)
    if not records:
        return False
    latest = max(float(record.get("at", 0)) for record in records)
    return time.time() - latest < allauth_account_settings.REAUTHENTICATION_TIMEOUT


@login_required
def deletion_request(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    has_password = user.has_usable_password()
    fresh = has_password or _signed_in_recently(request)
    form = DeletionForm(
        request.POST or None, modes=services.deletion_modes(), has_password=has_password
    )
    if request.method == "POST" and form.is_valid():
        try:
            deletion, _token = services.account_deletion_request(
                user=user,
                mode=form.cleaned_data["mode"],
                password=form.cleaned_data.get("password", ""),
                reauthenticated=not has_password and fresh,
            )
        except InvalidInput as error:
            form_add_service_errors(form, error)
        except ApplicationError as error:
            form.add_error(None, str(error.message))
        else:
            email = user.email
            logout(request)
            return render(
                request,
                "privacy/deletion_scheduled.html",
                {"deletion": deletion, "email": email},
            )
    return render(
        request,
        "privacy/delete.html",
        {
            "form": form,
            "grace_days": settings.ACCOUNT_DELETION_GRACE_DAYS,
            "needs_fresh_sign_in": not fresh,
            "come_back_url": reverse("account_login")
            + "?"
            + urlencode({"next": reverse("privacy:account-delete")}),
            "settings_section": "delete",
        },
    )


def deletion_cancel(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: GET asks, POST cancels (a mail scanner following links cancels nothing)."""
    deletion = services.account_deletion_get_by_token(token=token)
    if request.method == "POST":
        deletion = services.account_deletion_cancel(token=token)
        messages.success(request, _("Your account will not be deleted. Welcome back!"))
        return redirect("account_login")
    return render(
        request,
        "privacy/deletion_cancel.html",
        {"deletion": deletion, "pending": deletion.status == DeletionStatus.PENDING},
    )
