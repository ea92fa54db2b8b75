"""What the collections app holds of a person, for their data export and their account's
deletion (registered with the privacy app from AppConfig.ready; see perchoir/privacy/registry.py).
"""

from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

from perchoir.accounts.models import User
from perchoir.media.models import Image
from perchoir.privacy.models import DeletionMode
from perchoir.privacy.registry import ExportData

from . import services
from .models import Collection, CollectionFollow, Contributor, Item, Recommendation


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _file(image: Image | None) -> str | None:
    """Where the media section puts the image in the archive."""
    if image is None:
        return None
    return f"media/images/{PurePosixPath(image.file.name).name}"


def _item(item: Item) -> dict[str, Any]:
    return {
        "id": item.pk,
        "kind": item.kind,
        "title": item.title,
        "body": item.body,
        "caption": item.caption,
        "alt_text": item.alt_text,
        "image": _file(item.image),
        "link_url": item.link_url,
        "starts_at": _when(item.starts_at),
        "ends_at": _when(item.ends_at),
        "time_zone": item.time_zone,
        "place": item.place,
        "online_url": item.online_url,
        "audience": item.audience,
        "programme": item.programme,
        "published_at": _when(item.published_at),
        "created_at": _when(item.created_at),
        "in_collections": [
            {"id": c.collection_id, "status": c.status} for c in item.connections.all()
        ],
    }


def export_collections(user: User) -> ExportData:
    owned = [
        {
            "id": collection.pk,
            "title": collection.title,
            "description": collection.description,
            "visibility": collection.visibility,
            "policy": collection.policy,
            "cover": _file(collection.cover),
            "created_at": _when(collection.created_at),
        }
        for collection in Collection.objects.filter(owner=user)
        .select_related("cover")
        .order_by("created_at", "id")
    ]
    items = [
        _item(item)
        for item in Item.objects.filter(author=user)
        .select_related("image")
        .prefetch_related("connections")
        .order_by("created_at", "id")
    ]
    return ExportData(
        data={
            "collections": owned,
            "items": items,
            "contributes_to": list(
                Contributor.objects.filter(user=user).values_list("collection_id", flat=True)
            ),
            "follows": list(
                CollectionFollow.objects.filter(user=user).values_list("collection_id", flat=True)
            ),
            "recommends": list(
                Recommendation.objects.filter(user=user).values_list("item_id", flat=True)
            ),
        }
    )


def erase_collections(user: User, mode: DeletionMode) -> None:
    """Always: the person leaves every collection (contributions, follows, recommendations,
    invitations, requests). Removed: their items go, then their own collections (others' items
    there are kept). Anonymised: what they made stays, shown as a deleted account's."""
    services.participation_end(user=user)
    if mode != DeletionMode.REMOVE:
        return
    services.items_of_author_remove(author=user)
    for collection_id in Collection.objects.filter(owner=user).values_list("pk", flat=True):
        services.collection_delete(actor=user, collection_id=collection_id)
