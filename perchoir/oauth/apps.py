from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OAuthConfig(AppConfig):
    name = "perchoir.oauth"
    label = "perchoir_oauth"
    verbose_name = _("Third-party applications")
