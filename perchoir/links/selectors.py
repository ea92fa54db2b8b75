"""Reads of link previews."""

from perchoir.accounts.models import User
from perchoir.core.errors import NotFound

from .models import LinkPreview


def link_preview_get_for_viewer(*, viewer: User, preview_id: int) -> LinkPreview:
    """A preview the viewer asked for, with its image; any other is absent.

    Pages that show a card (a conversation started from a link) reach the preview through their
    own, already visible, object instead.
    """
    preview = (
        LinkPreview.objects.select_related("image")
        .filter(id=preview_id, requests__requested_by=viewer)
        .first()
    )
    if preview is None:
        raise NotFound()
    return preview
