"""The collection bench at a tiny scale: its planted collections and its reordering count."""

import pytest

from bench.collection_page import LARGE_TITLE, SMALL_TITLE, collections_write, move_writes
from perchoir.collections.models import Collection
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_planted_collections_show_a_full_page_in_few_queries(
    client, django_assert_max_num_queries
):
    UserFactory()
    ids = collections_write(130, out=lambda line: None)
    large = Collection.objects.get(title=LARGE_TITLE)
    assert large.connections.count() == 130
    assert Collection.objects.get(title=SMALL_TITLE).connections.count() == 60
    with django_assert_max_num_queries(10):
        html = client.get(f"/k/{ids[LARGE_TITLE]}/").content.decode()
    assert html.count('<li class="item-card') == 60
    assert move_writes(ids[LARGE_TITLE]) == 2
