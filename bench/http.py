"""A small HTTP/1.1 client on asyncio streams, enough for the load scenarios: keep-alive requests
and long event streams (chunked), thousands at once in one process, to 127.0.0.1 only."""

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class HttpError(Exception):
    pass


def _loopback(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.hostname not in {"127.0.0.1", "localhost", "::1"}:
        raise HttpError(f"The bench sends traffic to this machine only, not to {url}")
    return parts.hostname, parts.port or 80


class Connection:
    """One keep-alive connection; requests on it go one after the other."""

    def __init__(self, url: str) -> None:
        self.host, self.port = _loopback(url)
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.reader is None or self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(
                self.host, self.port, limit=2**20
            )
        return self.reader, self.writer

    async def request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
    ) -> Response:
        reader, writer = await self._open()
        writer.write(_request_head(method, path, headers or {}, body) + body)
        await writer.drain()
        status, response_headers = await _read_head(reader)
        content = await _read_body(reader, response_headers)
        if response_headers.get("connection", "").lower() == "close":
            await self.close()
        return Response(status, response_headers, content)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


def _request_head(method: str, path: str, headers: dict[str, str], body: bytes) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "User-Agent: perchoir-bench"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body or method in {"POST", "PUT", "PATCH"}:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _read_head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[1].isdigit():
        raise HttpError(f"Not an HTTP answer: {status_line!r}")
    headers = {}
    for line in header_lines:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    return int(parts[1]), headers


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if headers.get("transfer-encoding", "").lower() == "chunked":
        return b"".join([chunk async for chunk in _chunks(reader)])
    if "content-length" in headers:
        return await reader.readexactly(int(headers["content-length"]))
    return await reader.read()


async def _chunks(reader: asyncio.StreamReader) -> AsyncIterator[bytes]:
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return
        chunk = await reader.readexactly(size)
        await reader.readexactly(2)
        yield chunk


class EventStream:
    """A server-sent event stream: `frames()` yields each complete frame (bytes) as it comes."""

    def __init__(self, url: str, path: str, headers: dict[str, str] | None = None) -> None:
        self.host, self.port = _loopback(url)
        self.path = path
        self.headers = {"Accept": "text/event-stream", **(headers or {})}
        self.writer: asyncio.StreamWriter | None = None

    async def frames(self) -> AsyncIterator[bytes]:
        reader, self.writer = await asyncio.open_connection(self.host, self.port, limit=2**20)
        self.writer.write(_request_head("GET", self.path, self.headers, b""))
        await self.writer.drain()
        status, headers = await _read_head(reader)
        if status != 200:
            raise HttpError(f"{self.path} answered {status}")
        if headers.get("transfer-encoding", "").lower() == "chunked":
            pieces = _chunks(reader)
        else:
            pieces = _raw(reader)
        pending = b""
        async for piece in pieces:
            pending += piece
            *complete, pending = pending.split(b"\n\n")
            for frame in complete:
                yield frame

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def _raw(reader: asyncio.StreamReader) -> AsyncIterator[bytes]:
    while piece := await reader.read(65536):
        yield piece
