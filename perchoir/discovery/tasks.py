from django_tasks import task

from .services import digest_send


@task()
def digest_send_task(subscription_id: int) -> None:
    """Send one digest if due and queue the next; safe to run twice (the send is claimed)."""
    digest_send(subscription_id=subscription_id)
