"""Thumbnails made by the real background worker, in its own process, from the real queue."""

import os
import subprocess
import sys
from urllib.parse import quote

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django_tasks_db.models import DBTaskResult

from perchoir.media.models import ImageStatus
from perchoir.media.services import THUMBNAIL_WIDTHS, image_upload
from tests.factories import UserFactory

from .images import image_bytes, upload


def _database_url() -> str:
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{database['NAME']}"
    credentials = quote(database["USER"] or "", safe="")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"], safe="")
    host = database["HOST"] or "localhost"
    port = f":{database['PORT']}" if database["PORT"] else ""
    at = "@" if credentials else ""
    return f"postgres://{credentials}{at}{host}{port}/{database['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_real_worker_makes_the_thumbnails_of_an_upload(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    member = UserFactory()

    image = image_upload(
        uploaded_by=member, file=upload(image_bytes("JPEG", size=(1200, 900)), "big.jpg")
    )

    # Committed (no transaction around a transactional test), so the task is in the queue.
    assert DBTaskResult.objects.filter(args_kwargs__args=[image.id]).count() == 1
    image.refresh_from_db()
    assert image.status == ImageStatus.PROCESSING

    env = {
        **os.environ,
        "PERCHOIR_DATABASE_URL": _database_url(),
        "PERCHOIR_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PERCHOIR_TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
    }
    finished = subprocess.run(
        [sys.executable, "-m", "perchoir", "db_worker", "--batch", "--no-startup-delay"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr

    image.refresh_from_db()
    assert image.status == ImageStatus.READY, finished.stderr
    assert set(image.thumbnails) == {str(width) for width in THUMBNAIL_WIDTHS}
    for name in image.thumbnails.values():
        assert default_storage.exists(name)
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
