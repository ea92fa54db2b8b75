from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key, "") if mapping else ""


@register.filter
def hidden_shown_to(content: Any, viewer: Any) -> bool:
    """Content hidden by the moderators that this viewer (a moderator) still reads, marked."""
    return bool(content.hidden_shown_to_moderator(viewer))
