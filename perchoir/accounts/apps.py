from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "perchoir.accounts"
    label = "accounts"
