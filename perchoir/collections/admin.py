"""For the people who run the site: look collections up. Changes go through the pages and the
services (only they keep counters, positions and notifications right), so these are read-only."""

from django.contrib import admin
from django.http import HttpRequest

from .models import Collection, Connection, Item


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Collection)
class CollectionAdmin(ReadOnly):
    list_display = ["title", "owner", "visibility", "policy", "item_count", "updated_at"]
    list_filter = ["visibility", "policy"]
    search_fields = ["title", "owner__handle"]
    raw_id_fields = ["owner", "cover"]


@admin.register(Item)
class ItemAdmin(ReadOnly):
    list_display = ["__str__", "kind", "author", "published_at", "recommendation_count"]
    list_filter = ["kind"]
    search_fields = ["title", "author__handle"]
    raw_id_fields = ["author", "image", "link_preview"]


@admin.register(Connection)
class ConnectionAdmin(ReadOnly):
    list_display = ["collection", "item", "added_by", "status", "position"]
    list_filter = ["status"]
    raw_id_fields = ["collection", "item", "added_by", "decided_by"]
