"""{% collections_of person as collections %}: a profile's collections, as its viewer may see."""

from typing import Any

from django import template

from perchoir.collections.models import Collection
from perchoir.collections.selectors import collections_of_person

register = template.Library()

PROFILE_COLLECTIONS = 12


@register.simple_tag(takes_context=True)
def collections_of(context: dict[str, Any], person: Any) -> list[Collection]:
    request = context.get("request")
    viewer = getattr(request, "user", None)
    if viewer is None:
        from django.contrib.auth.models import AnonymousUser

        viewer = AnonymousUser()
    return list(collections_of_person(person=person, viewer=viewer)[:PROFILE_COLLECTIONS])
