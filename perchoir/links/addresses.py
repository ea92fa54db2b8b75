"""Web addresses as people write them, and the one canonical form a preview is stored under."""

import ipaddress
import re
from urllib.parse import quote, urlsplit

from django.utils.translation import gettext as _

from perchoir.core.errors import InvalidInput

URL_MAX_LENGTH = 2000
FIELD = "url"
SCHEMES = {"http": 80, "https": 443}

# Characters kept as they are in a path or query; anything else (spaces, non-ASCII, quotes) is
# percent-encoded, so that the stored address is plain ASCII and the request line is valid.
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HOST_LABELS = re.compile(r"^[a-z0-9_-]+(\.[a-z0-9_-]+)*$")


def _invalid(message: str) -> InvalidInput:
    return InvalidInput.for_field(FIELD, message)


def _not_a_url() -> InvalidInput:
    return _invalid(_("Enter a web address such as https://example.org/page."))


def _host(parts_netloc: str, hostname: str) -> str:
    """The host in canonical form: lower case, IDNA (punycode), IPv6 in brackets."""
    if "[" in parts_netloc:
        try:
            return f"[{ipaddress.IPv6Address(hostname).compressed}]"
        except ValueError:
            raise _not_a_url() from None
    host = hostname.rstrip(".")
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise _not_a_url() from None
    if not _HOST_LABELS.match(host):
        raise _not_a_url()
    return host


def url_normalise(raw: str) -> str:
    """The canonical form of an http(s) address, or InvalidInput (field `url`) saying why not.

    Canonical: scheme and host in lower case, international names in punycode, no default port,
    "/" for an empty path, non-ASCII and spaces percent-encoded, no fragment (it never reaches the
    server, so the page is the same). Addresses carrying a user name or password are refused: they
    leak secrets into previews and are a classic way to disguise where a link goes.
    """
    text = raw.strip()
    if not text:
        raise _invalid(_("Enter a web address."))
    if len(text) > URL_MAX_LENGTH:
        raise _invalid(_("This address is too long."))
    if _CONTROL.search(text):
        raise _not_a_url()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise _not_a_url() from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise _invalid(_("Only web addresses starting with http:// or https:// can be previewed."))
    if "@" in parts.netloc:
        raise _invalid(_("Addresses with a user name or password cannot be previewed."))
    if not parts.hostname or port == 0:
        raise _not_a_url()
    host = _host(parts.netloc, parts.hostname)
    netloc = host if port in (None, SCHEMES[scheme]) else f"{host}:{port}"
    path = quote(parts.path, safe=_PATH_SAFE) or "/"
    query = quote(parts.query, safe=_QUERY_SAFE)
    url = f"{scheme}://{netloc}{path}" + (f"?{query}" if query else "")
    if len(url) > URL_MAX_LENGTH:
        raise _invalid(_("This address is too long."))
    return url
