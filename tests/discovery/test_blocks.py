"""Blocked relationships in the visibility matrix: once either blocks the other, neither sees the
other's conversations, messages, collections, items or person in search, explore or home (nor in
the digest, made from home); everyone else still sees both."""

import pytest
from django.test import Client

from perchoir.collections import services as collections
from perchoir.collections.services import ItemFields
from perchoir.conversations import services as conversations
from perchoir.core.ratelimit import ratelimits_suspended
from perchoir.discovery.models import HomeVisit
from perchoir.discovery.selectors import SearchQuery, search
from perchoir.follows import services as follows
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    ada = UserFactory(handle="ada", display_name="Ada Lovelace")
    bob = UserFactory(handle="bob", display_name="Bob Builder")
    carol = UserFactory(handle="carol", display_name="Carol Singer")
    return ada, bob, carol


def content_of(person, word):
    """A public conversation (and its first message), collection and item of `person`."""
    with ratelimits_suspended():
        conversations.conversation_start(
            starter=person, title=f"{word} talk", body=f"Words about {word}."
        )
        shelf = collections.collection_create(owner=person, title=f"{word} shelf")
        collections.item_add(
            actor=person,
            collection_id=shelf.pk,
            kind="article",
            fields=ItemFields(title=f"{word} note", body=f"More about {word}."),
        )
    return shelf


def kinds_found(viewer, word):
    results = search(viewer=viewer, query=SearchQuery(text=word))
    return {hit.kind for hit in results.hits} | ({"person"} if results.people else set())


def signed_in(person):
    client = Client()
    client.force_login(person)
    return client


@pytest.mark.parametrize("direction", ["ada blocks bob", "bob blocks ada"])
def test_search_never_crosses_a_block(people, direction):
    ada, bob, carol = people
    content_of(ada, "lighthouse")
    content_of(bob, "lighthouse")
    blocker, blocked = (ada, bob) if direction == "ada blocks bob" else (bob, ada)
    follows.block_create(blocker=blocker, handle=blocked.handle)
    everything = {"conversation", "message", "collection", "item"}
    for viewer in (ada, bob):
        other = bob if viewer == ada else ada
        results = search(viewer=viewer, query=SearchQuery(text="lighthouse"))
        assert {hit.found.author for hit in results.hits} == {viewer}
        assert {hit.kind for hit in results.hits} == everything
        assert search(viewer=viewer, query=SearchQuery(text=other.handle)).people == []
    third = search(viewer=carol, query=SearchQuery(text="lighthouse"))
    assert {hit.found.author for hit in third.hits} == {ada, bob}


def test_explore_never_crosses_a_block(people):
    ada, bob, carol = people
    content_of(bob, "harbour")
    follows.follow_create(follower=carol, handle="bob")  # someone worth suggesting
    follows.block_create(blocker=bob, handle="ada")
    page = signed_in(ada).get("/explore/").text
    for text in ("harbour talk", "harbour shelf", "harbour note", "@bob"):
        assert text not in page
    api = signed_in(ada).get("/api/v1/explore").json()
    assert api["conversations"] == api["collections"] == api["items"] == []
    assert "bob" not in {p["handle"] for p in api["people"]}
    page = signed_in(carol).get("/explore/").text
    for text in ("harbour talk", "harbour shelf", "harbour note"):
        assert text in page


def garden_entry(client):
    [entry] = [
        e for e in client.get("/api/v1/home").json()["results"] if e["title"] == "garden shelf"
    ]
    return entry


def test_home_never_crosses_a_block(people):
    ada, bob, carol = people
    shelf = content_of(carol, "garden")
    collections.collection_follow(user=ada, collection_id=shelf.pk, follow=True)
    collections.collection_update(
        actor=carol,
        collection_id=shelf.pk,
        title=shelf.title,
        description="",
        visibility=shelf.visibility,
        policy="anyone",
    )
    client = signed_in(ada)
    client.get("/")  # seen: what others add from now on is new
    with ratelimits_suspended():
        room = conversations.conversation_start(starter=bob, title="Bob asks", body="Come.")
        conversations.conversation_invite(inviter=bob, conversation_id=room.pk, addresses=["@ada"])
        collections.item_add(
            actor=bob,
            collection_id=shelf.pk,
            kind="article",
            fields=ItemFields(title="Tulips", body="Tulips."),
        )
    seen = HomeVisit.objects.get(user=ada).seen_at
    assert garden_entry(client)["count"] == 1
    assert "Bob asks" in client.get("/").text
    HomeVisit.objects.filter(user=ada).update(seen_at=seen)  # as before these two reads
    follows.block_create(blocker=ada, handle="bob")
    assert garden_entry(client)["count"] == 0  # Carol's collection, with her item only
    page = client.get("/").text
    assert "Bob asks" not in page  # his invitation no longer shows
    assert "garden shelf" in page


def test_home_leaves_out_followed_peoples_news_once_blocked(people):
    ada, bob, _carol = people
    follows.follow_create(follower=ada, handle="bob")
    content_of(bob, "river")
    assert "river talk" in signed_in(ada).get("/").text
    follows.block_create(blocker=bob, handle="ada")
    page = signed_in(ada).get("/").text
    assert "river talk" not in page
    assert "river shelf" not in page
