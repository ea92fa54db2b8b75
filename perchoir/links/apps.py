from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LinksConfig(AppConfig):
    name = "perchoir.links"
    verbose_name = _("Link previews")
