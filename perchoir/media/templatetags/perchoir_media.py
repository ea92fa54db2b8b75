"""{% avatar person size %} and {{ image|image_src:256 }} for templates."""

import re
from typing import Any

from django import template

from perchoir.media.models import Image
from perchoir.media.selectors import image_url

register = template.Library()

# CSS modifier → displayed size in CSS pixels (thumbnails are chosen for double-density screens).
AVATAR_SIZES = {"small": 32, "medium": 48, "large": 128}


@register.filter
def image_src(image: Image | None, width: int | str | None = None) -> str:
    if image is None:
        return ""
    return image_url(image, width=int(width) if width else None)


def initials(name: str) -> str:
    """Up to two letters from the first words of a name ("Ada Lovelace" gives "AL")."""
    words = re.findall(r"[^\W_]+", name)
    return "".join(word[0] for word in words[:2]).upper() or "?"


@register.inclusion_tag("media/_avatar.html")
def avatar(person: Any, size: str = "medium", decorative: bool = False) -> dict[str, object]:
    """A person's avatar: a thumbnail when ready, the original before that, initials without one.

    The person's avatar should come with select_related("avatar") to keep queries flat.
    """
    pixels = AVATAR_SIZES.get(size, AVATAR_SIZES["medium"])
    image = getattr(person, "avatar", None)
    name = getattr(person, "name", "") or str(person)
    return {
        "name": name,
        "size": size,
        "pixels": pixels,
        "src": image_url(image, width=pixels * 2) if image is not None else "",
        "initials": initials(name),
        "decorative": decorative,
    }
