"""Thumbnails made by the real background worker, in its own process, from the real queue."""

import pytest
from django.core.files.storage import default_storage
from django_tasks_db.models import DBTaskResult

from perchoir.media.models import ImageStatus
from perchoir.media.services import THUMBNAIL_WIDTHS, image_upload
from tests.factories import UserFactory

from .images import image_bytes, upload
from .worker import database_url as _database_url  # noqa: F401 (imported by other tests)
from .worker import worker_run


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

    finished = worker_run(PERCHOIR_MEDIA_ROOT=str(settings.MEDIA_ROOT))
    assert finished.returncode == 0, finished.stderr

    image.refresh_from_db()
    assert image.status == ImageStatus.READY, finished.stderr
    assert set(image.thumbnails) == {str(width) for width in THUMBNAIL_WIDTHS}
    for name in image.thumbnails.values():
        assert default_storage.exists(name)
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
