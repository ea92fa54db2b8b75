"""The one mechanism through which any content can be reported and moderated.

Each app registers its reportable kinds from its AppConfig.ready:

    from perchoir.moderation.targets import TargetKind, register
    register(TargetKind(name="item", label=_("item"), fetch=..., author=..., url=..., ...))

`fetch` returns the object whatever its state (hidden included) or None; `visible_to` says
whether a viewer may see it (a reporter can only report what they see); `hide`/`restore`
(optional) set and clear the moderation-hidden state, `removed=True` meaning a deletion by
the moderators (the author no longer sees it either; it is still kept and restorable);
`room` (optional) gives the conversation-like object whose slow mode and lock apply.
See docs/decisions/0007-moderation-targets.md.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from perchoir.accounts.models import User
from perchoir.core.errors import InvalidInput, NotFound


@dataclass(frozen=True)
class HideState:
    reason: str
    action_id: int
    removed: bool = False


@dataclass(frozen=True)
class TargetKind:
    name: str
    label: str | Promise
    fetch: Callable[[int], Any | None]
    author: Callable[[Any], User | None]
    url: Callable[[Any], str]
    excerpt: Callable[[Any], str]
    visible_to: Callable[[Any, Any], bool]
    hide: Callable[[Any, HideState], None] | None = None
    restore: Callable[[Any], None] | None = None
    is_hidden: Callable[[Any], bool] | None = None
    # For kinds that live in a room (a message in a conversation): the room's kind and id.
    room: Callable[[Any], tuple[str, int] | None] | None = None
    # For room kinds: set slow mode seconds (returns the previous value); lock or unlock,
    # until a time or without end (returns the previous state, to give back to it on undo).
    set_slow_mode: Callable[[Any, int], int] | None = None
    set_lock: Callable[[Any, bool, Any], dict[str, Any]] | None = None

    @property
    def can_hide(self) -> bool:
        return self.hide is not None and self.restore is not None

    @property
    def is_room(self) -> bool:
        return self.set_slow_mode is not None and self.set_lock is not None


_REGISTRY: dict[str, TargetKind] = {}


def register(kind: TargetKind) -> None:
    """Make `kind` reportable and moderatable; registering a name twice replaces it (reloads)."""
    _REGISTRY[kind.name] = kind


def target_kinds() -> dict[str, TargetKind]:
    return dict(_REGISTRY)


def target_kind(name: str) -> TargetKind:
    kind = _REGISTRY.get(name)
    if kind is None:
        raise InvalidInput.for_field("target_kind", _("This cannot be reported."))
    return kind


@dataclass(frozen=True)
class Target:
    kind: TargetKind
    id: int
    obj: Any

    @property
    def author(self) -> User | None:
        return self.kind.author(self.obj)

    @property
    def url(self) -> str:
        return self.kind.url(self.obj)

    @property
    def excerpt(self) -> str:
        return self.kind.excerpt(self.obj)

    @property
    def is_hidden(self) -> bool:
        return bool(self.kind.is_hidden and self.kind.is_hidden(self.obj))


def target_get(kind_name: str, target_id: int) -> Target:
    kind = target_kind(kind_name)
    obj = kind.fetch(target_id) if 0 < target_id < 2**63 else None
    if obj is None:
        raise NotFound()
    return Target(kind=kind, id=target_id, obj=obj)


def _person_fetch(person_id: int) -> User | None:
    return User.objects.filter(pk=person_id).first()


def _person_excerpt(person: User) -> str:
    return f"{person.name} (@{person.handle})"


def _person_url(person: User) -> str:
    from django.urls import reverse

    return reverse("accounts:profile", args=[person.handle])


PERSON = TargetKind(
    name="person",
    label=gettext_lazy("person"),
    fetch=_person_fetch,
    author=lambda person: person,
    url=_person_url,
    excerpt=_person_excerpt,
    visible_to=lambda viewer, person: bool(person.is_active),
)
