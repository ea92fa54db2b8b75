"""Each app says what of a person's data it holds: an exporter and an eraser, registered once.

An app registers its section from its AppConfig.ready() (or the privacy app registers it for the
apps that were there before it, see sections.py):

    from perchoir.privacy.registry import ExportData, register

    def export_collections(user: User) -> ExportData:
        return ExportData(data={"collections": [...]}, files=[MediaFile(name, "media/x.jpg")])

    def erase_collections(user: User, mode: DeletionMode) -> None:
        ...  # through the app's own services

    register("collections", export=export_collections, erase=erase_collections)

The export writes `<name>.json` (the data, JSON-able) and the files into one zip. Erasers run in
`order` (lowest first) inside the deletion's transaction; the accounts section runs last, since
the others still need to know who the person was.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from perchoir.accounts.models import User

    from .models import DeletionMode


@dataclass(frozen=True)
class MediaFile:
    """A file of the media storage (`storage_name`) to put in the archive at `archive_name`."""

    storage_name: str
    archive_name: str


@dataclass
class ExportData:
    data: Any
    files: list[MediaFile] = field(default_factory=list)


Exporter = Callable[["User"], ExportData]
Eraser = Callable[["User", "DeletionMode"], None]


@dataclass(frozen=True)
class Section:
    name: str
    export: Exporter
    erase: Eraser
    order: int


_sections: dict[str, Section] = {}


def register(name: str, *, export: Exporter, erase: Eraser, order: int = 100) -> None:
    """Add (or replace, when the same app registers again) a section of a person's data."""
    if not name.replace("_", "").isalnum():
        raise ValueError(f"A section's name becomes a file name: {name!r}")
    _sections[name] = Section(name=name, export=export, erase=erase, order=order)


def sections() -> list[Section]:
    """Every registered section, in erasure order (then by name)."""
    return sorted(_sections.values(), key=lambda section: (section.order, section.name))
