from django_tasks import task

from . import services


@task()
def image_thumbnails_task(image_id: int) -> None:
    """Make an image's thumbnails; safe to run again (it rewrites the same files)."""
    services.image_thumbnails_make(image_id=image_id)
