from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "perchoir.accounts"
    label = "accounts"

    def ready(self) -> None:
        # allauth's integration point for the connect flow (no hook in its adapter).
        from allauth.socialaccount.signals import social_account_added

        from .oidc import register_nonce_provider
        from .social_adapter import identity_linked

        social_account_added.connect(identity_linked, dispatch_uid="perchoir-identity-linked")
        register_nonce_provider()
