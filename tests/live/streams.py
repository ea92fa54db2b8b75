"""A stream of the tests' own, registered in the test process and in the servers they start."""

from perchoir.live.streams import stream_register

PREFIX = "test"
KINDS = ["note.created", "note.edited"]


def visible(user: object, key: str) -> bool:
    """Everything is visible but keys starting with "secret"."""
    return not key.startswith("secret")


def register() -> None:
    stream_register(PREFIX, visible, kinds=KINDS)
