import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

HANDLE_MIN_LENGTH = 2
HANDLE_MAX_LENGTH = 30
HANDLE_PATTERN = re.compile(r"^[A-Za-z0-9_]+$")

# Words that would impersonate the site or collide with its addresses.
RESERVED_HANDLES = frozenset(
    [
        "about",
        "abuse",
        "account",
        "accounts",
        "admin",
        "administrator",
        "api",
        "app",
        "apps",
        "auth",
        "billing",
        "blog",
        "c",
        "collection",
        "collections",
        "conversation",
        "conversations",
        "contact",
        "dashboard",
        "docs",
        "embed",
        "explore",
        "faq",
        "feed",
        "feeds",
        "help",
        "home",
        "info",
        "invite",
        "invites",
        "join",
        "legal",
        "login",
        "logout",
        "mail",
        "me",
        "media",
        "mod",
        "moderation",
        "moderator",
        "moderators",
        "new",
        "news",
        "noreply",
        "notifications",
        "null",
        "official",
        "oauth",
        "perchoir",
        "postmaster",
        "privacy",
        "profile",
        "root",
        "search",
        "security",
        "settings",
        "signin",
        "signup",
        "site",
        "staff",
        "static",
        "status",
        "support",
        "system",
        "team",
        "terms",
        "transparency",
        "undefined",
        "user",
        "users",
        "webmaster",
        "welcome",
        "www",
    ]
)


def validate_handle(value: str) -> None:
    if not HANDLE_MIN_LENGTH <= len(value) <= HANDLE_MAX_LENGTH:
        raise ValidationError(
            _("A handle has between %(min)d and %(max)d characters."),
            code="handle_length",
            params={"min": HANDLE_MIN_LENGTH, "max": HANDLE_MAX_LENGTH},
        )
    if not HANDLE_PATTERN.match(value):
        raise ValidationError(
            _("A handle may only contain letters, digits and underscores."), code="handle_chars"
        )
    if value.lower() in RESERVED_HANDLES:
        raise ValidationError(
            _("“%(handle)s” is reserved; please choose another handle."),
            code="handle_reserved",
            params={"handle": value},
        )
    # The handle of a deleted account rests a while (perchoir.privacy): old mentions and links
    # must not lead to someone else.
    from perchoir.privacy.selectors import handle_is_retired

    if handle_is_retired(value):
        raise ValidationError(
            _("This handle belonged to an account that was deleted; please choose another one."),
            code="handle_retired",
        )
