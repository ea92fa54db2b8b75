"""Collections and items hidden by the moderators, the way conversations and messages are: kept,
a notice in their place, absent for others everywhere, back at once when restored."""

import pytest
from django.test import Client
from django.urls import reverse

from perchoir.api.services import access_token_create
from perchoir.collections.models import Collection
from perchoir.collections.services import item_add, item_fields_of
from perchoir.moderation import services
from perchoir.moderation.models import ActionKind, StatementOfReasons
from tests.collections.factories import CollectionFactory, ConnectionFactory, ItemFactory, fill
from tests.factories import ModeratorFactory, UserFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/collections"


def _client(person=None) -> Client:
    client = Client()
    if person is not None:
        client.force_login(person)
    return client


def _token_client(person) -> Client:
    _token, secret = access_token_create(user=person, name="tests")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def _act(moderator, kind, target_kind, target_id, **extra):
    return services.action_take(
        moderator=moderator,
        kind=kind,
        target_kind=target_kind,
        target_id=target_id,
        reason=extra.pop("reason", "Advertising is against rule 2."),
        **extra,
    )


@pytest.fixture
def shelf():
    """A public collection of Ada's with Bob's spam item among two of hers."""
    ada = UserFactory(handle="ada")
    bob = UserFactory(handle="bob")
    collection = CollectionFactory(owner=ada, title="Rivers", policy="invited", contributors=[bob])
    fill(collection, 2)
    spam = ItemFactory(author=bob, title="Cheap pills here")
    ConnectionFactory(collection=collection, item=spam, added_by=bob)
    Collection.objects.filter(pk=collection.pk).update(item_count=3)
    return collection, spam


def test_a_hidden_item_leaves_grids_feeds_and_the_api_for_others(shelf, moderator):
    collection, spam = shelf
    reader = _client(UserFactory())
    # Rendered and kept before the action: the hide must show at once all the same.
    assert "Cheap pills here" in reader.get(collection.get_absolute_url()).content.decode()
    assert "Cheap pills here" in _client().get(collection.get_absolute_url()).content.decode()

    _act(moderator, ActionKind.HIDE, "item", spam.pk)

    for client in (reader, _client()):
        page = client.get(collection.get_absolute_url()).content.decode()
        assert "Cheap pills here" not in page
        assert "Article 0" in page
        assert "2 items" in page
    feed = _client().get(reverse("collections:feed", args=[collection.pk])).content.decode()
    assert "Cheap pills here" not in feed
    listed = reader.get(f"{API}/{collection.pk}/items").json()
    assert "Cheap pills here" not in str(listed)
    answer = reader.get(f"{API}/{collection.pk}/items/{spam.pk}")
    assert answer.status_code == 404
    assert answer.json()["error"]["message"] == "This item was hidden by the moderators."
    assert spam.title not in answer.content.decode()
    page = reader.get(reverse("collections:item", args=[collection.pk, spam.pk])).content.decode()
    assert "This item was hidden by the moderators" in page
    assert "Advertising is against rule 2." in page
    assert "Cheap pills here" not in page
    # Nobody adds, recommends or reconnects what they cannot see.
    recommend = reverse("collections:item-recommend", args=[collection.pk, spam.pk])
    assert reader.post(recommend).status_code == 404


def test_its_author_still_sees_it_with_the_notice_edits_it_and_an_appeal_restores_it(
    shelf, moderator
):
    collection, spam = shelf
    bob = spam.author
    action = _act(moderator, ActionKind.HIDE, "item", spam.pk)
    author = _client(bob)
    grid = author.get(collection.get_absolute_url()).content.decode()
    assert "Cheap pills here" in grid
    assert "Hidden by the moderators" in grid
    page = author.get(reverse("collections:item", args=[collection.pk, spam.pk])).content.decode()
    assert "The moderators hid this from others. Why: Advertising is against rule 2." in page
    assert reverse("moderation:statement-for-action", args=[action.pk]) in page
    assert author.get(f"{API}/{collection.pk}/items/{spam.pk}").json()["item"]["hidden_reason"] == (
        "Advertising is against rule 2."
    )

    item_fields = item_fields_of(spam)
    item_fields.title = "Pills, a short history"
    from perchoir.collections.services import item_update

    item_update(actor=bob, collection_id=collection.pk, item_id=spam.pk, fields=item_fields)
    statement = StatementOfReasons.objects.get(action=action)
    appeal = services.appeal_create(
        appellant=bob, statement_id=statement.pk, explanation="I rewrote it, no advert now."
    )
    services.appeal_decide(
        moderator=ModeratorFactory(), appeal_id=appeal.pk, grant=True, reason="Fine now."
    )

    page = _client(UserFactory()).get(collection.get_absolute_url()).content.decode()
    assert "Pills, a short history" in page
    assert "3 items" in page
    assert "Hidden by the moderators" not in page


def test_a_moderator_reads_the_hidden_item_marked_as_hidden(shelf, moderator):
    collection, spam = shelf
    _act(moderator, ActionKind.HIDE, "item", spam.pk)
    colleague = _client(ModeratorFactory())
    page = colleague.get(
        reverse("collections:item", args=[collection.pk, spam.pk])
    ).content.decode()
    assert "Cheap pills here" in page
    assert "you see it because you are a moderator" in page
    grid = colleague.get(collection.get_absolute_url()).content.decode()
    assert "Hidden by the moderators" in grid


def test_a_deleted_item_is_kept_hidden_from_its_author_too_and_restorable(shelf, moderator):
    collection, spam = shelf
    action = _act(moderator, ActionKind.DELETE, "item", spam.pk, confirmed=True)
    author = _client(spam.author)
    assert "Cheap pills here" not in author.get(collection.get_absolute_url()).content.decode()
    page = author.get(reverse("collections:item", args=[collection.pk, spam.pk])).content.decode()
    assert "This item was hidden by the moderators" in page
    services.action_undo(moderator=moderator, action_id=action.pk, reason="Legal after all.")
    assert "Cheap pills here" in author.get(collection.get_absolute_url()).content.decode()


def test_the_page_with_a_hidden_item_stays_within_its_query_budget(
    shelf, moderator, django_assert_max_num_queries
):
    collection, spam = shelf
    fill(collection, 70)
    _act(moderator, ActionKind.HIDE, "item", spam.pk)
    for person in (None, UserFactory(), spam.author, ModeratorFactory()):
        client = _client(person)
        client.get(collection.get_absolute_url())  # the session, warmed
        with django_assert_max_num_queries(10):
            response = client.get(collection.get_absolute_url() + "?view=list")
        assert response.status_code == 200


def test_a_hidden_collection_shows_a_notice_and_leaves_lists_feeds_and_the_api(shelf, moderator):
    collection, _spam = shelf
    owner, contributor = collection.owner, collection.contributors.get().user
    action = _act(moderator, ActionKind.HIDE, "collection", collection.pk, reason="Spam shop.")

    for person in (None, UserFactory(), contributor):
        client = _client(person)
        page = client.get(collection.get_absolute_url()).content.decode()
        assert "This collection was hidden by the moderators" in page
        assert "Spam shop." in page
        assert "Article 0" not in page
        assert "Rivers" not in client.get(reverse("collections:list")).content.decode()
        assert (
            "Rivers"
            not in client.get(reverse("accounts:profile", args=[owner.handle])).content.decode()
        )
        answer = client.get(f"{API}/{collection.pk}")
        assert answer.status_code == 404
        assert "Rivers" not in answer.content.decode()
        assert "Rivers" not in client.get(API).content.decode()
        assert client.get(f"{API}/{collection.pk}/items").status_code == 404
    assert _client().get(reverse("collections:feed", args=[collection.pk])).status_code == 404
    assert "Rivers" not in _token_client(contributor).get(API, {"mine": True}).content.decode()

    listed = _client(owner).get(reverse("collections:list")).content.decode()
    assert "Rivers" in listed
    assert "Hidden by the moderators" in listed
    mine = _client(owner).get(collection.get_absolute_url()).content.decode()
    assert "Article 0" in mine
    assert "The moderators hid this from others. Why: Spam shop." in mine
    assert reverse("moderation:statement-for-action", args=[action.pk]) in mine
    answer = _token_client(owner).get(f"{API}/{collection.pk}").json()
    assert answer["hidden_reason"] == "Spam shop."
    moderators_view = _client(ModeratorFactory()).get(collection.get_absolute_url())
    assert "Article 0" in moderators_view.content.decode()

    services.action_undo(moderator=moderator, action_id=action.pk, reason="A real collection.")
    page = _client(UserFactory()).get(collection.get_absolute_url()).content.decode()
    assert "Article 0" in page
    assert "Rivers" in _client().get(reverse("collections:list")).content.decode()


def test_nobody_adds_to_a_hidden_collection_but_its_owner(shelf, moderator):
    collection, _spam = shelf
    contributor = collection.contributors.get().user
    _act(moderator, ActionKind.HIDE, "collection", collection.pk)
    fields = item_fields_of(ItemFactory.build(title="More"))
    from perchoir.core.errors import NotFound

    with pytest.raises(NotFound):
        item_add(actor=contributor, collection_id=collection.pk, kind="article", fields=fields)
    item_add(actor=collection.owner, collection_id=collection.pk, kind="article", fields=fields)


def test_hidden_items_cannot_be_reported_again_by_others(shelf, moderator):
    _collection, spam = shelf
    _act(moderator, ActionKind.HIDE, "item", spam.pk)
    reader = _client(UserFactory())
    assert reader.get(reverse("moderation:report", args=["item", spam.pk])).status_code == 404
