"""Collections and items as targets of reports and moderation (perchoir.moderation.targets).

Registered from CollectionsConfig.ready. Hiding keeps everything, as for conversations and
messages (perchoir.moderation.hiding): the row stays, others get a notice on its page and it is
absent from their lists, grids, feeds and API answers; its author (a collection's owner) still
sees it, edits it and asks for it to be restored; a restore brings it back everywhere.
"""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy

from perchoir.core.errors import NotFound
from perchoir.moderation.hiding import hide_apply, hide_clear
from perchoir.moderation.targets import HideState, TargetKind

from .models import Collection, Connection, ConnectionStatus, Item
from .selectors import collection_get_for_viewer
from .services import collection_hidden_changed, item_hidden_changed

EXCERPT_WORDS = 40


def _collection_fetch(collection_id: int) -> Collection | None:
    return Collection.objects.select_related("owner").filter(pk=collection_id).first()


def _collection_visible_to(viewer: Any, collection: Collection) -> bool:
    try:
        collection_get_for_viewer(viewer=viewer or AnonymousUser(), collection_id=collection.pk)
    except NotFound:
        return False
    return True


def _collection_hide(collection: Collection, state: HideState) -> None:
    hide_apply(collection, state)
    collection_hidden_changed(collection=collection)


def _collection_restore(collection: Collection) -> None:
    hide_clear(collection)
    collection_hidden_changed(collection=collection)


COLLECTION = TargetKind(
    name="collection",
    label=gettext_lazy("collection"),
    fetch=_collection_fetch,
    author=lambda collection: collection.owner,
    url=lambda collection: collection.get_absolute_url(),
    excerpt=lambda collection: collection.title,
    visible_to=_collection_visible_to,
    hide=_collection_hide,
    restore=_collection_restore,
    is_hidden=lambda collection: collection.is_hidden,
)


def _item_fetch(item_id: int) -> Item | None:
    return Item.objects.select_related("author").filter(pk=item_id).first()


def _item_connections(item: Item) -> list[Connection]:
    return list(
        Connection.objects.filter(item=item, status=ConnectionStatus.APPROVED).order_by("id")[:20]
    )


def _item_url(item: Item) -> str:
    connections = _item_connections(item)
    return connections[0].get_absolute_url() if connections else ""


def _item_visible_to(viewer: Any, item: Item) -> bool:
    """Seen in at least one collection the viewer may see."""
    if item.hidden_from(viewer or AnonymousUser()):
        return False
    return any(
        _collection_visible_to(viewer, connection.collection)
        for connection in Connection.objects.filter(item=item, status=ConnectionStatus.APPROVED)
        .select_related("collection")
        .order_by("id")[:20]
    )


def _item_excerpt(item: Item) -> str:
    text = item.title or strip_tags(item.body_html) or item.caption
    return Truncator(text).words(EXCERPT_WORDS)


def _item_hide(item: Item, state: HideState) -> None:
    hide_apply(item, state)
    item_hidden_changed(item=item)


def _item_restore(item: Item) -> None:
    hide_clear(item)
    item_hidden_changed(item=item)


ITEM = TargetKind(
    name="item",
    label=gettext_lazy("item"),
    fetch=_item_fetch,
    author=lambda item: item.author,
    url=_item_url,
    excerpt=_item_excerpt,
    visible_to=_item_visible_to,
    hide=_item_hide,
    restore=_item_restore,
    is_hidden=lambda item: item.is_hidden,
)
