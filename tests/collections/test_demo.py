"""`perchoir demo` adds collections made through the services, once."""

from io import StringIO

import pytest
from django.core.management import call_command

from perchoir.collections.models import Collection, ConnectionStatus, Item

pytestmark = pytest.mark.django_db


def test_the_demo_adds_three_collections_of_every_kind_once(settings):
    settings.DEBUG = True
    call_command("demo", stdout=StringIO())
    call_command("demo", stdout=StringIO())
    titles = set(Collection.objects.values_list("title", flat=True))
    assert titles == {
        "Colours of the seasons",
        "Good reads from the community",
        "Next training sessions",
    }
    photos = Collection.objects.get(title="Colours of the seasons")
    images = Item.objects.filter(connections__collection=photos, kind="image")
    assert images.count() == 6
    assert all(item.image.width == 1200 for item in images)
    assert photos.contributors.count() == 1
    assert photos.follower_count == 3
    articles = Collection.objects.get(title="Good reads from the community")
    assert articles.connections.filter(status=ConnectionStatus.PENDING).count() == 1
    assert articles.item_count == 3
    events = Item.objects.filter(kind="event")
    assert events.count() == 3
    assert all(event.ends_at > event.starts_at and event.programme for event in events)


def test_the_demo_collections_show(settings, client):
    settings.DEBUG = True
    call_command("demo", stdout=StringIO())
    for collection in Collection.objects.all():
        assert client.get(collection.get_absolute_url()).status_code == 200
        for connection in collection.connections.filter(status=ConnectionStatus.APPROVED):
            response = client.get(connection.get_absolute_url())
            assert response.status_code == 200
    assert client.get("/collections/").content.decode().count('class="collection-card"') == 3
