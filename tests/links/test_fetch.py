"""The safe fetcher against real servers on 127.0.0.1: what it fetches and what it refuses."""

import gzip
import ipaddress
import socket
import time

import pytest

from perchoir.links import fetch
from perchoir.links.fetch import FetchFailed, FetchRefused, address_allowed, safe_fetch
from tests.webpages import serve, trickle

from .tls import tls_contexts

PAGE = "<!doctype html><title>Hello</title><p>A page.</p>"


def test_fetches_a_page_and_says_who_is_asking(site):
    url = site.page("/hello", PAGE)

    result = safe_fetch(url)

    assert result.status == 200
    assert result.body == PAGE.encode()
    assert (result.content_type, result.charset) == ("text/html", "utf-8")
    assert result.final_url == url
    _path, headers = site.seen[0]
    assert headers["User-Agent"] == "Perchoir link preview (+http://testserver)"
    assert headers["Host"] == site.base.removeprefix("http://")


def test_follows_redirects_and_reports_the_final_address(site):
    site.page("/new", PAGE)
    site.redirect("/moved", "/new", status=301)
    site.redirect("/old", site.url("/moved"), status=307)

    result = safe_fetch(site.url("/old"))

    assert result.final_url == site.url("/new")
    assert result.body == PAGE.encode()
    assert [path for path, _headers in site.seen] == ["/old", "/moved", "/new"]


def test_five_redirects_are_followed_but_not_six(site):
    for hop in range(6):
        site.redirect(f"/r{hop}", f"/r{hop + 1}")
    site.page("/r6", PAGE)

    assert safe_fetch(site.url("/r1")).final_url == site.url("/r6")
    with pytest.raises(FetchFailed, match="redirects too many times"):
        safe_fetch(site.url("/r0"))


@pytest.mark.parametrize(
    "target",
    [
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",  # the cloud metadata service
        "http://192.168.1.1/admin",
        "http://172.16.0.1/",
        "http://100.64.0.1/",  # carrier-grade NAT
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://[fe80::1]/",
        "http://[fd00::1]/",
        "http://[::ffff:10.0.0.1]/",  # IPv4-mapped IPv6
        "http://[::ffff:169.254.169.254]/",
        "http://[2002:a00:1::]/",  # 6to4 of 10.0.0.1
    ],
)
def test_a_redirect_to_a_private_or_local_address_is_refused(site, target):
    site.redirect("/go", target)

    with pytest.raises(FetchRefused, match="private or local network"):
        safe_fetch(site.url("/go"))


def test_a_redirect_to_ipv6_loopback_is_refused_when_loopback_is_not_allowed(site, settings):
    """Each hop is checked with the rules of that moment: here loopback is forbidden again by
    the time the first server sends its redirect."""

    def forbid_loopback_then_redirect(request):
        settings.FETCH_ALLOW_LOOPBACK = False
        request.send_response(302)
        request.send_header("Location", "http://[::1]/")
        request.send_header("Content-Length", "0")
        request.end_headers()

    site.route("/go", forbid_loopback_then_redirect)

    with pytest.raises(FetchRefused, match="private or local network"):
        safe_fetch(site.url("/go"))


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "localhost", "127.1", "2130706433", "[::1]", "[::ffff:127.0.0.1]"],
)
def test_loopback_is_refused_when_not_allowed(settings, host):
    settings.FETCH_ALLOW_LOOPBACK = False
    with serve() as web:
        web.page("/", PAGE)
        port = web.base.rsplit(":", 1)[1]

        with pytest.raises(FetchRefused, match="private or local network"):
            safe_fetch(f"http://{host}:{port}/")

        assert web.seen == []


def test_the_unspecified_address_is_refused_even_when_loopback_is_allowed(site):
    site.page("/", PAGE)
    port = site.base.rsplit(":", 1)[1]

    with pytest.raises(FetchRefused):
        safe_fetch(f"http://0.0.0.0:{port}/")  # on Linux it would reach the local server
    assert site.seen == []


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/file",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "gopher://127.0.0.1:6379/_INFO",
    ],
)
def test_schemes_other_than_http_and_https_are_refused(loopback, url):
    with pytest.raises(FetchRefused, match="http:// or https://"):
        safe_fetch(url)


@pytest.mark.parametrize("credentials", ["user:secret@", "user@", ":secret@"])
def test_addresses_with_credentials_are_refused(site, credentials):
    site.page("/", PAGE)
    with pytest.raises(FetchRefused, match="user name or password"):
        safe_fetch(site.base.replace("http://", f"http://{credentials}") + "/")
    assert site.seen == []


def test_a_redirect_to_an_address_with_credentials_is_refused(site):
    site.redirect("/go", site.base.replace("http://", "http://admin:admin@") + "/")
    with pytest.raises(FetchRefused, match="user name or password"):
        safe_fetch(site.url("/go"))


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "no-length"])
def test_a_body_larger_than_the_limit_is_refused(site, declared):
    big = b"x" * 5000

    def answer(request):
        request.send_response(200)
        request.send_header("Content-Type", "text/html")
        if declared:
            request.send_header("Content-Length", str(len(big)))
        else:
            request.send_header("Connection", "close")
        request.end_headers()
        request.wfile.write(big)

    site.route("/big", answer)

    with pytest.raises(FetchFailed, match="too large"):
        safe_fetch(site.url("/big"), max_bytes=1000)


def test_the_limit_comes_from_the_settings(site, settings):
    settings.FETCH_MAX_BYTES = 100
    with pytest.raises(FetchFailed, match="too large"):
        safe_fetch(site.page("/big", "y" * 101))
    assert safe_fetch(site.page("/fits", "y" * 100)).body == b"y" * 100


def test_a_caller_may_take_the_first_bytes_of_a_larger_body(site):
    url = site.page("/long", "<title>Start</title>" + "z" * 5000)

    result = safe_fetch(url, max_bytes=1000, allow_truncated=True)

    assert result.truncated
    assert len(result.body) == 1000
    assert result.body.startswith(b"<title>Start</title>")


def test_a_compressed_answer_is_decoded_within_the_limit(site):
    site.page("/gz", gzip.compress(PAGE.encode()), headers={"Content-Encoding": "gzip"})
    assert safe_fetch(site.url("/gz")).body == PAGE.encode()


def test_a_compression_bomb_is_refused_without_inflating_it(site):
    bomb = gzip.compress(b"\0" * 10_000_000)  # 10 MB in about 10 kB
    site.page("/bomb", bomb, headers={"Content-Encoding": "gzip"})

    with pytest.raises(FetchFailed, match="too large"):
        safe_fetch(site.url("/bomb"), max_bytes=100_000)


@pytest.mark.parametrize("headers_first", [True, False], ids=["slow-body", "slow-headers"])
def test_a_server_trickling_bytes_is_cut_at_the_total_time_limit(site, headers_first):
    site.route("/slow", trickle(b"<title>Slow</title>" + b"." * 200, headers_first=headers_first))

    started = time.monotonic()
    with pytest.raises(FetchFailed, match="took too long"):
        safe_fetch(site.url("/slow"), timeout=0.5)

    # Every byte arrives well within any per-socket timeout; only the deadline stops it.
    assert time.monotonic() - started < 1.5


def test_the_time_limit_covers_all_redirects_together(site):
    def slow_redirect(request):
        time.sleep(0.2)
        request.send_response(302)
        request.send_header("Location", "/slow-redirect")
        request.send_header("Content-Length", "0")
        request.end_headers()

    site.route("/slow-redirect", slow_redirect)  # each answer is quick enough on its own

    started = time.monotonic()
    with pytest.raises(FetchFailed, match="took too long"):
        safe_fetch(site.url("/slow-redirect"), timeout=0.5)
    assert time.monotonic() - started < 1.2


@pytest.mark.parametrize("status", [404, 500, 304])
def test_an_error_status_fails_with_its_number(site, status):
    site.page("/error", "nope", status=status)
    with pytest.raises(FetchFailed, match=f"HTTP {status}"):
        safe_fetch(site.url("/error"))


def test_an_unwanted_content_type_fails_before_its_body_is_read(site):
    url = site.page("/file.zip", b"PK" + b"\0" * 100, content_type="application/zip")
    with pytest.raises(FetchFailed, match="not a web page"):
        safe_fetch(url, content_types={"text/html"})


def test_a_closed_port_fails_with_a_message(loopback):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with pytest.raises(FetchFailed, match="could not be reached"):
        safe_fetch(f"http://127.0.0.1:{port}/")


def test_the_connection_goes_to_the_address_that_was_checked(site, monkeypatch):
    """DNS rebinding: the name resolves to an allowed address for the check, then to a private
    one. The fetcher resolves once and connects to what it checked, sending the name as Host."""
    site.page("/", PAGE)
    port = int(site.base.rsplit(":", 1)[1])
    real_getaddrinfo = socket.getaddrinfo
    answers = iter(["127.0.0.1", "10.0.0.1", "10.0.0.1"])

    def rebinding(host, *args, **kwargs):
        if host == "rebind.test":
            address = next(answers)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)

    result = safe_fetch(f"http://rebind.test:{port}/")

    assert result.body == PAGE.encode()
    assert site.seen[0][1]["Host"] == f"rebind.test:{port}"


def test_a_name_with_one_private_address_among_public_ones_is_refused(loopback, monkeypatch):
    def mixed(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.1", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", mixed)
    with pytest.raises(FetchRefused):
        safe_fetch("http://mixed.test/")


def test_an_unknown_name_fails_with_a_message(loopback, monkeypatch):
    def unknown(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", unknown)
    with pytest.raises(FetchFailed, match="name could not be found"):
        safe_fetch("http://nowhere.test/")


# --- TLS: the certificate is checked for the name while the connection is pinned -------------


@pytest.fixture
def tls_site(loopback, tmp_path, monkeypatch):
    server_context, client_context = tls_contexts(tmp_path)
    monkeypatch.setattr(fetch, "_tls_context", lambda: client_context)
    with serve(tls=server_context) as web:
        yield web


def test_https_checks_the_certificate_against_the_name(tls_site):
    tls_site.page("/", PAGE)
    port = tls_site.base.rsplit(":", 1)[1]

    result = safe_fetch(f"https://localhost:{port}/")

    assert result.body == PAGE.encode()
    assert tls_site.seen[0][1]["Host"] == f"localhost:{port}"


def test_https_refuses_a_certificate_for_another_name(tls_site):
    tls_site.page("/", PAGE)
    with pytest.raises(FetchFailed, match="certificate is not valid"):
        safe_fetch(tls_site.url("/"))  # https://127.0.0.1:…, the certificate says localhost
    assert tls_site.seen == []


def test_https_refuses_a_certificate_from_an_unknown_authority(loopback, tmp_path):
    server_context, _client_context = tls_contexts(tmp_path)
    with serve(tls=server_context) as web:
        web.page("/", PAGE)
        port = web.base.rsplit(":", 1)[1]
        with pytest.raises(FetchFailed, match="certificate is not valid"):
            safe_fetch(f"https://localhost:{port}/")


# --- Which addresses are public ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("93.184.215.14", True),
        ("2606:4700::1111", True),
        ("::ffff:93.184.215.14", True),
        ("64:ff9b::5db8:d70e", True),  # DNS64 form of a public address
        ("10.1.2.3", False),
        ("172.31.255.255", False),
        ("192.168.0.1", False),
        ("127.0.0.1", False),
        ("127.255.255.254", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("100.127.255.255", False),
        ("0.0.0.0", False),  # noqa: S104
        ("0.1.2.3", False),
        ("224.0.0.251", False),
        ("240.0.0.1", False),
        ("255.255.255.255", False),
        ("192.0.2.1", False),
        ("198.18.0.1", False),
        ("::1", False),
        ("::", False),
        ("::127.0.0.1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("ff02::1", False),
        ("2001:db8::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:192.168.0.1", False),
        ("64:ff9b::a00:1", False),  # NAT64 to 10.0.0.1
        ("2002:c0a8:1::", False),  # 6to4 of 192.168.0.1
        ("2001::1", False),  # Teredo
    ],
)
def test_only_public_unicast_addresses_are_allowed(settings, address, allowed):
    settings.FETCH_ALLOW_LOOPBACK = False
    assert address_allowed(ipaddress.ip_address(address)) is allowed


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("0.0.0.0", False),  # noqa: S104
        ("10.0.0.1", False),
        ("169.254.169.254", False),
    ],
)
def test_allowing_loopback_allows_loopback_only(settings, address, allowed):
    settings.FETCH_ALLOW_LOOPBACK = True
    assert address_allowed(ipaddress.ip_address(address)) is allowed
