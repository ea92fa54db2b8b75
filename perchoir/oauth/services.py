"""Third-party applications: developers register them; people authorise and revoke them.

The OAuth 2 protocol itself (authorization, token, refresh, revocation endpoints) is
django-oauth-toolkit's; these are the writes around it that people make from the settings pages
and the API.
"""

import hashlib
from dataclasses import dataclass
from ipaddress import ip_address
from urllib.parse import urlsplit

from django.db import transaction
from django.utils.translation import gettext as _
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import AccessToken, Application, Grant, RefreshToken
from oauth2_provider.settings import oauth2_settings

from perchoir.accounts.models import User
from perchoir.api.scopes import scopes_parse
from perchoir.core.errors import InvalidInput, NotFound
from perchoir.core.ratelimit import ratelimit_hit

NAME_MAX_LENGTH = 80
REDIRECT_URIS_MAX = 10
URI_MAX_LENGTH = 500
APPLICATIONS_PER_DEVELOPER_PER_DAY = 20


@dataclass(frozen=True)
class Registered:
    application: Application
    # The client secret in clear, shown once; None for a public client (which has none).
    secret: str | None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def redirect_uris_clean(lines: list[str]) -> list[str]:
    """Absolute https addresses without fragments; plain http only to a loopback address (an
    app on the person's own machine) and only where the site allows it."""
    uris = [line.strip() for line in lines if line.strip()]
    if not uris:
        raise InvalidInput.for_field("redirect_uris", _("Give at least one redirect address."))
    if len(uris) > REDIRECT_URIS_MAX:
        raise InvalidInput.for_field(
            "redirect_uris",
            _("At most %(count)d redirect addresses.") % {"count": REDIRECT_URIS_MAX},
        )
    allowed = oauth2_settings.ALLOWED_REDIRECT_URI_SCHEMES
    for uri in uris:
        parts = urlsplit(uri)
        secure = parts.scheme == "https" or (
            parts.scheme == "http" and "http" in allowed and _is_loopback(parts.hostname or "")
        )
        if len(uri) > URI_MAX_LENGTH or not parts.netloc or parts.fragment or not secure:
            raise InvalidInput.for_field(
                "redirect_uris",
                _(
                    "“%(uri)s” is not a usable redirect address: it must start with https:// "
                    "(or http:// to this computer's own address) and have no #fragment."
                )
                % {"uri": uri[:100]},
            )
    return list(dict.fromkeys(uris))


@transaction.atomic
def oauth_application_register(
    *, developer: User, name: str, redirect_uris: list[str], confidential: bool
) -> Registered:
    name = name.strip()
    if not name or len(name) > NAME_MAX_LENGTH:
        raise InvalidInput.for_field(
            "name",
            _("Give the application a name of at most %(max)d characters.")
            % {"max": NAME_MAX_LENGTH},
        )
    uris = redirect_uris_clean(redirect_uris)
    ratelimit_hit(
        "oauth-application",
        str(developer.pk),
        limit=APPLICATIONS_PER_DEVELOPER_PER_DAY,
        period=24 * 3600,
    )
    secret = generate_client_secret() if confidential else ""
    application = Application.objects.create(
        user=developer,
        name=name,
        redirect_uris=" ".join(uris),
        client_type=(
            Application.CLIENT_CONFIDENTIAL if confidential else Application.CLIENT_PUBLIC
        ),
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        client_secret=secret,
        hash_client_secret=True,
        skip_authorization=False,
    )
    return Registered(application=application, secret=secret or None)


@transaction.atomic
def oauth_application_delete(*, developer: User, application_id: int) -> None:
    """Deleting an application ends every authorisation people gave it."""
    deleted, _rows = Application.objects.filter(id=application_id, user=developer).delete()
    if not deleted:
        raise NotFound()


@transaction.atomic
def oauth_authorization_revoke(*, user: User, application_id: int) -> None:
    """The person withdraws an application's access: its tokens stop working at once."""
    if (
        not AccessToken.objects.filter(user=user, application_id=application_id).exists()
        and not (
            RefreshToken.objects.filter(
                user=user, application_id=application_id, revoked__isnull=True
            )
        ).exists()
    ):
        raise NotFound()
    AccessToken.objects.filter(user=user, application_id=application_id).delete()
    for refresh in RefreshToken.objects.filter(
        user=user, application_id=application_id, revoked__isnull=True
    ):
        refresh.revoke()
    Grant.objects.filter(user=user, application_id=application_id).delete()


def oauth_token_authenticate(*, token: str) -> tuple[User, frozenset[str]] | None:
    """The active person an application's live access token acts for, and its scopes."""
    from perchoir.moderation.selectors import locked_out_exists

    found = (
        AccessToken.objects.select_related("user")
        .filter(
            token_checksum=hashlib.sha256(token.encode()).hexdigest(),
            application__isnull=False,
            user__is_active=True,
        )
        # Suspended or banned: told why by the authentication (perchoir.api.auth).
        .annotate(locked_out=locked_out_exists())
        .first()
    )
    if found is None or found.is_expired() or found.user is None:
        return None
    found.user.sanction_locked_out = found.locked_out
    return found.user, scopes_parse(found.scope)
