from django_tasks import task

from . import services


@task()
def data_export_build_task(export_id: int) -> None:
    """Write a person's archive and email them the link; safe to run again."""
    services.data_export_build(export_id=export_id)


@task()
def data_export_expire_task(export_id: int) -> None:
    """Queued for the moment an archive expires: its file is deleted."""
    services.data_export_expire(export_id=export_id)
    services.privacy_sweep()


@task()
def account_deletion_perform_task(deletion_id: int) -> None:
    """Queued for the end of the grace period; does nothing if the deletion was cancelled."""
    services.account_deletion_perform(deletion_id=deletion_id)
    services.privacy_sweep()
