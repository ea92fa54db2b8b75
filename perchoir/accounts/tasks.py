from django_tasks import task

from .services import profile_avatar_import


@task()
def profile_avatar_import_task(*, user_id: int, url: str) -> None:
    profile_avatar_import(user_id=user_id, url=url)
