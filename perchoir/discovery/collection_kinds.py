"""Collections and items as search kinds. An item is found once, linked into a collection the
searcher may see (it may sit in several)."""

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from perchoir.collections.models import Collection, Connection, ConnectionStatus, Item, ItemKind

from .registry import Found, SearchKind, author_fields, search_kind_register
from .visibility import collections_findable, items_findable


def item_title(item: Item) -> str:
    """What a list shows for an item (an image may have neither title nor caption)."""
    return item.title or item.caption[:80] or item.link_url or str(ItemKind(item.kind).label)


def _collection_ids(viewer: Any) -> QuerySet[Any]:
    return collections_findable(viewer).values("pk")


def _item_ids(viewer: Any) -> QuerySet[Any]:
    return items_findable(viewer).values("pk")


def _items_within(collection_id: int) -> QuerySet[Any]:
    return Connection.objects.filter(
        collection_id=collection_id, status=ConnectionStatus.APPROVED
    ).values("item_id")


def _load_collections(ids: Iterable[int], viewer: Any) -> dict[int, Found]:
    return {
        c.pk: Found(
            title=c.title, url=c.get_absolute_url(), author=c.owner, created_at=c.created_at
        )
        for c in Collection.objects.filter(pk__in=list(ids))
        .select_related("owner")
        .only("title", "created_at", *author_fields("owner"))
    }


def _load_items(ids: Iterable[int], viewer: Any) -> dict[int, Found]:
    ids = list(ids)
    # The first collection holding each item that the viewer may find: where its link leads.
    where: dict[int, Connection] = {}
    for connection in (
        Connection.objects.filter(
            item_id__in=ids,
            status=ConnectionStatus.APPROVED,
            collection__in=collections_findable(viewer).values("pk"),
        )
        .select_related("collection")
        .only("item_id", "collection__title")
        .order_by("item_id", "id")
    ):
        where.setdefault(connection.item_id, connection)
    return {
        item.pk: Found(
            title=item_title(item),
            url=where[item.pk].get_absolute_url(),
            author=item.author,
            created_at=item.published_at or item.created_at,
            context=where[item.pk].collection.title,
        )
        for item in Item.objects.filter(pk__in=list(where))
        .select_related("author")
        .only(
            "title",
            "caption",
            "link_url",
            "kind",
            "published_at",
            "created_at",
            *author_fields("author"),
        )
    }


COLLECTION = SearchKind(
    name="collection",
    label=_("Collection"),
    plural=_("Collections"),
    visible_ids=_collection_ids,
    load=_load_collections,
)
ITEM = SearchKind(
    name="item",
    label=_("Item"),
    plural=_("Items"),
    visible_ids=_item_ids,
    load=_load_items,
    within_collection=_items_within,
)


def register_collection_kinds() -> None:
    search_kind_register(COLLECTION)
    search_kind_register(ITEM)
