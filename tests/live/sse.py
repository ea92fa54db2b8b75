"""Reading server-sent events in tests, in process (AsyncClient) and over HTTP."""

import http.client
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Frame:
    id: int | None
    kind: str
    data: Any
    retry: int | None = None
    comment: bool = False


def parse(block: str) -> Frame:
    """One frame: the lines up to a blank line."""
    fields: dict[str, str] = {}
    comment = False
    for line in block.strip("\n").split("\n"):
        if line.startswith(":"):
            comment = True
            continue
        name, _, value = line.partition(": ")
        fields[name] = value
    return Frame(
        id=int(fields["id"]) if "id" in fields else None,
        kind=fields.get("event", "message"),
        data=json.loads(fields["data"]) if "data" in fields else None,
        retry=int(fields["retry"]) if "retry" in fields else None,
        comment=comment and not fields,
    )


def is_event(frame: Frame) -> bool:
    """A published event (or a reload), not the hello, a heartbeat or a retry hint."""
    return frame.id is not None


class HttpEventStream:
    """GET a stream with http.client and read its frames as they come."""

    def __init__(self, url: str, *, last_event_id: int | None = None, timeout: float = 10) -> None:
        parts = urlsplit(url)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        headers = {"Accept": "text/event-stream"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        self.connection.request("GET", path, headers=headers)
        self.response = self.connection.getresponse()

    def frame(self) -> Frame:
        lines = []
        while True:
            line = self.response.readline().decode()
            if not line:
                raise EOFError("the stream ended")
            if line == "\n":
                if lines:
                    return parse("".join(lines))
                continue
            lines.append(line)

    def events(self, count: int) -> list[Frame]:
        found: list[Frame] = []
        while len(found) < count:
            frame = self.frame()
            if is_event(frame):
                found.append(frame)
        return found

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> "HttpEventStream":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
