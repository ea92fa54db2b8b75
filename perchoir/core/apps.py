from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "perchoir.core"
    label = "core"

    def ready(self) -> None:
        # django-tasks' integration points: carry the request id into background tasks.
        from django_tasks.signals import (
            log_task_started,
            task_enqueued,
            task_finished,
            task_started,
        )

        from . import metrics, observability

        task_enqueued.connect(observability.task_enqueued, dispatch_uid="perchoir-request-id")
        # django-tasks logs "started" from its own receiver: ours must run first for that line
        # to carry the request id, so theirs is connected again after ours.
        task_started.disconnect(log_task_started)
        task_started.connect(observability.task_started, dispatch_uid="perchoir-request-id")
        task_started.connect(log_task_started)
        task_finished.connect(observability.task_finished, dispatch_uid="perchoir-request-id")
        task_finished.connect(metrics.task_finished, dispatch_uid="perchoir-metrics")
