"""Which streams exist, who may listen to them and what they carry.

An app registers a prefix once, from its AppConfig.ready():

    stream_register(
        "conversation",
        can_subscribe=conversation_visible_to,  # (user, key) -> bool: may user see it?
        kinds=["message.created", "message.edited", ...],
    )

A stream is then "<prefix>:<key>" ("conversation:42"). Listening to an unknown stream, or to one
the check refuses, answers 404 (invisible means absent). `kinds` are the event types the stream
carries: the browser's EventSource can only listen to types it names, so each stream starts by
telling it these, and publishing an undeclared kind is a programming error.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from perchoir.accounts.models import User

    Viewer: TypeAlias = User | AnonymousUser
else:
    Viewer: TypeAlias = object

SubscribeCheck: TypeAlias = Callable[["Viewer", str], bool]

# Sent by the live app itself: the client missed too much to catch up event by event.
RELOAD_KIND = "live.reload"
PREFIX_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.@-]{1,150}$")


@dataclass(frozen=True)
class StreamType:
    prefix: str
    can_subscribe: SubscribeCheck
    kinds: frozenset[str]


_registry: dict[str, StreamType] = {}


def stream_register(
    prefix: str, can_subscribe: SubscribeCheck, *, kinds: Iterable[str] = ()
) -> None:
    """Declare the streams "<prefix>:<key>"; registering a prefix again replaces it.

    `kinds` may be left out only while nothing is published (publishing checks it)."""
    kinds = frozenset(kinds)
    if not PREFIX_PATTERN.match(prefix):
        raise ValueError(f"live stream prefix {prefix!r}: lowercase letters, digits, _ or -")
    for kind in kinds:
        if not KIND_PATTERN.match(kind) or kind == RELOAD_KIND:
            raise ValueError(f"live event kind {kind!r} is not allowed")
    _registry[prefix] = StreamType(prefix=prefix, can_subscribe=can_subscribe, kinds=kinds)


def stream_unregister(prefix: str) -> None:
    """For tests that register a stream of their own."""
    _registry.pop(prefix, None)


def stream_name(prefix: str, key: object) -> str:
    return f"{prefix}:{key}"


def stream_type(stream: str) -> tuple[StreamType, str] | None:
    """The registered type of "<prefix>:<key>" and its key; None for anything else."""
    prefix, _, key = stream.partition(":")
    registered = _registry.get(prefix)
    if registered is None or not KEY_PATTERN.match(key):
        return None
    return registered, key


def stream_can_subscribe(user: "Viewer", stream: str) -> bool:
    found = stream_type(stream)
    return found is not None and bool(found[0].can_subscribe(user, found[1]))


def stream_kinds(stream: str) -> list[str]:
    """The event types a client of `stream` listens to, the live app's own included."""
    found = stream_type(stream)
    return sorted({RELOAD_KIND, *(found[0].kinds if found else ())})


def stream_check_publish(stream: str, kind: str) -> None:
    """Publishing to an unregistered stream or an undeclared kind would reach no browser."""
    found = stream_type(stream)
    if found is None:
        raise ValueError(f"live stream {stream!r} is not registered (live.streams)")
    if kind not in found[0].kinds:
        raise ValueError(
            f"live event kind {kind!r} is not declared for {found[0].prefix!r}: "
            "add it to kinds= in stream_register"
        )
