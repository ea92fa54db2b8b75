from django.apps import AppConfig


class InvitationsConfig(AppConfig):
    name = "perchoir.invitations"
    label = "invitations"
