"""Discovery's bench at a tiny scale: the planted reader's home and the search it loads work."""

import pytest
from django.db import connection
from django.test import Client

from bench.dataset import DatasetSize, dataset_generate
from bench.discovery import READER, SEARCH_PATHS, index_size, plant
from perchoir.accounts.models import User
from perchoir.discovery.models import SearchDocument

pytestmark = pytest.mark.django_db

TINY = DatasetSize(
    people=60, conversations=8, messages=300, reading_messages=0, long_messages=0, pool=40
)


def test_the_planted_reader_has_a_full_home_and_the_search_finds_the_planted_notes():
    dataset_generate(TINY, out=lambda _line: None)
    said: list[str] = []
    plant(follows=20, collections=5, conversations=4, out=said.append)
    assert "follows 20 people and 5 collections (25 items)" in said[0]
    # 8 conversations, 300 messages, 5 collections, 25 items.
    assert "Search index: 338 documents" in said[1]
    assert SearchDocument.objects.filter(kind="item").count() == 25
    client = Client()
    client.force_login(User.objects.get(handle=READER))
    home = client.get("/").text
    assert home.count("Benchmark shelf") >= 5
    search = Client().get(SEARCH_PATHS[0]).text  # "harbour bicycle"
    assert "Note 0 of shelf" in search
    assert "MiB" in index_size(connection) or "unknown" in index_size(connection)
