"""Collections and items as the services would leave them (Markdown rendered once, positions
gapped, counters kept)."""

import factory
from django.utils import timezone

from perchoir.collections.models import (
    POSITION_GAP,
    Collection,
    Connection,
    ConnectionStatus,
    ContributionPolicy,
    Contributor,
    Item,
    ItemKind,
    Visibility,
)
from perchoir.core.markdown import render_markdown
from tests.factories import UserFactory


class CollectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Collection
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Collection {n}")
    owner = factory.SubFactory(UserFactory)
    visibility = Visibility.PUBLIC
    policy = ContributionPolicy.ONLY_ME

    @factory.post_generation
    def contributors(self, create: bool, extracted: list | None, **kwargs: object) -> None:
        for person in extracted or []:
            Contributor.objects.create(collection=self, user=person, added_by=self.owner)


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Item

    kind = ItemKind.ARTICLE
    author = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Item {n}")
    body = "Some words to read."
    body_html = factory.LazyAttribute(lambda item: render_markdown(item.body))
    reading_minutes = 1
    published_at = factory.LazyFunction(timezone.now)


class ConnectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Connection

    collection = factory.SubFactory(CollectionFactory)
    item = factory.SubFactory(ItemFactory, author=factory.SelfAttribute("..collection.owner"))
    added_by = factory.LazyAttribute(lambda c: c.item.author)
    status = ConnectionStatus.APPROVED
    position = factory.Sequence(lambda n: (n + 1) * POSITION_GAP)


def fill(collection: Collection, count: int, *, author=None) -> list[Connection]:
    """`count` published articles in the collection, in this order, in two bulk inserts."""
    author = author or collection.owner
    items = Item.objects.bulk_create(
        Item(
            kind=ItemKind.ARTICLE,
            author=author,
            title=f"Article {n}",
            body=f"Text {n}",
            body_html=f"<p>Text {n}</p>",
            reading_minutes=1,
            published_at=timezone.now(),
        )
        for n in range(count)
    )
    connections = Connection.objects.bulk_create(
        Connection(
            collection=collection,
            item=item,
            added_by=author,
            position=(n + 1) * POSITION_GAP,
        )
        for n, item in enumerate(items)
    )
    Collection.objects.filter(pk=collection.pk).update(item_count=count)
    return connections
