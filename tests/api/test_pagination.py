"""Cursor pagination: newest first, every item once, a tampered cursor is a clear 400."""

import base64

import pytest
from django.test import RequestFactory

from perchoir.api.models import AccessToken
from perchoir.api.pagination import NewestFirst
from perchoir.api.services import access_token_create
from perchoir.core.errors import InvalidInput

pytestmark = pytest.mark.django_db


def page(cursor=None, page_size=2):
    paginator = NewestFirst()
    url = "/api/v1/things" + (f"?cursor={cursor}" if cursor else "")
    request = RequestFactory().get(url)
    pagination = NewestFirst.Input(cursor=cursor, page_size=page_size)
    return paginator.paginate_queryset(AccessToken.objects.all(), pagination, request)


def cursor_of(link):
    return link.split("cursor=")[1].split("&")[0].replace("%3D", "=")


def test_pages_walk_every_item_once_newest_first(member):
    created = [access_token_create(user=member, name=f"t{i}")[0] for i in range(5)]
    seen, cursor = [], None
    for _ in range(5):
        result = page(cursor)
        seen += [token.id for token in result["results"]]
        if not result["next"]:
            break
        cursor = cursor_of(result["next"])
    expected = [t.id for t in sorted(created, key=lambda t: (t.created_at, t.id), reverse=True)]
    assert seen == expected


def test_new_items_do_not_shift_the_next_page(member):
    for i in range(4):
        access_token_create(user=member, name=f"t{i}")
    first = page()
    next_cursor = cursor_of(first["next"])
    before = [t.id for t in page(next_cursor)["results"]]
    access_token_create(user=member, name="newer")
    after = [t.id for t in page(next_cursor)["results"]]
    assert before == after


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64!",
        base64.b64encode(b"p=not-a-date").decode(),
        base64.b64encode(b"o=-5").decode(),
    ],
)
def test_tampered_cursor_is_invalid_input_naming_the_cursor(member, cursor):
    access_token_create(user=member, name="t")
    with pytest.raises(InvalidInput) as caught:
        page(cursor)
    assert list(caught.value.fields) == ["cursor"]
