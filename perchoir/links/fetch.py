"""Fetch an address someone gave us, without letting them aim the server at itself.

Anyone who can post a link can make the site send a request, so every request is treated as an
attempt at server-side request forgery:

- only http and https, never with a user name or password in the address;
- the host name is resolved once and refused if *any* of its addresses is not public (private,
  loopback, link-local with the cloud metadata service, CGNAT, multicast, reserved, unspecified,
  and IPv6 forms embedding such an IPv4 address); loopback is allowed only with
  settings.FETCH_ALLOW_LOOPBACK, for tests;
- the connection goes to the address that was checked (it is pinned), so a DNS answer that
  changes between the check and the connection cannot redirect it; the Host header, TLS SNI and
  the certificate check still use the name;
- redirects are followed by hand, at most MAX_REDIRECTS, each target checked like the first;
- one deadline covers the whole fetch, redirects included: a watchdog cuts the socket when it
  passes, so a server trickling a byte a second cannot hold a worker (per-socket timeouts alone
  would not stop it). Name resolution uses the system resolver and its own timeouts;
- at most `max_bytes` are read. A larger body is refused, unless the caller passes
  `allow_truncated=True`: link previews do, because what they need is in the page's head, so the
  first `max_bytes` of a long page are enough; images never do, a cut image is a broken one.

Every failure is a FetchError: FetchRefused for targets we will not contact, FetchFailed for
everything that went wrong on the way (network, TLS, time, size, HTTP status).
"""

import contextlib
import functools
import http.client
import ipaddress
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Collection
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from perchoir.core.errors import ApplicationError, InvalidInput

from .addresses import SCHEMES, url_normalise

MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CHUNK_BYTES = 64 * 1024
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# The IPv6 prefix whose addresses a NAT64 gateway forwards to the IPv4 address inside (RFC 6052).
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class FetchError(ApplicationError):
    """The one family of the fetcher's errors; `message` is for people."""

    code = "fetch_failed"


class FetchRefused(FetchError):
    """The target is one we never contact (scheme, credentials, private or local network)."""

    status = 400
    code = "fetch_refused"
    default_message = gettext_lazy("This address cannot be fetched.")


class FetchFailed(FetchError):
    """The target was allowed, but fetching it did not work."""

    status = 502
    code = "fetch_failed"
    default_message = gettext_lazy("The page could not be fetched.")


@dataclass(frozen=True)
class FetchResult:
    final_url: str  # after redirects, in canonical form
    status: int
    content_type: str  # lower case, without parameters; "" when the server did not say
    charset: str | None  # as the Content-Type header gave it
    body: bytes  # decoded from gzip or deflate if the server insisted on sending it compressed
    truncated: bool = False  # only ever True with allow_truncated=True


def _too_slow() -> FetchFailed:
    return FetchFailed(_("The site took too long to answer."))


def _too_large() -> FetchFailed:
    return FetchFailed(_("The page is too large to fetch."))


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds

    def remaining(self) -> float:
        """Seconds left, or FetchFailed once none are."""
        left = self.at - time.monotonic()
        if left <= 0:
            raise _too_slow()
        return left


# --- Which targets are allowed --------------------------------------------------------------


def address_allowed(address: IPAddress) -> bool:
    """Whether we may connect here: public unicast only (loopback if the settings say so)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address_allowed(address.ipv4_mapped)
        if address in _NAT64:  # what DNS64 answers on an IPv6-only network: judge the IPv4 inside
            return address_allowed(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if address.sixtofour is not None and not address_allowed(address.sixtofour):
            return False
    if address.is_loopback:
        return bool(settings.FETCH_ALLOW_LOOPBACK)
    # is_global excludes private, CGNAT, link-local, unspecified and documentation ranges; the
    # ipaddress module counts multicast and some reserved ranges as global: not web servers.
    return address.is_global and not (address.is_multicast or address.is_reserved)


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise FetchFailed(_("The site's name could not be found.")) from None
    addresses: list[IPAddress] = []
    for *_rest, sockaddr in found:
        # An IPv6 link-local answer may carry a zone ("fe80::1%eth0").
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def _checked_addresses(host: str, port: int) -> list[IPAddress]:
    """The host's addresses, all of them allowed; refuse if any one is not."""
    addresses = _resolve(host, port)
    if not addresses:
        raise FetchFailed(_("The site's name could not be found."))
    if not all(address_allowed(address) for address in addresses):
        raise FetchRefused(_("This address leads to a private or local network."))
    return addresses


def _checked_url(url: str) -> str:
    try:
        return url_normalise(url)
    except InvalidInput as error:
        raise FetchRefused(error.message) from None


# --- One request to one pinned address ------------------------------------------------------


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """Certificates verified against the system's authorities, for the host name."""
    return ssl.create_default_context()


class _PinnedConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, whatever the name resolves to by now; the Host
    header, SNI and certificate check use the name."""

    def __init__(self, host: str, port: int, *, address: IPAddress, tls: bool, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address
        self.tls = tls
        self.default_port = SCHEMES["https" if tls else "http"]  # no ":443" in the Host header

    def connect(self) -> None:
        sock = socket.create_connection((str(self.address), self.port), self.timeout)
        if not self.tls:
            self.sock = sock
            return
        try:
            wrapped = _tls_context().wrap_socket(
                sock, server_hostname=self.host, do_handshake_on_connect=False
            )
        except BaseException:
            sock.close()
            raise
        self.sock = wrapped  # set before the handshake, so that the watchdog can cut it
        wrapped.do_handshake()


class _Watchdog:
    """Cuts the connection's socket when the deadline passes, wherever the reading is."""

    def __init__(self, connection: _PinnedConnection, seconds: float) -> None:
        self.fired = False
        self.connection = connection
        self.timer = threading.Timer(seconds, self._fire)
        self.timer.daemon = True

    def _fire(self) -> None:
        self.fired = True
        sock = self.connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):  # already closed
                socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def __enter__(self) -> "_Watchdog":
        self.timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.timer.cancel()


@dataclass
class _Response:
    status: int
    location: str | None
    content_type: str
    charset: str | None
    body: bytes = b""
    truncated: bool = False


@dataclass(frozen=True)
class _Limits:
    deadline: _Deadline
    max_bytes: int
    allow_truncated: bool
    content_types: Collection[str] | None


class _ConnectFailed(FetchFailed):
    """This address did not take the connection; the host's next address may."""


def _headers() -> dict[str, str]:
    return {
        "User-Agent": f"Perchoir link preview (+{settings.SITE_URL})",
        "Accept": "text/html,application/xhtml+xml;q=0.9,image/*;q=0.8,*/*;q=0.5",
        "Accept-Encoding": "identity",
        "Connection": "close",
    }


def _content_type(response: http.client.HTTPResponse) -> str:
    if not response.headers.get("Content-Type"):
        return ""
    return response.headers.get_content_type()


def _read_body(response: http.client.HTTPResponse, max_bytes: int) -> tuple[bytes, bool]:
    """Up to max_bytes of the body, and whether there was more."""
    chunks: list[bytes] = []
    size = 0
    while size <= max_bytes:
        chunk = response.read1(min(CHUNK_BYTES, max_bytes + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    body = b"".join(chunks)
    if size > max_bytes:
        return body[:max_bytes], True
    if response.length:  # the connection ended before the announced length
        raise FetchFailed(_("The site stopped answering before the end of the page."))
    return body, False


def _unreadable() -> FetchFailed:
    return FetchFailed(_("The site answered in a form we cannot read."))


def _decompress(body: bytes, encoding: str, max_bytes: int) -> tuple[bytes, bool]:
    """We ask for no compression; a server that compresses anyway is decoded within the limit."""
    if encoding in ("", "identity"):
        return body, False
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise _unreadable()
    decoder = zlib.decompressobj(wbits=47)  # gzip or zlib, told apart by their header
    try:
        data = decoder.decompress(body, max_bytes + 1)
    except zlib.error:
        raise _unreadable() from None
    if len(data) > max_bytes:
        return data[:max_bytes], True
    return data, False


def _read_success(response: http.client.HTTPResponse, result: _Response, limits: _Limits) -> None:
    """Read a successful answer's body into `result`, within the limits."""
    if limits.content_types is not None and result.content_type not in limits.content_types:
        raise FetchFailed(_("This address is not a web page."))
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limits.max_bytes and not limits.allow_truncated:
        raise _too_large()
    body, truncated = _read_body(response, limits.max_bytes)
    encoding = response.headers.get("Content-Encoding", "").strip().lower()
    result.body, cut = _decompress(body, encoding, limits.max_bytes)
    result.truncated = truncated or cut
    if result.truncated and not limits.allow_truncated:
        raise _too_large()


def _connect(connection: _PinnedConnection, watchdog: _Watchdog) -> None:
    try:
        connection.connect()
    except ssl.SSLCertVerificationError:
        raise FetchFailed(_("The site's security certificate is not valid.")) from None
    except OSError as error:
        if watchdog.fired or isinstance(error, TimeoutError):
            raise _too_slow() from None
        raise _ConnectFailed(_("The site could not be reached.")) from None


def _get_once(url: str, address: IPAddress, limits: _Limits) -> _Response:
    """One GET to one pinned address; the body is read only for a success."""
    parts = urlsplit(url)
    connection = _PinnedConnection(
        parts.hostname or "",
        parts.port or SCHEMES[parts.scheme],
        address=address,
        tls=parts.scheme == "https",
        timeout=limits.deadline.remaining(),
    )
    watchdog = _Watchdog(connection, limits.deadline.remaining())
    try:
        with watchdog:
            _connect(connection, watchdog)
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            connection.request("GET", target, headers=_headers())
            response = connection.getresponse()
            result = _Response(
                status=response.status,
                location=response.headers.get("Location"),
                content_type=_content_type(response),
                charset=response.headers.get_content_charset(),
            )
            if 200 <= response.status < 300:
                _read_success(response, result, limits)
            if watchdog.fired:
                raise _too_slow()
    except FetchFailed:
        if watchdog.fired:  # the cut socket looked like an early end
            raise _too_slow() from None
        raise
    except (OSError, http.client.HTTPException) as error:
        if watchdog.fired or isinstance(error, TimeoutError):
            raise _too_slow() from None
        raise FetchFailed(_("The site could not be reached.")) from None
    finally:
        connection.close()
    return result


def _get_pinned(url: str, limits: _Limits) -> _Response:
    """GET from the first of the host's checked addresses that takes the connection."""
    parts = urlsplit(url)
    addresses = _checked_addresses(parts.hostname or "", parts.port or SCHEMES[parts.scheme])
    for address in addresses[:-1]:
        try:
            return _get_once(url, address, limits)
        except _ConnectFailed:
            continue  # e.g. an IPv6 address on a network without IPv6
    return _get_once(url, addresses[-1], limits)


def safe_fetch(
    url: str,
    *,
    max_bytes: int | None = None,
    timeout: float | None = None,
    allow_truncated: bool = False,
    content_types: Collection[str] | None = None,
) -> FetchResult:
    """GET a public http(s) address within the limits, following up to MAX_REDIRECTS redirects.

    `max_bytes` defaults to settings.FETCH_MAX_BYTES and `timeout` (seconds, for the whole fetch,
    redirects included) to settings.FETCH_TIMEOUT_SECONDS. With `content_types`, a success of
    another type ("" stands for none given) fails before its body is read. A larger body fails,
    unless `allow_truncated`: then its first `max_bytes` come back with `truncated=True`.
    Raises FetchRefused or FetchFailed, with a message for people.
    """
    limits = _Limits(
        deadline=_Deadline(settings.FETCH_TIMEOUT_SECONDS if timeout is None else timeout),
        max_bytes=settings.FETCH_MAX_BYTES if max_bytes is None else max_bytes,
        allow_truncated=allow_truncated,
        content_types=content_types,
    )
    current = _checked_url(url)
    for _hop in range(MAX_REDIRECTS + 1):
        response = _get_pinned(current, limits)
        if response.status in REDIRECT_STATUSES and response.location:
            current = _checked_url(urljoin(current, response.location))
            continue
        if not 200 <= response.status < 300:
            raise FetchFailed(
                _("The site answered with an error (HTTP %(status)d).")
                % {"status": response.status}
            )
        return FetchResult(
            final_url=current,
            status=response.status,
            content_type=response.content_type,
            charset=response.charset,
            body=response.body,
            truncated=response.truncated,
        )
    raise FetchFailed(_("The address redirects too many times."))
