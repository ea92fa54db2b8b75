from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "perchoir.media"
    label = "media"
