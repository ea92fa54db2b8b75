"""A public collection's latest items as an Atom feed (C7, E3), for feed readers.

A feed reader signs in as nobody: the feed shows what anybody with the address may see (public
and unlisted collections), read through the same viewer-aware selector as the page.
"""

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from perchoir.conversations.embed import absolute_url
from perchoir.conversations.feeds import AtomWithContent
from perchoir.core.selectors import site_settings_get

from . import selectors
from .models import Collection, Connection, ItemKind


class CollectionFeed(Feed[Connection, Collection]):
    feed_type = AtomWithContent

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Collection:
        collection, _standing = selectors.collection_get_for_viewer(
            viewer=AnonymousUser(), collection_id=kwargs["collection_id"]
        )
        return collection

    def items(self, collection: Collection) -> list[Connection]:
        return selectors.feed_connections(collection=collection)

    def title(self, collection: Collection) -> str:
        return collection.title

    def subtitle(self, collection: Collection) -> str:
        return _("The latest items of a collection on %(site)s") % {
            "site": site_settings_get().name
        }

    def link(self, collection: Collection) -> str:
        return absolute_url(collection.get_absolute_url())

    def feed_url(self, collection: Collection) -> str:
        return absolute_url(reverse("collections:feed", args=[collection.pk]))

    def author_name(self, collection: Collection) -> str:
        return collection.owner.name

    def item_title(self, connection: Connection) -> str:
        return connection.item.display_title or str(ItemKind(connection.item.kind).label)

    def item_description(self, connection: Connection) -> str:
        item = connection.item
        return item.caption or item.link_url

    def item_extra_kwargs(self, connection: Connection) -> dict[str, str]:
        return {"content_html": connection.item.body_html}

    def item_link(self, connection: Connection) -> str:
        return absolute_url(connection.get_absolute_url())

    def item_author_name(self, connection: Connection) -> str:
        return connection.item.author.name

    def item_pubdate(self, connection: Connection) -> datetime:
        return connection.decided_at or connection.created_at

    def item_updateddate(self, connection: Connection) -> datetime:
        return connection.item.updated_at
