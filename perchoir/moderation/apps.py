from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "perchoir.moderation"
    verbose_name = _("Moderation")

    def ready(self) -> None:
        from .targets import PERSON, register

        register(PERSON)
