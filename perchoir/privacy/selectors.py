"""Reads of the privacy app: a person sees only their own exports and deletion requests."""

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from perchoir.accounts.models import User
from perchoir.core.errors import NotFound

from .models import AccountDeletion, DataExport, DeletionStatus, ExportStatus, RetiredHandle

RECENT_EXPORTS = 5


def data_exports_for_owner(*, user: User) -> QuerySet[DataExport]:
    return DataExport.objects.filter(user=user).order_by("-created_at", "-id")[:RECENT_EXPORTS]


def data_export_get_for_owner(*, user: User, export_id: int) -> DataExport:
    """One of the person's own exports; anyone else's does not exist."""
    export = DataExport.objects.filter(user_id=user.pk, id=export_id).first()
    if export is None:
        raise NotFound(_("This export does not exist, or it is not yours."))
    return export


def data_export_get_for_download(*, user: User, export_id: int) -> DataExport:
    export = data_export_get_for_owner(user=user, export_id=export_id)
    if export.status == ExportStatus.PENDING:
        raise NotFound(_("This export is still being prepared; you will get an email when ready."))
    if not export.is_downloadable(timezone.now()):
        raise NotFound(_("This export has expired or could not be prepared; request a new one."))
    return export


def account_deletion_pending(*, user: User) -> AccountDeletion | None:
    return AccountDeletion.objects.filter(user_id=user.pk, status=DeletionStatus.PENDING).first()


def handle_is_retired(handle: str) -> bool:
    """A deleted account's handle that nobody may take yet."""
    return RetiredHandle.objects.filter(handle__iexact=handle, until__gt=timezone.now()).exists()
