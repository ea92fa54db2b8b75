"""Every write of the privacy app: exports (request, build, expire) and account deletions
(request, cancel, perform)."""

import hashlib
import json
import logging
import secrets
import tempfile
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.files.storage import Storage, default_storage, storages
from django.core.files.storage.filesystem import FileSystemStorage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django_tasks.base import Task

from perchoir.accounts.models import User
from perchoir.core.email import email_send
from perchoir.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from perchoir.core.ratelimit import ratelimit_hit

from .models import (
    AccountDeletion,
    DataExport,
    DeletionMode,
    DeletionStatus,
    ExportStatus,
    RetiredHandle,
)
from .registry import sections

logger = logging.getLogger(__name__)

# How long the handle of a deleted account stays unavailable to others.
HANDLE_RETIREMENT = timedelta(days=365)
EXPORT_FORMAT_VERSION = 1
# Each export reads everything a person ever wrote: a few a day are plenty.
EXPORTS_PER_DAY = 5
# A build still pending after this long was lost (a worker stopped mid-way): it is marked failed,
# so that the person can ask again.
EXPORT_BUILD_GIVE_UP = timedelta(days=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _language(user: User) -> str:
    return user.language or settings.LANGUAGE_CODE


def _date(value: datetime, language: str) -> str:
    with translation.override(language):
        return str(formats.date_format(timezone.localtime(value), "DATETIME_FORMAT"))


def _enqueue_at(task: Task[Any, Any], run_after: datetime, *args: Any) -> None:
    """Queue `task` to run at `run_after` where the backend can wait; otherwise the sweep (run
    after each privacy task, and by the `privacy_sweep` command) does it once it is due."""
    if task.get_backend().supports_defer:
        task.using(run_after=run_after).enqueue(*args)


def export_storage() -> Storage:
    """Where archives are kept: the "exports" storage if configured (a private bucket at
    scale), else var/exports/. Never the media storage, whose files are public."""
    if "exports" in settings.STORAGES:
        return storages["exports"]
    return FileSystemStorage(location=Path(settings.VAR_DIR) / "exports")


# --- Export -------------------------------------------------------------------------------------


@transaction.atomic
def data_export_request(*, user: User) -> DataExport:
    """Start preparing a new archive; one at a time per person."""
    if DataExport.objects.filter(user=user, status=ExportStatus.PENDING).exists():
        raise Conflict(_("Your data is already being prepared; you will get an email when it is."))
    ratelimit_hit("data-export", str(user.pk), limit=EXPORTS_PER_DAY, period=24 * 3600)
    try:
        with transaction.atomic():
            export = DataExport.objects.create(user=user)
    except IntegrityError:  # a double submit
        raise Conflict(
            _("Your data is already being prepared; you will get an email when it is.")
        ) from None
    transaction.on_commit(lambda: _enqueue_build(export.pk))
    return export


def _enqueue_build(export_id: int) -> None:
    from .tasks import data_export_build_task

    data_export_build_task.enqueue(export_id)


def _readme(user: User, created: datetime) -> str:
    names = ", ".join(f"{section.name}.json" for section in sections())
    return (
        f"Everything @{user.handle} wrote on {settings.SITE_URL}, exported {created.isoformat()}.\n"
        f"export.json describes the archive; {names} hold the data; media/ holds the files.\n"
    )


def _write_archive(user: User, path: Path) -> None:
    created = timezone.now()
    manifest: dict[str, Any] = {
        "format": EXPORT_FORMAT_VERSION,
        "site": settings.SITE_URL,
        "person": user.handle,
        "exported_at": created.isoformat(),
        "sections": [],
        "missing_files": [],
    }
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        written: set[str] = set()
        for section in sections():
            part = section.export(user)
            archive.writestr(
                f"{section.name}.json",
                json.dumps(part.data, ensure_ascii=False, indent=2, sort_keys=True),
            )
            manifest["sections"].append(section.name)
            for media_file in part.files:
                if media_file.archive_name in written:
                    continue
                try:
                    with default_storage.open(media_file.storage_name, "rb") as stored:
                        archive.writestr(media_file.archive_name, stored.read())
                except OSError:
                    manifest["missing_files"].append(media_file.archive_name)
                    continue
                written.add(media_file.archive_name)
        archive.writestr("export.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        archive.writestr("README.txt", _readme(user, created))


def data_export_build(*, export_id: int) -> DataExport | None:
    """Write the archive, store it, tell the person; running it again after success is a no-op."""
    export = DataExport.objects.select_related("user").filter(id=export_id).first()
    if export is None or export.status != ExportStatus.PENDING:
        return export
    user = export.user
    storage = export_storage()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.zip"
        try:
            _write_archive(user, path)
        except Exception:
            logger.exception("Export %s of %s failed", export_id, user.pk)
            DataExport.objects.filter(id=export_id).update(
                status=ExportStatus.FAILED, finished_at=timezone.now()
            )
            export.status = ExportStatus.FAILED
            return export
        name = f"{user.pk}/{secrets.token_urlsafe(24)}.zip"
        with path.open("rb") as handle:
            name = storage.save(name, File(handle))
        size = path.stat().st_size
    now = timezone.now()
    expires = now + timedelta(days=settings.EXPORT_EXPIRY_DAYS)
    with transaction.atomic():
        updated = DataExport.objects.filter(id=export_id, status=ExportStatus.PENDING).update(
            status=ExportStatus.READY,
            file_name=name,
            size_bytes=size,
            finished_at=now,
            expires_at=expires,
        )
        if not updated:  # built twice at once: keep the first archive
            storage.delete(name)
            return DataExport.objects.get(id=export_id)
        export.refresh_from_db()
        if user.email:
            language = _language(user)
            email_send(
                to=[user.email],
                template="privacy_export_ready",
                context={
                    "url": settings.SITE_URL + reverse("privacy:data"),
                    "download_url": settings.SITE_URL
                    + reverse("privacy:export-download", args=[export.pk]),
                    "expires": _date(expires, language),
                },
                language=language,
            )
        transaction.on_commit(lambda: _enqueue_expire(export_id, expires))
    return export


def _enqueue_expire(export_id: int, expires: datetime) -> None:
    from .tasks import data_export_expire_task

    _enqueue_at(data_export_expire_task, expires, export_id)


def data_export_expire(*, export_id: int, now: datetime | None = None) -> DataExport | None:
    """Delete an expired archive's file; before its time, nothing happens."""
    now = now or timezone.now()
    export = DataExport.objects.filter(id=export_id).first()
    if export is None or export.status != ExportStatus.READY:
        return export
    if export.expires_at is not None and export.expires_at > now:
        return export
    storage = export_storage()
    if export.file_name and storage.exists(export.file_name):
        storage.delete(export.file_name)
    DataExport.objects.filter(id=export_id).update(status=ExportStatus.EXPIRED, file_name="")
    export.status = ExportStatus.EXPIRED
    export.file_name = ""
    return export


# --- Deletion -----------------------------------------------------------------------------------


def deletion_modes() -> list[DeletionMode]:
    """The site's policy: which of the two ways of deleting an account members may choose."""
    return [DeletionMode(mode) for mode in settings.ACCOUNT_DELETION_MODES]


def _check_identity(user: User, password: str, reauthenticated: bool) -> None:
    if user.has_usable_password():
        if not password:
            message = _("Please enter your password to confirm.")
            raise InvalidInput(message, fields={"password": [message]})
        if not user.check_password(password):
            message = _("This is not your password.")
            raise InvalidInput(message, fields={"password": [message]})
    elif not reauthenticated:
        raise Forbidden(
            _("Your account has no password: confirm who you are by signing in again on the site.")
        )


@transaction.atomic
def account_deletion_request(
    *, user: User, mode: str, password: str = "", reauthenticated: bool = False
) -> tuple[AccountDeletion, str]:
    """Schedule the deletion of the person's own account after the grace period; the account is
    hidden at once (inactive, signed out everywhere). Returns the request and the cancel token
    (sent by email; only its digest is kept)."""
    modes = deletion_modes()
    if mode not in modes:
        message = _("Please choose one of the ways offered.")
        raise InvalidInput(message, fields={"mode": [message]})
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not locked.is_active:
        raise Conflict(_("This account is not active."))
    _check_identity(locked, password, reauthenticated)
    if AccountDeletion.objects.filter(user=locked, status=DeletionStatus.PENDING).exists():
        raise Conflict(_("The deletion of your account is already scheduled."))
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    deletion = AccountDeletion.objects.create(
        user=locked,
        mode=mode,
        requested_at=now,
        scheduled_for=now + timedelta(days=settings.ACCOUNT_DELETION_GRACE_DAYS),
        cancel_token_hash=_digest(token),
    )
    # Hidden at once: the profile, mentions and follows treat inactive people as gone; sessions
    # and access tokens stop working. Signing in again brings everything back.
    User.objects.filter(pk=locked.pk).update(is_active=False)
    user.is_active = False
    if locked.email:
        language = _language(locked)
        email_send(
            to=[locked.email],
            template="privacy_deletion_scheduled",
            context={
                "handle": locked.handle,
                "when": _date(deletion.scheduled_for, language),
                "cancel_url": settings.SITE_URL + reverse("privacy:deletion-cancel", args=[token]),
                "removed": mode == DeletionMode.REMOVE,
            },
            language=language,
        )
    transaction.on_commit(lambda: _enqueue_perform(deletion.pk, deletion.scheduled_for))
    return deletion, token


def _enqueue_perform(deletion_id: int, when: datetime) -> None:
    from .tasks import account_deletion_perform_task

    _enqueue_at(account_deletion_perform_task, when, deletion_id)


def _cancel(deletion: AccountDeletion) -> AccountDeletion:
    deletion.status = DeletionStatus.CANCELLED
    deletion.cancelled_at = timezone.now()
    deletion.save(update_fields=["status", "cancelled_at"])
    get_user_model().objects.filter(pk=deletion.user_id).update(is_active=True)
    return deletion


def account_deletion_pending_for(*, user: User) -> AccountDeletion | None:
    if user.pk is None:
        return None
    return AccountDeletion.objects.filter(user=user, status=DeletionStatus.PENDING).first()


@transaction.atomic
def account_deletion_cancel_at_sign_in(*, user: User) -> AccountDeletion | None:
    """The person signed in during the grace period: the account stays. None if nothing waited."""
    deletion = (
        AccountDeletion.objects.select_for_update()
        .filter(user_id=user.pk, status=DeletionStatus.PENDING)
        .first()
    )
    if deletion is None:
        return None
    _cancel(deletion)
    user.is_active = True
    return deletion


def account_deletion_get_by_token(*, token: str) -> AccountDeletion:
    deletion = (
        AccountDeletion.objects.select_related("user")
        .filter(cancel_token_hash=_digest(token))
        .first()
    )
    if deletion is None:
        raise NotFound(_("This link is not valid. Sign in to see where your account stands."))
    return deletion


@transaction.atomic
def account_deletion_cancel(*, token: str) -> AccountDeletion:
    """The link in the confirmation email: cancels the deletion, without signing in."""
    deletion = account_deletion_get_by_token(token=token)
    deletion = AccountDeletion.objects.select_for_update().get(pk=deletion.pk)
    if deletion.status == DeletionStatus.CANCELLED:
        return deletion
    if deletion.status == DeletionStatus.DONE:
        raise Conflict(_("It is too late: this account was deleted."))
    return _cancel(deletion)


def _retired_handle(user: User) -> str:
    while True:
        handle = f"deleted_{secrets.token_hex(5)}"
        if not User.objects.filter(handle__iexact=handle).exists():
            return handle


@transaction.atomic
def account_deletion_perform(
    *, deletion_id: int, now: datetime | None = None
) -> AccountDeletion | None:
    """After the grace period: every app erases its part (see registry.py), then the account
    becomes an empty "Deleted account" whose old handle is retired for a while. Before its time,
    or once cancelled, nothing happens; safe to run again."""
    now = now or timezone.now()
    deletion = (
        AccountDeletion.objects.select_for_update()
        .select_related("user")
        .filter(id=deletion_id)
        .first()
    )
    if deletion is None or deletion.status != DeletionStatus.PENDING:
        return deletion
    if deletion.scheduled_for > now:
        return deletion
    user = deletion.user
    old_handle = user.handle
    if user.email:
        # The last email to the address, sent before it is erased (after commit, like any).
        email_send(
            to=[user.email],
            template="privacy_deletion_done",
            context={"handle": old_handle, "removed": deletion.mode == DeletionMode.REMOVE},
            language=_language(user),
        )
    # The person acts one last time through the apps' own services (they asked for this and
    # confirmed it): as the member they were.
    user.is_active = True
    mode = DeletionMode(deletion.mode)
    for section in sections():
        section.erase(user, mode)
    RetiredHandle.objects.update_or_create(
        handle__iexact=old_handle,
        defaults={"handle": old_handle, "until": now + HANDLE_RETIREMENT},
    )
    User.objects.filter(pk=user.pk).update(handle=_retired_handle(user), is_active=False)
    deletion.status = DeletionStatus.DONE
    deletion.performed_at = now
    deletion.cancel_token_hash = _digest(secrets.token_urlsafe(32))
    deletion.save(update_fields=["status", "performed_at", "cancel_token_hash"])
    # The requests and exports of an account that is gone.
    for export in DataExport.objects.filter(user=user, status=ExportStatus.READY):
        export.expires_at = now
        export.save(update_fields=["expires_at"])
        data_export_expire(export_id=export.pk, now=now)
    DataExport.objects.filter(user=user).delete()
    logger.info("Account %s deleted (%s)", user.pk, deletion.mode)
    return deletion


def privacy_sweep(*, now: datetime | None = None) -> tuple[int, int]:
    """Perform every deletion and expire every export that is due; returns how many of each.
    A safety net for the deferred tasks, and the way for backends that cannot defer."""
    now = now or timezone.now()
    deletions = 0
    for deletion_id in AccountDeletion.objects.filter(
        status=DeletionStatus.PENDING, scheduled_for__lte=now
    ).values_list("id", flat=True):
        done = account_deletion_perform(deletion_id=deletion_id, now=now)
        deletions += int(done is not None and done.status == DeletionStatus.DONE)
    expired = 0
    for export_id in DataExport.objects.filter(
        status=ExportStatus.READY, expires_at__lte=now
    ).values_list("id", flat=True):
        result = data_export_expire(export_id=export_id, now=now)
        expired += int(result is not None and result.status == ExportStatus.EXPIRED)
    DataExport.objects.filter(
        status=ExportStatus.PENDING, created_at__lte=now - EXPORT_BUILD_GIVE_UP
    ).update(status=ExportStatus.FAILED, finished_at=now)
    RetiredHandle.objects.filter(until__lte=now).delete()
    return deletions, expired
