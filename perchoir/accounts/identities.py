"""Linked identities: a member's accounts at sign-in providers (allauth's SocialAccount).

Reads (`identity_list_*`) and writes (`identity_unlink`, `identity_profile_visibility_set`) in
one place; a member links another identity through allauth's connect flow.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.models import SocialAccount
from django.db import transaction
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, Lower
from django.utils.translation import gettext as _

from perchoir.core.errors import Conflict, NotFound

from .models import IdentityDisplay, User

# What people write before the colon → the provider id allauth stores in SocialAccount.provider.
PROVIDER_ALIASES = {"x": "twitter_oauth2", "twitter": "twitter_oauth2"}
# Where each provider keeps the username in SocialAccount.extra_data: GitHub `login`, X
# `username`, OpenID Connect `preferred_username` (in `userinfo` or `id_token` since allauth 65.11).
IDENTITY_USERNAME_KEYS = (
    "extra_data__login",
    "extra_data__username",
    "extra_data__preferred_username",
    "extra_data__userinfo__preferred_username",
    "extra_data__id_token__preferred_username",
)


@dataclass(frozen=True)
class Identity:
    id: int
    provider: str  # allauth's provider id: an OIDC provider's configured id, github, google…
    provider_name: str
    username: str
    profile_url: str
    shown_on_profile: bool

    @property
    def label(self) -> str:
        return f"{self.provider_name}: {self.username}" if self.username else self.provider_name


def _claims(extra_data: dict[str, Any]) -> dict[str, Any]:
    """An OIDC account's claims (userinfo preferred), or the provider's profile data."""
    for key in ("userinfo", "id_token"):
        if isinstance(extra_data.get(key), dict):
            return dict(extra_data[key])
    return extra_data


def _username_and_url(provider: str, extra_data: dict[str, Any]) -> tuple[str, str]:
    data = _claims(extra_data or {})
    if provider == "github":
        login = str(data.get("login") or "")
        return login, str(data.get("html_url") or "")
    if provider == "twitter_oauth2":
        username = str(data.get("username") or "")
        return username, f"https://x.com/{username}" if username else ""
    if provider == "google":
        return str(data.get("email") or ""), ""
    profile = str(data.get("profile") or "")
    return str(data.get("preferred_username") or ""), profile if profile.startswith(
        "https://"
    ) else ""


def _provider_names() -> dict[str, str]:
    """Configured providers' names by provider id, in one query (apps added in the admin)."""
    names: dict[str, str] = {}
    for provider in get_adapter().list_providers(None):
        names[provider.sub_id] = provider.name
    return names


def _identities(accounts: Any) -> list[Identity]:
    accounts = list(accounts)
    if not accounts:
        return []
    names = _provider_names()
    result = []
    for account in accounts:
        username, url = _username_and_url(account.provider, account.extra_data)
        display = getattr(account, "perchoir_display", None)
        result.append(
            Identity(
                id=account.id,
                provider=account.provider,
                provider_name=names.get(account.provider, account.provider),
                username=username,
                profile_url=url,
                shown_on_profile=bool(display and display.shown_on_profile),
            )
        )
    return result


def identity_list_for_user(*, user: User) -> list[Identity]:
    """The identities linked to `user`, oldest first."""
    accounts = (
        SocialAccount.objects.filter(user=user).select_related("perchoir_display").order_by("id")
    )
    return _identities(accounts)


def identity_list_shown_on_profile(*, person: User) -> list[Identity]:
    """The identities `person` chose to show on their profile."""
    accounts = (
        SocialAccount.objects.filter(user=person, perchoir_display__shown_on_profile=True)
        .select_related("perchoir_display")
        .order_by("id")
    )
    return _identities(accounts)


def _identity_get_for_owner(*, user: User, identity_id: int) -> SocialAccount:
    account = SocialAccount.objects.filter(user=user, id=identity_id).first()
    if account is None:
        raise NotFound(_("This linked account does not exist."))
    return account


@transaction.atomic
def identity_unlink(*, user: User, identity_id: int) -> None:
    """Unlink an identity, never the last way in: an account without a password keeps one."""
    User.objects.select_for_update().filter(id=user.id).first()
    account = _identity_get_for_owner(user=user, identity_id=identity_id)
    others = SocialAccount.objects.filter(user=user).exclude(id=account.id).exists()
    if not others and not user.has_usable_password():
        raise Conflict(
            _(
                "This is your only way to sign in. Set a password or link another account "
                "before you unlink this one."
            )
        )
    account.delete()


def identity_profile_visibility_set(*, user: User, identity_id: int, shown: bool) -> Identity:
    """Show or hide an identity on the profile of its owner."""
    account = _identity_get_for_owner(user=user, identity_id=identity_id)
    IdentityDisplay.objects.update_or_create(account=account, defaults={"shown_on_profile": shown})
    return next(i for i in identity_list_for_user(user=user) if i.id == account.id)


def people_by_identities(identities: Iterable[tuple[str, str]]) -> dict[tuple[str, str], User]:
    """Active people who linked one of these (provider, username) identities, in one query.

    Keys are (provider as written, username in lower case); usernames match whatever the casing.
    """
    wanted = {(provider.lower(), username.lower()) for provider, username in identities}
    if not wanted:
        return {}
    providers: dict[str, set[str]] = {}
    for provider, _username in wanted:
        providers.setdefault(PROVIDER_ALIASES.get(provider, provider), set()).add(provider)
    accounts = (
        SocialAccount.objects.annotate(
            identity_username=Lower(Coalesce(*(KT(key) for key in IDENTITY_USERNAME_KEYS)))
        )
        .filter(
            provider__in=providers,
            identity_username__in={username for _provider, username in wanted},
            user__is_active=True,
        )
        .select_related("user")
    )
    found: dict[tuple[str, str], User] = {}
    for account in accounts:
        for written in providers[account.provider]:
            key = (written, account.identity_username)
            if key in wanted:
                found[key] = account.user
    return found
