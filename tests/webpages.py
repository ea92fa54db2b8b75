"""Real web servers on 127.0.0.1 whose pages each test writes, for the safe fetcher to visit
(link previews, a provider's picture). A pytest plugin (tests/conftest.py): fixtures `loopback`
and `site`; `serve()` and `trickle()` for tests that need more."""

import contextlib
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

Handler = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Site:
    """path → what to answer; `seen` records each request's path and headers."""

    base: str = ""
    routes: dict[str, Handler] = field(default_factory=dict)
    seen: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def url(self, path: str = "/") -> str:
        return self.base + path

    def page(
        self,
        path: str,
        body: bytes | str,
        *,
        content_type: str = "text/html; charset=utf-8",
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> str:
        data = body.encode() if isinstance(body, str) else body

        def answer(request: BaseHTTPRequestHandler) -> None:
            request.send_response(status)
            if content_type:
                request.send_header("Content-Type", content_type)
            request.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                request.send_header(name, value)
            request.end_headers()
            request.wfile.write(data)

        self.routes[path] = answer
        return self.url(path)

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        return self.page(path, b"", status=status, headers={"Location": location})

    def route(self, path: str, handler: Handler) -> str:
        self.routes[path] = handler
        return self.url(path)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def do_GET(self) -> None:
        site = self.server.site
        site.seen.append((self.path, dict(self.headers.items())))
        handler = site.routes.get(self.path)
        # A client that gave up (the point of some tests) closes the socket mid-answer.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError, ssl.SSLError):
            if handler is None:
                self.send_error(404)
            else:
                handler(self)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: Site

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client cut the connection (TLS handshakes refused, timeouts): expected here


@contextlib.contextmanager
def serve(tls: ssl.SSLContext | None = None, host: str = "127.0.0.1") -> Iterator[Site]:
    server = _Server((host, 0), _Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    scheme = "https" if tls else "http"
    server.site = Site(base=f"{scheme}://{host}:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server.site
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def loopback(settings):
    """The fetcher may reach 127.0.0.1, where the test servers are."""
    settings.FETCH_ALLOW_LOOPBACK = True
    return settings


@pytest.fixture
def site(loopback) -> Iterator[Site]:
    with serve() as web:
        yield web


def trickle(data: bytes, *, every: float = 0.05, headers_first: bool = True) -> Handler:
    """Answer one byte at a time, slowly: the body only, or the status line and headers too."""

    def answer(request: BaseHTTPRequestHandler) -> None:
        head = (
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
            + f"Content-Length: {len(data)}\r\n\r\n".encode()
        )
        if headers_first:
            request.wfile.write(head)
            request.wfile.flush()
            payload = data
        else:
            payload = head + data
        for index in range(len(payload)):
            request.wfile.write(payload[index : index + 1])
            request.wfile.flush()
            time.sleep(every)

    return answer
