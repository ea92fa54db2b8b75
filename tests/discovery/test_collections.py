"""Collections and items in search, explore, home and the digest: found by their words, grouped on
home, and never shown to whom may not see them (private, unlisted, hidden, drafts, suspended).

The same tests run on SQLite (FTS5) and PostgreSQL (tsvector), whichever the suite uses.
"""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from perchoir.collections import services as collections
from perchoir.collections.models import (
    Collection,
    ContributionPolicy,
    Item,
    ItemKind,
    Visibility,
)
from perchoir.collections.services import ItemFields
from perchoir.core.errors import InvalidInput
from perchoir.core.ratelimit import ratelimits_suspended
from perchoir.discovery import services
from perchoir.discovery.models import SearchDocument
from perchoir.discovery.selectors import SearchQuery, search
from perchoir.follows.models import Follow
from perchoir.moderation.models import Action, ActionKind
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def found(viewer, text, **filters):
    results = search(viewer=viewer, query=SearchQuery(text=text, **filters))
    return [(hit.kind, hit.found.title) for hit in results.hits]


def titles(viewer, text, **filters):
    return {title for _kind, title in found(viewer, text, **filters)}


def make_collection(owner, title, description="", visibility=Visibility.PUBLIC, **kwargs):
    with ratelimits_suspended():
        return collections.collection_create(
            owner=owner, title=title, description=description, visibility=visibility, **kwargs
        )


def add_article(actor, collection, title, body="Some words.", publish=True):
    with ratelimits_suspended():
        return collections.item_add(
            actor=actor,
            collection_id=collection.pk,
            kind=ItemKind.ARTICLE,
            fields=ItemFields(title=title, body=body),
            publish=publish,
        ).item


@pytest.fixture
def ada():
    return UserFactory(handle="ada", display_name="Ada Lovelace", language="en")


@pytest.fixture
def bob():
    return UserFactory(handle="bob", display_name="Bob Builder", language="en")


@pytest.fixture
def anonymous():
    return AnonymousUser()


def signed_in(person):
    client = Client()
    client.force_login(person)
    return client


# --- Search: finding ----------------------------------------------------------------------------


def test_a_collection_is_found_by_its_title_and_its_description(ada, anonymous):
    shelf = make_collection(ada, "Lighthouse photographs", "Towers along the granite coast.")
    assert ("collection", "Lighthouse photographs") in found(anonymous, "lighthouses")
    results = search(viewer=anonymous, query=SearchQuery(text="granite"))
    [hit] = results.hits
    assert hit.found.url == shelf.get_absolute_url()
    assert "<mark>granite</mark>" in hit.snippet


def test_an_item_is_found_by_its_words_and_opens_in_its_collection(ada, anonymous):
    shelf = make_collection(ada, "Harbour notes")
    item = add_article(ada, shelf, "Tide tables", "The spring tides reach the old quay.")
    [hit] = search(viewer=anonymous, query=SearchQuery(text="quay")).hits
    assert hit.kind == "item"
    assert hit.found.title == "Tide tables"
    assert hit.found.context == "Harbour notes"
    assert hit.found.url == reverse("collections:item", args=[shelf.pk, item.pk])
    assert "<mark>quay</mark>" in hit.snippet


def test_french_stemming_finds_an_item(anonymous):
    camille = UserFactory(handle="camille", language="fr")
    shelf = make_collection(camille, "Carnets")
    add_article(camille, shelf, "Promenades", "Nous marchons le long de la rivière chaque matin.")
    assert "Promenades" in titles(anonymous, "rivières")


def test_the_search_page_shows_items_with_their_collection(client, ada):
    shelf = make_collection(ada, "Harbour notes")
    add_article(ada, shelf, "Tide tables", "The spring tides reach the old quay.")
    text = client.get("/search/", {"q": "quay"}).text
    assert "Tide tables" in text
    assert "in “Harbour notes”" in text
    assert "<mark>quay</mark>" in text


# --- Search: visibility -------------------------------------------------------------------------


def test_private_and_unlisted_collections_are_found_only_by_their_people(ada, bob, anonymous):
    alan = UserFactory(handle="alan")
    private = make_collection(
        ada, "Secret garden", visibility=Visibility.PRIVATE, policy=ContributionPolicy.INVITED
    )
    collections.contributor_invite(actor=ada, collection_id=private.pk, addresses=["@alan"])
    collections.contributor_invitation_answer(user=alan, collection_id=private.pk, accept=True)
    add_article(ada, private, "Rose pruning", "Cut above the bud.")
    unlisted = make_collection(ada, "Unlisted garden", visibility=Visibility.UNLISTED)
    add_article(ada, unlisted, "Tulip bulbs", "Plant the bud deep.")
    for stranger in (anonymous, bob):
        assert titles(stranger, "garden") == set()
        assert titles(stranger, "bud") == set()
    assert titles(ada, "garden") == {"Secret garden", "Unlisted garden"}
    assert titles(ada, "bud") == {"Rose pruning", "Tulip bulbs"}
    assert titles(alan, "bud") == {"Rose pruning"}


def test_hidden_drafts_and_suspended_authors_are_never_found(ada, bob, anonymous):
    shelf = make_collection(ada, "Kitchen")
    hidden = add_article(ada, shelf, "Bread hidden", "Sourdough starter.")
    Item.objects.filter(pk=hidden.pk).update(hidden_at=timezone.now())
    add_article(ada, shelf, "Bread draft", "Sourdough crumb.", publish=False)
    hidden_shelf = make_collection(ada, "Sourdough shelf")
    Collection.objects.filter(pk=hidden_shelf.pk).update(hidden_at=timezone.now())
    bobs = make_collection(bob, "Bob sourdough")
    add_article(bob, bobs, "Bob loaf", "Sourdough loaf.")
    Action.objects.create(
        kind=ActionKind.SUSPEND, subject=bob, target_kind="person", target_id=bob.pk, reason="r"
    )
    for viewer in (anonymous, ada):
        assert titles(viewer, "sourdough") == set()


def test_an_item_of_a_collection_turned_private_is_no_longer_found(ada, anonymous):
    shelf = make_collection(ada, "Maps")
    add_article(ada, shelf, "Old charts", "Soundings of the bay.")
    assert titles(anonymous, "soundings") == {"Old charts"}
    Collection.objects.filter(pk=shelf.pk).update(visibility=Visibility.PRIVATE)
    assert titles(anonymous, "soundings") == set()


# --- Search: filters ----------------------------------------------------------------------------


def test_the_kind_person_and_date_filters_apply_to_collections_and_items(ada, bob, anonymous):
    shelf = make_collection(ada, "Orchard apples", "Apples of the valley.")
    add_article(ada, shelf, "Apple pie", "Apples and butter.")
    bobs = make_collection(bob, "Bob things")
    add_article(bob, bobs, "Apple cider", "Apples pressed.")
    assert titles(anonymous, "apples", kind="collection") == {"Orchard apples"}
    assert titles(anonymous, "apples", kind="item") == {"Apple pie", "Apple cider"}
    assert titles(anonymous, "apples", person="bob") == {"Apple cider"}
    tomorrow = date.today() + timedelta(days=1)
    assert titles(anonymous, "apples", since=tomorrow) == set()
    assert len(titles(anonymous, "apples", until=tomorrow)) == 3


def test_the_collection_filter_searches_the_items_of_one_collection(ada, anonymous):
    orchard = make_collection(ada, "Orchard")
    add_article(ada, orchard, "Apple pie", "Apples and butter.")
    other = make_collection(ada, "Market")
    add_article(ada, other, "Apple stall", "Apples for sale.")
    results = search(viewer=anonymous, query=SearchQuery(text="apples", collection=orchard.pk))
    assert [hit.found.title for hit in results.hits] == ["Apple pie"]
    assert results.collection == orchard
    assert titles(anonymous, "apples", collection=orchard.pk, kind="conversation") == set()


def test_the_collection_filter_refuses_a_collection_the_searcher_may_not_see(ada, bob):
    private = make_collection(ada, "Secret", visibility=Visibility.PRIVATE)
    for collection_id in (private.pk, 10**12):
        with pytest.raises(InvalidInput) as error:
            search(viewer=bob, query=SearchQuery(text="x", collection=collection_id))
        assert "collection" in error.value.fields
    response = signed_in(bob).get("/search/", {"q": "x", "collection": private.pk})
    assert "This collection does not exist or is not yours to see." in response.text


def test_the_search_page_says_which_collection_it_searches(client, ada):
    orchard = make_collection(ada, "Orchard")
    add_article(ada, orchard, "Apple pie", "Apples and butter.")
    text = client.get("/search/", {"q": "apples", "collection": orchard.pk}).text
    assert "Searching the items of “Orchard”." in text
    assert "Search everywhere" in text
    assert "Apple pie" in text


def test_the_search_api_takes_the_collection_filter(client, ada):
    orchard = make_collection(ada, "Orchard")
    add_article(ada, orchard, "Apple pie", "Apples and butter.")
    body = client.get("/api/v1/search", {"q": "apples", "collection": orchard.pk}).json()
    assert [(r["kind"], r["title"], r["context"]) for r in body["results"]] == [
        ("item", "Apple pie", "Orchard")
    ]


# --- The index ----------------------------------------------------------------------------------


def test_changing_an_item_or_a_collection_changes_what_finds_it(ada, anonymous):
    shelf = make_collection(ada, "Birds")
    item = add_article(ada, shelf, "Herons", "Grey herons fishing.")
    collections.item_update(
        actor=ada,
        collection_id=shelf.pk,
        item_id=item.pk,
        fields=ItemFields(title="Egrets", body="White egrets wading."),
    )
    assert titles(anonymous, "herons") == set()
    assert titles(anonymous, "egrets") == {"Egrets"}
    collections.collection_update(
        actor=ada,
        collection_id=shelf.pk,
        title="Waders",
        description="",
        visibility=Visibility.PUBLIC,
        policy=shelf.policy,
    )
    assert titles(anonymous, "waders", kind="collection") == {"Waders"}
    assert titles(anonymous, "birds") == set()


def test_deleting_a_collection_forgets_it_and_its_items(ada):
    shelf = make_collection(ada, "Birds")
    item = add_article(ada, shelf, "Herons", "Grey herons fishing.")
    collections.collection_delete(actor=ada, collection_id=shelf.pk)
    assert not SearchDocument.objects.filter(kind="collection", object_id=shelf.pk).exists()
    assert not SearchDocument.objects.filter(kind="item", object_id=item.pk).exists()


def test_the_rebuild_indexes_collections_and_items(ada, anonymous):
    shelf = make_collection(ada, "Birds")
    add_article(ada, shelf, "Herons", "Grey herons fishing.")
    SearchDocument.objects.all().delete()
    assert services.search_index_rebuild() == 2
    assert titles(anonymous, "herons") == {"Herons"}
    assert titles(anonymous, "birds") == {"Birds"}


# --- Explore ------------------------------------------------------------------------------------


def test_explore_shows_notable_public_collections_and_new_items(client, ada, bob):
    shelf = make_collection(ada, "Lighthouses")
    add_article(ada, shelf, "Ar Men", "A tower at sea.")
    collections.collection_follow(user=bob, collection_id=shelf.pk, follow=True)
    empty = make_collection(ada, "Empty shelf")
    private = make_collection(ada, "Private shelf", visibility=Visibility.PRIVATE)
    add_article(ada, private, "Private article", "Secret.")
    unlisted = make_collection(ada, "Unlisted shelf", visibility=Visibility.UNLISTED)
    add_article(ada, unlisted, "Unlisted article", "Secret.")
    hidden = make_collection(ada, "Hidden shelf")
    add_article(ada, hidden, "In a hidden shelf", "Secret.")
    Collection.objects.filter(pk=hidden.pk).update(hidden_at=timezone.now())
    hidden_item = add_article(ada, shelf, "Hidden article", "Secret.")
    Item.objects.filter(pk=hidden_item.pk).update(hidden_at=timezone.now())
    text = client.get("/explore/").text
    assert "Notable collections" in text
    assert "Lighthouses" in text
    assert "Ar Men" in text
    assert empty.title not in text  # nothing in it to see yet
    for title in ("Private", "Unlisted", "Hidden shelf", "hidden shelf", "Hidden article"):
        assert title not in text
    body = client.get("/api/v1/explore").json()
    assert [c["title"] for c in body["collections"]] == ["Lighthouses"]
    assert body["collections"][0]["follower_count"] == 1
    assert [i["title"] for i in body["items"]] == ["Ar Men"]
    assert body["items"][0]["collection_title"] == "Lighthouses"


def test_explore_without_collections_says_so(client):
    text = client.get("/explore/").text
    assert "No public collections yet." in text
    assert "No new items yet." in text


# --- Home and the digest ------------------------------------------------------------------------


def test_home_shows_new_items_of_followed_collections_as_one_entry(ada, bob):
    shelf = make_collection(bob, "Harbour notes")
    collections.collection_follow(user=ada, collection_id=shelf.pk, follow=True)
    client = signed_in(ada)
    client.get("/")  # seen
    for n in range(5):
        add_article(bob, shelf, f"Note {n}")
    text = client.get("/").text
    assert text.count("Harbour notes") == 1
    assert "new items" in text
    assert "5 new" in text


def test_home_shows_new_collections_of_followed_people(ada, bob):
    Follow.objects.create(follower=ada, followed=bob)
    make_collection(bob, "Bob public shelf")
    make_collection(bob, "Bob private shelf", visibility=Visibility.PRIVATE)
    make_collection(bob, "Bob unlisted shelf", visibility=Visibility.UNLISTED)
    text = signed_in(ada).get("/").text
    assert "Bob public shelf" in text
    assert "created a collection" in text
    assert "private shelf" not in text
    assert "unlisted shelf" not in text


def test_home_leaves_out_hidden_items_and_collections_turned_private(ada, bob):
    shelf = make_collection(bob, "Harbour notes")
    collections.collection_follow(user=ada, collection_id=shelf.pk, follow=True)
    hidden = add_article(bob, shelf, "Hidden note")
    Item.objects.filter(pk=hidden.pk).update(hidden_at=timezone.now())
    assert "Harbour notes" not in signed_in(ada).get("/").text
    add_article(bob, shelf, "Visible note")
    assert "Harbour notes" in signed_in(ada).get("/").text
    Collection.objects.filter(pk=shelf.pk).update(visibility=Visibility.PRIVATE)
    assert "Harbour notes" not in signed_in(ada).get("/").text


def test_the_digest_tells_of_new_items_in_followed_collections(
    ada, bob, mailoutbox, django_capture_on_commit_callbacks
):
    shelf = make_collection(bob, "Harbour notes")
    collections.collection_follow(user=ada, collection_id=shelf.pk, follow=True)
    services.digest_preference_set(user=ada, frequency="daily")
    add_article(bob, shelf, "A note")
    with django_capture_on_commit_callbacks(execute=True):
        services.digests_send_due(now=timezone.now() + timedelta(days=1, minutes=1))
    [email] = mailoutbox
    assert "Harbour notes" in email.body
    assert "new items" in email.body


def test_a_collection_page_leads_to_a_search_of_its_items(client, ada):
    orchard = make_collection(ada, "Orchard")
    page = client.get(orchard.get_absolute_url()).text
    link = f"/search/?collection={orchard.pk}"
    assert f'href="{link}">Search this collection' in page
    search_page = client.get(link).text
    assert "Searching the items of “Orchard”." in search_page
    assert f'name="collection" value="{orchard.pk}"' in search_page
