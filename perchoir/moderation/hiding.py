"""The moderation-hidden state, one definition for every kind of content that can be hidden.

A model that can be hidden inherits `Hideable` (or `Removable`, when a moderators' deletion must
be told apart from hiding) and names the field of the person it belongs to in `hidden_owner_field`;
its target kind's `hide`/`restore` (decision 0007) call `hide_apply`/`hide_clear`. Nothing is lost:
the content stays in its row, a notice takes its place. Who sees what:

- others: the notice, saying it was hidden by the moderators and why;
- its author (or owner): the content with the notice above it, to edit it and ask for a restore
  from the statement of reasons; not any more once the moderators deleted it (`hidden_removed`);
- moderators: the content, marked as hidden, behind the notice.
"""

from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils import timezone
from django.utils.functional import Promise

from perchoir.core.errors import NotFound

from .permissions import is_moderator

if TYPE_CHECKING:
    from .targets import HideState


class Hideable(models.Model):
    # Hidden by moderators (perchoir.moderation): a notice takes its place for everyone else.
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.TextField(blank=True, default="")
    hidden_action_id = models.BigIntegerField(null=True, blank=True)

    # The field holding the id of the person the content belongs to.
    hidden_owner_field = "author_id"

    class Meta:
        abstract = True

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def is_removed(self) -> bool:
        return self.is_hidden and bool(getattr(self, "hidden_removed", False))

    def is_hidden_owner(self, viewer: Any) -> bool:
        viewer_id = (
            getattr(viewer, "pk", None) if getattr(viewer, "is_authenticated", False) else None
        )
        return viewer_id is not None and viewer_id == getattr(self, self.hidden_owner_field)

    def hidden_from(self, viewer: Any) -> bool:
        """Whether `viewer` gets the moderators' notice instead of the content."""
        if not self.is_hidden or is_moderator(viewer):
            return False
        return self.is_removed or not self.is_hidden_owner(viewer)

    def hidden_shown_to_moderator(self, viewer: Any) -> bool:
        """Hidden from others, shown to this moderator: mark it as hidden."""
        return self.is_hidden and is_moderator(viewer)


class Removable(Hideable):
    # Deleted by moderators: kept and restorable, seen by nobody but the moderators.
    hidden_removed = models.BooleanField(default=False)

    class Meta:
        abstract = True


class HiddenByModerators(NotFound):
    """Raised by viewer-aware selectors for content hidden from the viewer: a NotFound (the API
    answers 404 with the message), which pages catch to show the notice in its place."""

    def __init__(self, obj: Hideable, message: str | Promise) -> None:
        super().__init__(message)
        self.obj = obj


def hidden_where(viewer: Any, *, owner_field: str, prefix: str = "") -> models.Q:
    """A filter for lists and feeds of a `Removable` model (`prefix` to reach it through a
    relation, e.g. "item__"): what is not hidden from `viewer`. Moderators see everything, an
    author their own hidden (not removed) content, others nothing hidden."""
    if is_moderator(viewer):
        return models.Q()
    visible = models.Q(**{f"{prefix}hidden_at__isnull": True})
    if getattr(viewer, "is_authenticated", False):
        visible |= models.Q(
            **{f"{prefix}{owner_field}_id": viewer.pk, f"{prefix}hidden_removed": False}
        )
    return visible


def hide_apply(obj: Hideable, state: "HideState") -> None:
    obj.hidden_at = timezone.now()
    obj.hidden_reason = state.reason
    obj.hidden_action_id = state.action_id
    fields = ["hidden_at", "hidden_reason", "hidden_action_id"]
    if isinstance(obj, Removable):
        obj.hidden_removed = state.removed
        fields.append("hidden_removed")
    obj.save(update_fields=fields)


def hide_clear(obj: Hideable) -> None:
    obj.hidden_at = None
    obj.hidden_reason = ""
    obj.hidden_action_id = None
    fields = ["hidden_at", "hidden_reason", "hidden_action_id"]
    if isinstance(obj, Removable):
        obj.hidden_removed = False
        fields.append("hidden_removed")
    obj.save(update_fields=fields)
