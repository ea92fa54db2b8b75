from django import template

from perchoir.collections.models import Item

from ..collection_kinds import item_title as _item_title

register = template.Library()


@register.filter
def item_title(item: Item) -> str:
    """What a list shows for an item, whatever its kind."""
    return _item_title(item)
