from django_tasks import task

from . import services


@task()
def follow_import_task(import_id: int) -> None:
    """Match an imported follow list; safe to run again (it resumes where it stopped)."""
    services.follow_import_process(import_id=import_id)
