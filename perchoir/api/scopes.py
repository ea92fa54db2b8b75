"""What a token may do: the scopes of OAuth applications and personal access tokens.

Each API operation needs one scope, decided here from its method and path, in one place: reads
need `read`, writes `write`, following people and importing lists `follow`, moderators' tools
`moderate`, administrators' `admin`. The site's own pages (session) may do everything.
"""

import re

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from perchoir.accounts.models import Role
from perchoir.core.errors import Forbidden

READ, WRITE, FOLLOW, MODERATE, ADMIN = "read", "write", "follow", "moderate", "admin"
# Not grantable: managing tokens and applications. A personal access token has it (it is the
# person's own key); an application never does, so it cannot mint itself more power.
CREDENTIALS = "credentials"

# In the order of the consent page; each sentence says what the app may do for the person.
SCOPES: dict[str, str | Promise] = {
    READ: _("See everything you can see: conversations, collections, profiles, notifications"),
    WRITE: _(
        "Act for you: post, edit and delete messages, start conversations, manage collections "
        "and send invitations"
    ),
    FOLLOW: _("Follow and unfollow people and collections, and import follow lists"),
    MODERATE: _("Use your moderator's tools: reports, cases, actions and appeals"),
    ADMIN: _("Use your administrator's powers over the site"),
}
# What a personal access token gets unless the person chooses otherwise.
DEFAULT_TOKEN_SCOPES = (READ, WRITE, FOLLOW)

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_ANY = frozenset({"GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"})
_WRITES = _ANY - _SAFE_METHODS

# (methods, path under /api/v1/, scope): the first rule that matches decides; None means the
# default (read for reads, write for writes).
_RULES: list[tuple[frozenset[str], re.Pattern[str], str | None]] = [
    # A person's own keys and data: never an application's business.
    (_ANY, re.compile(r"^(tokens|me/applications|me/developer/|me/data/)"), CREDENTIALS),
    # Anyone may report, read their receipt, their statements of reasons, and appeal them.
    (_ANY, re.compile(r"^moderation/(reports|statements)(/|$)"), None),
    (_SAFE_METHODS, re.compile(r"^moderation/(rules|transparency)$"), None),
    (_WRITES, re.compile(r"^moderation/rules$"), ADMIN),
    (_ANY, re.compile(r"^moderation/"), MODERATE),
    (_ANY, re.compile(r"^admin/"), ADMIN),
    (_WRITES, re.compile(r"^(people|collections)/[^/]+/follow$"), FOLLOW),
    (_ANY, re.compile(r"^me/imports"), FOLLOW),
]


def operation_scope(method: str, path: str) -> str:
    """The scope an API call needs; `path` is the request's full path."""
    relative = path.split("/api/v1/", 1)[-1].lstrip("/")
    default = READ if method in _SAFE_METHODS else WRITE
    for methods, pattern, scope in _RULES:
        if method in methods and pattern.match(relative):
            return scope or default
    return default


def scopes_parse(text: str) -> frozenset[str]:
    return frozenset(scope for scope in text.split() if scope in SCOPES)


class InsufficientScope(Forbidden):
    code = "insufficient_scope"

    def __init__(self, scope: str) -> None:
        message: str | Promise
        if scope == CREDENTIALS:
            message = _(
                "Applications may not manage tokens or applications; the person does that on "
                "the site or with a personal access token."
            )
        else:
            message = _(
                "This token may not do this: it needs the “%(scope)s” permission, which the "
                "person did not give it."
            ) % {"scope": scope}
        super().__init__(message)
        self.scope = scope


# Scopes that only open what a role already allows.
_ROLE_SCOPES = {MODERATE: (Role.MODERATOR, Role.ADMIN), ADMIN: (Role.ADMIN,)}


def scopes_allowed(role: str) -> list[str]:
    """The scopes a person of this role may give a token: moderators' and administrators'
    powers only to those who have them."""
    return [scope for scope in SCOPES if scope not in _ROLE_SCOPES or role in _ROLE_SCOPES[scope]]


def scope_check(*, granted: frozenset[str], method: str, path: str, role: str) -> None:
    """Refuse a call the token's scopes do not cover. Scopes only narrow what the person may do:
    a member's token calling a moderators' operation gets that operation's own answer (it does
    not exist for them), not a hint that some other token could call it."""
    needed = operation_scope(method, path)
    if needed in _ROLE_SCOPES and role not in _ROLE_SCOPES[needed]:
        return
    if needed not in granted:
        raise InsufficientScope(needed)


def scopes_within(*, requested: list[str], granted: frozenset[str] | None) -> None:
    """A token may only make a token with no more power than its own (None: the session)."""
    if granted is None:
        return
    for scope in requested:
        if scope in SCOPES and scope not in granted:  # unknown ones: the service says so
            raise InsufficientScope(scope)
