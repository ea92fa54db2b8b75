"""Template helpers for conversations."""

from django import template

from perchoir.conversations.services import excerpt as excerpt_of

register = template.Library()


@register.filter
def excerpt(html: str) -> str:
    """A short plain-text excerpt of sanitised HTML, for quotes and lists."""
    return excerpt_of(html)


@register.filter
def get_count(counts: dict[int, int] | None, key: int) -> int:
    return (counts or {}).get(key, 0)
