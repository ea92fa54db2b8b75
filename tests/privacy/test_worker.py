"""The export and the deletion done by the real background worker, in its own process, from the
real queue: the deletion waits in the queue (run_after) until its grace period is over."""

import os
import subprocess
import sys

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from perchoir.accounts.models import User
from perchoir.conversations.services import conversation_start
from perchoir.privacy.models import AccountDeletion, DataExport, DeletionStatus, ExportStatus
from perchoir.privacy.services import (
    account_deletion_request,
    data_export_request,
    export_storage,
)
from tests.factories import PASSWORD, UserFactory
from tests.media.test_worker import _database_url


def run_worker(settings) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PERCHOIR_DATABASE_URL": _database_url(),
        "PERCHOIR_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PERCHOIR_VAR_DIR": str(settings.VAR_DIR),
        "PERCHOIR_TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "PERCHOIR_EMAIL_URL": "locmem:",
    }
    return subprocess.run(
        [sys.executable, "-m", "perchoir", "db_worker", "--batch", "--no-startup-delay"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def queued(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.mark.django_db(transaction=True)
def test_real_worker_builds_the_export(settings, queued):
    member = UserFactory(handle="dora")
    conversation_start(starter=member, title="Dora's day", body="Dora writes.")
    DBTaskResult.objects.all().delete()

    export = data_export_request(user=member)

    assert DBTaskResult.objects.filter(args_kwargs__args=[export.pk]).count() == 1
    finished = run_worker(settings)
    assert finished.returncode == 0, finished.stderr
    export.refresh_from_db()
    assert export.status == ExportStatus.READY, finished.stderr
    assert export_storage().exists(export.file_name)
    # Its expiry waits in the queue for its day.
    expiry = DBTaskResult.objects.get(task_path="perchoir.privacy.tasks.data_export_expire_task")
    assert expiry.status == "READY"
    assert expiry.run_after == export.expires_at


@pytest.mark.django_db(transaction=True)
def test_real_worker_deletes_the_account_once_the_grace_period_is_over(settings, queued):
    member = UserFactory(handle="eve")
    conversation_start(starter=member, title="Eve's thoughts", body="Eve writes.")
    settings.ACCOUNT_DELETION_GRACE_DAYS = 0
    DBTaskResult.objects.all().delete()

    deletion, _token = account_deletion_request(user=member, mode="remove", password=PASSWORD)

    queued_task = DBTaskResult.objects.get(
        task_path="perchoir.privacy.tasks.account_deletion_perform_task"
    )
    assert queued_task.run_after == deletion.scheduled_for
    assert deletion.scheduled_for <= timezone.now()
    finished = run_worker(settings)
    assert finished.returncode == 0, finished.stderr
    deletion.refresh_from_db()
    assert deletion.status == DeletionStatus.DONE, finished.stderr
    person = User.objects.get(pk=member.pk)
    assert person.handle.startswith("deleted_")
    assert person.messages.get().deleted_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_deletion_not_yet_due_waits_in_the_queue(settings, queued):
    member = UserFactory(handle="fay")
    deletion, _token = account_deletion_request(user=member, mode="anonymise", password=PASSWORD)

    finished = run_worker(settings)

    assert finished.returncode == 0, finished.stderr
    assert AccountDeletion.objects.get(pk=deletion.pk).status == DeletionStatus.PENDING
    assert (
        DBTaskResult.objects.get(
            task_path="perchoir.privacy.tasks.account_deletion_perform_task"
        ).status
        == "READY"
    )
    assert DataExport.objects.count() == 0
