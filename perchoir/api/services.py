import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from perchoir.accounts.models import User
from perchoir.core.errors import InvalidInput, NotFound
from perchoir.core.ratelimit import ratelimit_hit

from .models import AccessToken
from .scopes import CREDENTIALS, DEFAULT_TOKEN_SCOPES, scopes_allowed, scopes_parse

NAME_MAX_LENGTH = 80
TOKEN_PREFIX = "pch_"  # noqa: S105 (a marker, not a secret)
MAX_TOKENS_PER_PERSON = 50
# Creating tokens is rare; a burst means a script gone wrong or a stolen session.
CREATE_LIMIT_PER_HOUR = 10
# Writing last_used_at on every request would make every read a write.
LAST_USED_RESOLUTION_SECONDS = 300


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def access_token_create(
    *,
    user: User,
    name: str,
    expires_at: datetime | None = None,
    scopes: Iterable[str] = DEFAULT_TOKEN_SCOPES,
) -> tuple[AccessToken, str]:
    """Create a token and return it with its secret, which is shown once and never stored."""
    ratelimit_hit("access-token-create", str(user.pk), limit=CREATE_LIMIT_PER_HOUR, period=3600)
    name = name.strip()
    if not name:
        raise InvalidInput.for_field("name", _("Give the token a name, so you recognise it later."))
    if len(name) > NAME_MAX_LENGTH:
        raise InvalidInput.for_field(
            "name", _("Use at most %(limit)s characters.") % {"limit": NAME_MAX_LENGTH}
        )
    if expires_at is not None and expires_at <= timezone.now():
        raise InvalidInput.for_field("expires_at", _("The expiry date must be in the future."))
    allowed = scopes_allowed(user.role)
    chosen = [scope for scope in allowed if scope in set(scopes)]
    unknown = set(scopes) - set(allowed)
    if unknown or not chosen:
        raise InvalidInput.for_field(
            "scopes",
            _("Choose at least one of these permissions: %(scopes)s.")
            % {"scopes": ", ".join(allowed)},
        )
    live = AccessToken.objects.filter(user=user, revoked_at__isnull=True).count()
    if live >= MAX_TOKENS_PER_PERSON:
        raise InvalidInput(
            _("You have %(count)s tokens, the most allowed; revoke some first.")
            % {"count": MAX_TOKENS_PER_PERSON}
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = AccessToken.objects.create(
        user=user,
        name=name,
        digest=_digest(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 4],
        expires_at=expires_at,
        scopes=" ".join(chosen),
    )
    return token, secret


def access_token_revoke(*, user: User, token_id: int) -> AccessToken:
    """Revoke one of the person's own tokens; another person's token is simply not found."""
    token = AccessToken.objects.filter(user=user, id=token_id).first()
    if token is None:
        raise NotFound(_("This token does not exist, or it is not yours."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def access_token_authenticate(*, token: str) -> tuple[User, frozenset[str]] | None:
    """The active person a live token belongs to and what it may do, or None."""
    from perchoir.moderation.selectors import locked_out_exists

    now = timezone.now()
    found = (
        AccessToken.objects.select_related("user")
        .filter(digest=_digest(token), revoked_at__isnull=True, user__is_active=True)
        # Suspended or banned: told why by the authentication (perchoir.api.auth).
        .annotate(locked_out=locked_out_exists())
        .first()
    )
    if found is None or (found.expires_at is not None and found.expires_at <= now):
        return None
    found.user.sanction_locked_out = found.locked_out  # type: ignore[attr-defined]
    last = found.last_used_at
    if last is None or (now - last).total_seconds() > LAST_USED_RESOLUTION_SECONDS:
        AccessToken.objects.filter(id=found.id).update(last_used_at=now)
    return found.user, scopes_parse(found.scopes) | {CREDENTIALS}
