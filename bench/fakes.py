"""Slow outside parties on 127.0.0.1, for the posting scenario: a web page worth a link preview
and a mail server, each taking `delay` seconds to answer. A request that waited for either would
take at least that long; each counts what reached it, to show the work happened elsewhere."""

import asyncio
import threading
from dataclasses import dataclass, field

PAGE = (
    b"<!doctype html><html><head><title>A slow article</title>"
    b'<meta property="og:title" content="A slow article">'
    b'<meta property="og:description" content="Worth a preview card."></head>'
    b"<body><p>Text.</p></body></html>"
)


@dataclass
class SlowParties:
    delay: float
    page_hits: int = 0
    emails: int = 0
    http_port: int = 0
    smtp_port: int = 0
    _ready: threading.Event = field(default_factory=threading.Event)
    _loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        threading.Thread(target=self._serve, daemon=True, name="slow-parties").start()
        if not self._ready.wait(10):
            raise RuntimeError("The fake web and mail servers did not start")

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)

    @property
    def page_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/articles/slow"

    @property
    def email_url(self) -> str:
        return f"smtp://127.0.0.1:{self.smtp_port}?tls=0"

    def _serve(self) -> None:
        self._loop = asyncio.new_event_loop()
        http = self._loop.run_until_complete(asyncio.start_server(self._page, "127.0.0.1", 0))
        smtp = self._loop.run_until_complete(asyncio.start_server(self._smtp, "127.0.0.1", 0))
        self.http_port = http.sockets[0].getsockname()[1]
        self.smtp_port = smtp.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    async def _page(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            self.page_hits += 1
            await asyncio.sleep(self.delay)
            head = (
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                f"Content-Length: {len(PAGE)}\r\nConnection: close\r\n\r\n"
            )
            writer.write(head.encode() + PAGE)
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    async def _smtp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Just enough SMTP for Django's backend, greeting after the delay."""
        try:
            await asyncio.sleep(self.delay)
            writer.write(b"220 slow.example ESMTP\r\n")
            while line := await reader.readline():
                command = line[:4].upper()
                if command == b"DATA":
                    writer.write(b"354 go on\r\n")
                    await reader.readuntil(b"\r\n.\r\n")
                    self.emails += 1
                    writer.write(b"250 queued\r\n")
                elif command == b"QUIT":
                    writer.write(b"221 bye\r\n")
                    break
                elif command == b"EHLO":
                    writer.write(b"250 slow.example\r\n")
                else:
                    writer.write(b"250 ok\r\n")
                await writer.drain()
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()
