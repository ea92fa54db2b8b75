from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "perchoir.privacy"
    verbose_name = _("Your data")

    def ready(self) -> None:
        # The apps that were here before this one; newer apps register from their own ready().
        from .sections import register_builtin_sections

        register_builtin_sections()
