"""Read a follow list: Mastodon's "following" CSV export, or one handle or identity a line.

The result is a list of normalised addresses, one of:
- `@handle`: someone here, by handle;
- `alice@mastodon.social`: an account on another server (a fediverse address);
- `github:octocat`: an identity at a sign-in provider.
"""

import csv
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from perchoir.accounts.validators import HANDLE_MAX_LENGTH
from perchoir.core.errors import InvalidInput

MAX_LINES = 100_000
MAX_BYTES = 8 * 1024 * 1024
FIELD = "list"
CSV_HEADER = "account address"

HANDLE_RE = re.compile(rf"^@?([A-Za-z0-9_]{{1,{HANDLE_MAX_LENGTH}}})$")
FEDIVERSE_RE = re.compile(r"^@?([A-Za-z0-9_.-]{1,100})@([A-Za-z0-9.-]{1,200}\.[A-Za-z0-9-]{2,63})$")
IDENTITY_RE = re.compile(r"^([A-Za-z][A-Za-z0-9_-]{0,29}):@?([A-Za-z0-9_.@-]{1,100})$")


def _site_host() -> str:
    return (urlsplit(settings.SITE_URL).hostname or "").lower()


def address_normalise(line: str) -> str | None:
    """The normalised address of one line, or None if it is none of the known forms."""
    value = line.strip()
    if match := HANDLE_RE.match(value):
        return f"@{match.group(1)}"
    if match := FEDIVERSE_RE.match(value):
        local, domain = match.group(1), match.group(2).lower()
        if domain == _site_host() and HANDLE_RE.match(local):
            return f"@{local}"  # an address of this very site is one of its handles
        return f"{local}@{domain}"
    if match := IDENTITY_RE.match(value):
        return f"{match.group(1).lower()}:{match.group(2)}"
    return None


def _too_long() -> InvalidInput:
    return InvalidInput.for_field(
        FIELD,
        _("This list is too long: import at most %(max)s lines at a time.")
        % {"max": f"{MAX_LINES:,}".replace(",", "\u202f")},
    )


def _csv_addresses(lines: list[str], start: int) -> list[tuple[int, str]]:
    try:
        rows = list(csv.reader(lines, strict=True))
    except csv.Error as error:
        raise InvalidInput.for_field(
            FIELD,
            _(
                "This CSV file is malformed and could not be read. Export it again from "
                "Mastodon (Preferences → Import and export → Follows) and upload it unchanged."
            ),
        ) from error
    addresses = []
    for number, row in enumerate(rows, start=start):
        if not row or not any(cell.strip() for cell in row):
            continue
        addresses.append((number, row[0]))
    return addresses


def follow_list_parse(text: str, *, own_handle: str) -> list[str]:
    """The distinct addresses of a follow list, in order, without the person's own handle."""
    if len(text.encode()) > MAX_BYTES:
        raise InvalidInput.for_field(
            FIELD,
            _("This list is too large: upload at most %(size)s MB at a time.")
            % {"size": MAX_BYTES // (1024 * 1024)},
        )
    lines = text.removeprefix("\ufeff").splitlines()
    first = next((index for index, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise InvalidInput.for_field(FIELD, _("This list is empty."))
    if sum(1 for line in lines if line.strip()) > MAX_LINES + 1:
        raise _too_long()
    if lines[first].strip().lower().startswith(CSV_HEADER):
        numbered = _csv_addresses(lines[first + 1 :], start=first + 2)
    else:
        numbered = [(number, line) for number, line in enumerate(lines, start=1) if line.strip()]
    if len(numbered) > MAX_LINES:
        raise _too_long()

    seen: set[str] = {f"@{own_handle}".casefold()}
    addresses: list[str] = []
    bad: list[str] = []
    for number, line in numbered:
        address = address_normalise(line)
        if address is None:
            bad.append(
                _("line %(number)d: “%(text)s”") % {"number": number, "text": line.strip()[:60]}
            )
            continue
        if address.casefold() in seen:
            continue
        seen.add(address.casefold())
        addresses.append(address)
    if bad:
        message = ngettext(
            "This line is not a handle, a Mastodon address or provider:username (%(lines)s).",
            "These lines are not handles, Mastodon addresses or provider:username "
            "(%(lines)s%(more)s).",
            len(bad),
        ) % {
            "lines": "; ".join(bad[:5]),
            "more": _(" and %(count)d more") % {"count": len(bad) - 5} if len(bad) > 5 else "",
        }
        raise InvalidInput.for_field(FIELD, message)
    if not addresses:
        raise InvalidInput.for_field(FIELD, _("There is nobody to look for in this list."))
    return addresses
