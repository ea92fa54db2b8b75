import hashlib
import secrets

from django.conf import settings
from django.urls import reverse

from perchoir.accounts.models import User
from perchoir.core.selectors import site_settings_get


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def founder_link_issue() -> str | None:
    """A fresh one-time founder link while no account exists; None once someone has joined.

    Each call replaces the previous link, so a link printed by an earlier start stops working.
    """
    site = site_settings_get()
    if User.objects.exists():
        if site.founder_token_hash:
            site.founder_token_hash = ""
            site.save(update_fields=["founder_token_hash", "updated_at"])
        return None
    token = secrets.token_urlsafe(32)
    site.founder_token_hash = token_digest(token)
    site.save(update_fields=["founder_token_hash", "updated_at"])
    return settings.SITE_URL + reverse("invitations:founder", kwargs={"token": token})


FOUNDER_SESSION_KEY = "perchoir_founder_token"


def founder_token_is_valid(token: str) -> bool:
    site = site_settings_get()
    return (
        bool(site.founder_token_hash)
        and secrets.compare_digest(site.founder_token_hash, token_digest(token))
        and not User.objects.exists()
    )
