from django_tasks import task

from . import services


@task()
def link_preview_fetch_task(preview_id: int) -> None:
    """Fetch a link's preview card; safe to run again (the card is simply fetched anew)."""
    services.link_preview_fetch(preview_id=preview_id)
