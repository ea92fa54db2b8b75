from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "perchoir.api"
    label = "api"
