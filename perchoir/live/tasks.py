from django_tasks import task

from . import services


@task()
def live_events_prune_task() -> None:
    """Forget events older than a week (each stream's newest stays); safe to run again."""
    services.live_events_prune()
