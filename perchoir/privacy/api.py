"""A member's data export and account deletion over the API: the same services as the pages."""

from datetime import datetime

from django.http import FileResponse, HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from ninja import Field, Router, Schema, Status

from perchoir.api.errors import ErrorOut, error_responses
from perchoir.api.openapi import doc
from perchoir.core.types import AuthenticatedRequest

from . import selectors, services
from .models import AccountDeletion, DataExport, DeletionMode, DeletionStatus, ExportStatus
from .views import _archive_response

router = Router(tags=["Your data"])


class ExportOut(Schema):
    id: int
    status: ExportStatus
    created_at: datetime
    finished_at: datetime | None
    expires_at: datetime | None
    size_bytes: int
    download_url: str | None = Field(
        description=doc(
            gettext_lazy("While it can be downloaded: the archive, for its owner only.")
        )
    )


class DeletionIn(Schema):
    mode: DeletionMode
    password: str = Field("", description=doc(gettext_lazy("Your password, to confirm it is you.")))


class DeletionCancelIn(Schema):
    token: str = Field(
        max_length=200, description=doc(gettext_lazy("The token of the emailed cancel link."))
    )


class DeletionOut(Schema):
    status: DeletionStatus
    mode: DeletionMode
    requested_at: datetime
    scheduled_for: datetime
    cancelled_at: datetime | None


def _export(request: HttpRequest, export: DataExport) -> dict[str, object]:
    download = None
    if export.is_downloadable(timezone.now()):
        download = request.build_absolute_uri(
            reverse("api:privacy_export_download", args=[export.pk])
        )
    return {
        "id": export.pk,
        "status": export.status,
        "created_at": export.created_at,
        "finished_at": export.finished_at,
        "expires_at": export.expires_at,
        "size_bytes": export.size_bytes,
        "download_url": download,
    }


def _deletion(deletion: AccountDeletion) -> dict[str, object]:
    return {
        "status": deletion.status,
        "mode": deletion.mode,
        "requested_at": deletion.requested_at,
        "scheduled_for": deletion.scheduled_for,
        "cancelled_at": deletion.cancelled_at,
    }


@router.post(
    "/exports",
    response={202: ExportOut, **error_responses(409)},
    summary=doc(gettext_lazy("Export all my data (prepared in the background)")),
    description=doc(
        gettext_lazy(
            "A zip of JSON files and your images. You get an email when it is ready; one at a "
            "time (409 while one is being prepared)."
        )
    ),
)
def export_request(request: AuthenticatedRequest) -> object:
    export = services.data_export_request(user=request.user)
    return Status(202, _export(request, export))


@router.get(
    "/exports",
    response=list[ExportOut],
    summary=doc(gettext_lazy("My recent exports, newest first")),
)
def export_list(request: AuthenticatedRequest) -> object:
    return [
        _export(request, export) for export in selectors.data_exports_for_owner(user=request.user)
    ]


@router.get(
    "/exports/{export_id}",
    response={200: ExportOut, 404: ErrorOut},
    summary=doc(gettext_lazy("One of my exports")),
)
def export_get(request: AuthenticatedRequest, export_id: int) -> object:
    return _export(
        request, selectors.data_export_get_for_owner(user=request.user, export_id=export_id)
    )


@router.get(
    "/exports/{export_id}/download",
    response={200: None, 404: ErrorOut},
    url_name="privacy_export_download",
    summary=doc(gettext_lazy("Download one of my exports (application/zip)")),
    description=doc(gettext_lazy("404 once it has expired: request a new one.")),
)
def export_download(request: AuthenticatedRequest, export_id: int) -> FileResponse:
    export = selectors.data_export_get_for_download(user=request.user, export_id=export_id)
    return _archive_response(export.file_name, request.user.handle, export.created_at)


@router.post(
    "/deletion",
    response={202: DeletionOut, **error_responses(409)},
    summary=doc(gettext_lazy("Delete my account after the grace period")),
    description=doc(
        gettext_lazy(
            "Needs your password. The account is hidden at once and this token stops working; "
            "signing in on the site, or the emailed link (POST /deletion/cancel), cancels it."
        )
    ),
)
def deletion_request(request: AuthenticatedRequest, payload: DeletionIn) -> object:
    deletion, _token = services.account_deletion_request(
        user=request.user, mode=payload.mode, password=payload.password
    )
    return Status(202, _deletion(deletion))


@router.post(
    "/deletion/cancel",
    response={200: DeletionOut, **error_responses(404, 409)},
    auth=None,
    summary=doc(gettext_lazy("Cancel an account's deletion with the emailed token")),
)
def deletion_cancel(request: HttpRequest, payload: DeletionCancelIn) -> object:
    return _deletion(services.account_deletion_cancel(token=payload.token))
