from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "perchoir.core"
    label = "core"
