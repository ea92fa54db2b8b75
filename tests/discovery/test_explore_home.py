"""Explore for anyone and home for members: lively, bounded, and never showing the unseeable."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from perchoir.collections import services as collections
from perchoir.collections.models import (
    Collection,
    CollectionFollow,
    Connection,
    ConnectionStatus,
    ContributionPolicy,
    Contributor,
    Item,
    ItemKind,
)
from perchoir.collections.models import Visibility as CollectionVisibility
from perchoir.collections.selectors import collections_of_member
from perchoir.collections.services import ItemFields
from perchoir.conversations import services
from perchoir.conversations.models import Conversation, Message, Participant, Visibility
from perchoir.core.ratelimit import ratelimits_suspended
from perchoir.discovery.home import home_feed
from perchoir.discovery.models import HomeVisit
from perchoir.discovery.visibility import (
    collections_findable,
    conversations_findable,
    people_findable_by,
)
from perchoir.follows.models import Block, Follow
from perchoir.moderation.models import Action, ActionKind
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def start(starter, title, body="Hello.", **kwargs):
    with ratelimits_suspended():
        return services.conversation_start(starter=starter, title=title, body=body, **kwargs)


def post(author, conversation, body):
    with ratelimits_suspended():
        return services.message_post(author=author, conversation_id=conversation.pk, body=body)


def join(person, conversation):
    services.conversation_invite(
        inviter=conversation.starter,
        conversation_id=conversation.pk,
        addresses=[f"@{person.handle}"],
    )
    services.invitation_accept(user=person, conversation_id=conversation.pk)


def signed_in(person):
    client = Client()
    client.force_login(person)
    return client


def shelf_of(owner, title, visibility=CollectionVisibility.PUBLIC, **kwargs):
    with ratelimits_suspended():
        return collections.collection_create(
            owner=owner, title=title, visibility=visibility, **kwargs
        )


def add_note(actor, shelf, title):
    with ratelimits_suspended():
        return collections.item_add(
            actor=actor,
            collection_id=shelf.pk,
            kind=ItemKind.ARTICLE,
            fields=ItemFields(title=title, body="Words."),
        )


def titles_on_home(person, kind):
    return {
        event.title for event in home_feed(viewer=person, size=500).events if event.kind == kind
    }


@pytest.fixture
def ada():
    return UserFactory(handle="ada", display_name="Ada Lovelace")


@pytest.fixture
def bob():
    return UserFactory(handle="bob", display_name="Bob Builder")


# --- Explore ------------------------------------------------------------------------------------


def test_explore_shows_lively_public_conversations_with_their_counts(client, ada, bob):
    quiet = start(ada, "Quiet corner")
    lively = start(ada, "Lively square")
    join(bob, lively)
    post(bob, lively, "Hello from Bob.")
    response = client.get("/explore/")
    assert response.status_code == 200
    text = response.text
    assert text.index("Lively square") < text.index("Quiet corner")
    assert "2 participants" in text
    assert quiet.get_absolute_url() in text


def test_explore_leaves_out_private_unlisted_hidden_and_suspended(client, ada, bob):
    start(ada, "Private room", visibility=Visibility.PRIVATE)
    start(ada, "Unlisted room", visibility=Visibility.UNLISTED)
    hidden = start(ada, "Hidden room")
    Conversation.objects.filter(pk=hidden.pk).update(hidden_at=timezone.now())
    start(bob, "Suspended room")
    Action.objects.create(
        kind=ActionKind.SUSPEND, subject=bob, target_kind="person", target_id=bob.pk, reason="r"
    )
    text = client.get("/explore/").text
    for title in ("Private room", "Unlisted room", "Hidden room", "Suspended room"):
        assert title not in text
    assert "@bob" not in text


def test_explore_suggests_people_not_yet_followed(ada, bob):
    carol = UserFactory(handle="carol")
    start(bob, "Bob talks")
    start(carol, "Carol talks")
    Follow.objects.create(follower=ada, followed=carol)
    text = signed_in(ada).get("/explore/").text
    assert "@bob" in text
    assert "@carol" not in text
    assert "/follow" in text


def suggested(client) -> set[str]:
    """The handles under "People to follow" on explore."""
    people = client.get("/explore/").text.split('id="people-heading"')[1]
    return set(re.findall(r'href="/@(\w+)"', people))


def test_suggestions_follow_suspensions_blocks_and_follows_at_once(ada, bob):
    """The ranking is kept a minute; who may be suggested to whom is not."""
    carol, dan = UserFactory(handle="carol"), UserFactory(handle="dan")
    for person in (bob, carol, dan):
        start(person, f"{person.handle} talks")
    member = signed_in(ada)
    assert suggested(member) == {"bob", "carol", "dan"}
    Action.objects.create(
        kind=ActionKind.SUSPEND, subject=bob, target_kind="person", target_id=bob.pk, reason="r"
    )
    Block.objects.create(blocker=carol, blocked=ada)
    Follow.objects.create(follower=ada, followed=dan)
    assert suggested(member) == set()


def test_someone_who_follows_the_best_ranked_is_still_offered_others(ada, monkeypatch):
    from perchoir.discovery import explore

    monkeypatch.setattr(explore, "RANKED", 2)
    famous = [UserFactory(handle=f"famous{n}") for n in range(2)]
    fan = UserFactory()
    for person in famous:
        Follow.objects.create(follower=fan, followed=person)
        Follow.objects.create(follower=ada, followed=person)
    start(UserFactory(handle="newcomer"), "Newcomer talks")
    assert suggested(signed_in(ada)) == {"newcomer"}


def test_explore_has_a_friendly_empty_state(client):
    assert "No public conversations yet" in client.get("/explore/").text


@pytest.mark.parametrize("count", [2, 25])
def test_explore_needs_few_queries_however_many_conversations(
    client, ada, count, django_assert_max_num_queries
):
    for n in range(count):
        start(UserFactory(), f"Room {n}")
    with django_assert_max_num_queries(10):  # conversations, collections, items, people
        assert client.get("/explore/").status_code == 200


def test_the_explore_api(client, ada, bob):
    conversation = start(ada, "Lively square")
    join(bob, conversation)
    body = client.get("/api/v1/explore").json()
    [item] = body["conversations"]
    assert item["title"] == "Lively square"
    assert item["participants_count"] == 2
    assert {p["handle"] for p in body["people"]} >= {"ada"}


# --- Home ---------------------------------------------------------------------------------------


def test_visitors_get_the_welcome_page_and_members_their_home(client, ada):
    assert "Sign in" in client.get("/").text
    assert "feed-heading" not in client.get("/").text
    text = signed_in(ada).get("/").text
    assert "Welcome, Ada Lovelace." in text
    assert "Nothing here yet" in text


def test_homes_first_address_leads_to_the_site_address(client):
    response = client.get("/home/", {"before": "2026-01-01T00:00:00+00:00"})
    assert response.status_code == 301
    assert response["Location"] == "/?before=2026-01-01T00%3A00%3A00%2B00%3A00"


def test_home_shows_invitations_activity_and_followed_peoples_conversations(ada, bob):
    carol = UserFactory(handle="carol", display_name="Carol")
    Follow.objects.create(follower=ada, followed=carol)
    invited = start(bob, "Come talk")
    services.conversation_invite(inviter=bob, conversation_id=invited.pk, addresses=["@ada"])
    mine = start(ada, "My room")
    join(bob, mine)
    start(carol, "Carol new room")
    text = signed_in(ada).get("/").text
    assert "Come talk" in text
    assert "invited you to take part" in text
    assert "My room" in text
    assert "Carol new room" in text
    assert "started a conversation" in text


def test_a_busy_conversation_is_one_entry_on_home(ada, bob):
    room = start(ada, "Busy room")
    join(bob, room)
    client = signed_in(ada)
    client.get("/")  # seen
    for n in range(30):
        post(bob, room, f"Message {n}.")
    text = client.get("/").text
    assert text.count("Busy room") == 1
    assert "30 new" in text


def test_home_marks_what_is_new_since_the_last_visit(ada, bob):
    room = start(ada, "Room")
    join(bob, room)
    client = signed_in(ada)
    assert "feed-item--unread" in client.get("/").text
    assert "feed-item--unread" not in client.get("/").text
    post(bob, room, "Something new.")
    text = client.get("/").text
    assert "feed-item--unread" in text
    assert "1 new" in text


def test_a_visit_with_nothing_new_writes_nothing(ada, bob):
    room = start(ada, "Room")
    join(bob, room)
    client = signed_in(ada)
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        text = client.get("/").text
    assert "feed-item--unread" not in text
    # The last visit is read, and not written again.
    visits = [q["sql"] for q in queries.captured_queries if "discovery_homevisit" in q["sql"]]
    assert len(visits) == 1
    assert visits[0].startswith("SELECT")


def test_home_never_shows_what_the_member_may_not_see(ada, bob):
    Follow.objects.create(follower=ada, followed=bob)
    start(bob, "Bob's private room", visibility=Visibility.PRIVATE)
    hidden = start(bob, "Bob's hidden room")
    Conversation.objects.filter(pk=hidden.pk).update(hidden_at=timezone.now())
    text = signed_in(ada).get("/").text
    assert "private room" not in text
    assert "hidden room" not in text
    assert "Nothing here yet" in text


def test_home_leaves_out_suspended_and_blocking_people(ada, bob):
    carol = UserFactory(handle="carol")
    for person in (bob, carol):
        Follow.objects.create(follower=ada, followed=person)
        start(person, f"Room of {person.handle}")
        with ratelimits_suspended():
            collections.collection_create(owner=person, title=f"Shelf of {person.handle}")
    shared = start(ada, "Shared room")
    join(bob, shared)
    join(carol, shared)
    client = signed_in(ada)
    client.get("/")
    seen = HomeVisit.objects.get(user=ada).seen_at
    post(bob, shared, "From Bob.")
    post(carol, shared, "From Carol.")
    text = client.get("/").text
    assert "Room of bob" in text
    assert "Shelf of carol" in text
    assert "2 new" in text
    HomeVisit.objects.filter(user=ada).update(seen_at=seen)  # as before that visit
    Action.objects.create(
        kind=ActionKind.SUSPEND, subject=bob, target_kind="person", target_id=bob.pk, reason="r"
    )
    Block.objects.create(blocker=carol, blocked=ada)
    text = client.get("/").text
    for gone in ("Room of bob", "Room of carol", "Shelf of bob", "Shelf of carol"):
        assert gone not in text
    assert "Shared room" in text
    assert " new)" not in text


def test_home_pages_work_without_javascript(ada):
    carol = UserFactory()
    Follow.objects.create(follower=ada, followed=carol)
    for n in range(25):
        conversation = start(carol, f"Room {n:02d}")
        Conversation.objects.filter(pk=conversation.pk).update(
            created_at=timezone.now() - timedelta(minutes=n)
        )
    client = signed_in(ada)
    first = client.get("/").text
    assert "Room 00" in first
    assert "Room 19" in first
    assert "Room 20" not in first
    link = first.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    second = client.get("/" + link).text
    assert "Room 20" in second
    assert "Room 24" in second
    assert "Room 19" not in second


def follow_busy_people(person, count):
    """`count` people whom `person` follows, each with a conversation of their own, one with
    `person` in it, and a followed collection with an item."""
    for n in range(count):
        other = UserFactory()
        Follow.objects.create(follower=person, followed=other)
        start(other, f"Room {n}")
        room = start(other, f"Shared {n}")
        join(person, room)
        post(other, room, "Hello.")
        shelf = shelf_of(other, f"Shelf {n}")
        with ratelimits_suspended():
            collections.collection_follow(user=person, collection_id=shelf.pk, follow=True)
        add_note(other, shelf, f"Note {n}")


def home_queries(client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    return len(queries)


def test_home_needs_the_same_few_queries_however_much_is_followed(
    ada, django_assert_max_num_queries
):
    client = signed_in(ada)
    follow_busy_people(ada, 1)
    client.get("/")  # the first visit records it
    few = home_queries(client)
    follow_busy_people(ada, 40)
    with_news = home_queries(client)  # new entries, counted; the visit recorded again
    assert home_queries(client) == few
    # The session, the person, the last visit, the page (every source in one statement), the
    # site's settings, the unread notifications; and the visit recorded when there is news.
    assert few <= 6
    assert with_news == few + 1
    with django_assert_max_num_queries(few):
        client.get("/?before=2100-01-01T00:00:00%2B00:00")


def test_home_shows_what_the_visibility_rules_let_the_member_find(ada):
    """Home's sources are written in SQL: they must keep to the rules of `visibility` and of
    the collections' selectors, whoever started what, whatever its visibility."""
    bob = UserFactory(handle="bob")
    people = {
        "bob": bob,
        "suspended": UserFactory(handle="suspended"),
        "blocked": UserFactory(handle="blocked"),
        "blocking": UserFactory(handle="blocking"),
        "inactive": UserFactory(handle="inactive"),
    }
    stranger = UserFactory(handle="stranger")
    for name, person in [*people.items(), ("stranger", stranger)]:
        if person is not stranger:
            Follow.objects.create(follower=ada, followed=person)
        for shown in Visibility:
            start(person, f"{name} {shown} room", visibility=shown)
        Conversation.objects.filter(pk=start(person, f"{name} hidden room").pk).update(
            hidden_at=timezone.now()
        )
        for shown in CollectionVisibility:
            shelf = shelf_of(person, f"{name} {shown} shelf", visibility=shown)
            CollectionFollow.objects.create(collection=shelf, user=ada)
            add_note(person, shelf, f"{name} {shown} note")
        shared = shelf_of(person, f"{name} shared shelf", visibility=CollectionVisibility.PRIVATE)
        Contributor.objects.create(collection=shared, user=ada)
        CollectionFollow.objects.create(collection=shared, user=ada)
        add_note(person, shared, f"{name} shared note")
        hidden = shelf_of(person, f"{name} hidden shelf")
        CollectionFollow.objects.create(collection=hidden, user=ada)
        add_note(person, hidden, f"{name} hidden note")
        Collection.objects.filter(pk=hidden.pk).update(hidden_at=timezone.now())
    joined, left = start(bob, "bob joined room"), start(bob, "bob left room")
    join(ada, joined)
    join(ada, left)
    Participant.objects.filter(conversation=left, user=ada).update(removed_at=timezone.now())
    # An item by a person suspended later, in a collection of someone findable.
    guest = shelf_of(bob, "bob guest shelf", policy=ContributionPolicy.INVITED)
    CollectionFollow.objects.create(collection=guest, user=ada)
    Contributor.objects.create(collection=guest, user=people["suspended"])
    add_note(people["suspended"], guest, "A guest note")
    Action.objects.create(
        kind=ActionKind.SUSPEND,
        subject=people["suspended"],
        target_kind="person",
        target_id=people["suspended"].pk,
        reason="r",
    )
    Block.objects.create(blocker=ada, blocked=people["blocked"])
    Block.objects.create(blocker=people["blocking"], blocked=ada)
    people["inactive"].is_active = False
    people["inactive"].save(update_fields=["is_active"])

    findable = people_findable_by(ada)
    followed = Follow.objects.filter(follower=ada).values("followed_id")
    conversations = (
        conversations_findable(ada)
        .filter(starter__in=findable)
        .filter(starter__in=followed)
        .exclude(participants__user=ada)
    )
    collections_by_followed = collections_findable(ada).filter(owner__in=followed)
    added = Connection.objects.filter(
        status=ConnectionStatus.APPROVED,
        item__published_at__isnull=False,
        item__hidden_at__isnull=True,
        item__author__in=findable,
    ).exclude(item__author=ada)
    collections_followed = (
        Collection.objects.filter(follows__user=ada, hidden_at__isnull=True, owner__in=findable)
        .filter(
            Q(visibility__in=[CollectionVisibility.PUBLIC, CollectionVisibility.UNLISTED])
            | Q(pk__in=collections_of_member(viewer=ada).values("pk"))
        )
        .filter(pk__in=added.values("collection_id"))
    )
    expected = {
        "followed_conversation": {"bob public room"},
        "followed_collection": {"bob public shelf", "bob shared shelf", "bob guest shelf"},
        # Followed collections, whoever owns them; not "bob guest shelf": only the suspended
        # guest added to it.
        "collection_items": {
            f"{owner} {shelf} shelf"
            for owner in ("bob", "stranger")
            for shelf in ("public", "unlisted", "shared")
        },
    }
    for kind, rule in (
        ("followed_conversation", conversations),
        ("followed_collection", collections_by_followed),
        ("collection_items", collections_followed),
    ):
        assert set(rule.values_list("title", flat=True)) == expected[kind]
        assert titles_on_home(ada, kind) == expected[kind]
    assert titles_on_home(ada, "activity") == {"bob joined room"}


def test_a_followed_collection_shows_at_its_latest_visible_addition(ada, bob):
    shelf = shelf_of(bob, "Harbour notes")
    with ratelimits_suspended():
        collections.collection_follow(user=ada, collection_id=shelf.pk, follow=True)
    client = signed_in(ada)
    client.get("/")  # seen
    first = add_note(bob, shelf, "First")
    second = add_note(bob, shelf, "Second")
    [entry] = home_feed(viewer=ada).events
    assert (entry.at, entry.count) == (second.created_at, 2)
    Item.objects.filter(pk=second.item_id).update(hidden_at=timezone.now())
    [entry] = home_feed(viewer=ada).events
    assert (entry.at, entry.count) == (first.created_at, 1)
    assert "1 new" in client.get("/").text
    Item.objects.filter(pk=first.item_id).update(hidden_at=timezone.now())
    assert "Harbour notes" not in client.get("/").text


def test_home_pages_through_followed_collections(ada, bob):
    for n in range(25):
        shelf = shelf_of(bob, f"Shelf {n:02d}")
        with ratelimits_suspended():
            collections.collection_follow(user=ada, collection_id=shelf.pk, follow=True)
        added = add_note(bob, shelf, f"Note {n}")
        Connection.objects.filter(pk=added.pk).update(
            created_at=timezone.now() - timedelta(minutes=n)
        )
    first = home_feed(viewer=ada)
    assert [event.title for event in first.events] == [f"Shelf {n:02d}" for n in range(20)]
    second = home_feed(viewer=ada, before=first.older)
    assert [event.title for event in second.events] == [f"Shelf {n:02d}" for n in range(20, 25)]
    assert second.older is None


def test_hidden_messages_no_longer_count_as_new_on_the_next_load(ada, bob):
    room = start(ada, "Room")
    join(bob, room)
    client = signed_in(ada)
    client.get("/")  # seen
    posted = [post(bob, room, f"Message {n}.") for n in range(3)]
    assert "3 new" in client.get("/").text
    HomeVisit.objects.filter(user=ada).update(seen_at=room.created_at)  # as before that visit
    Message.objects.filter(pk=posted[0].pk).update(hidden_at=timezone.now())
    assert "2 new" in client.get("/").text


def test_a_conversation_turned_private_leaves_home_on_the_next_load(ada, bob):
    Follow.objects.create(follower=ada, followed=bob)
    square = start(bob, "Bob's square")
    client = signed_in(ada)
    assert "Bob&#x27;s square" in client.get("/").text
    Conversation.objects.filter(pk=square.pk).update(visibility=Visibility.PRIVATE)
    assert "Bob&#x27;s square" not in client.get("/").text


def test_the_home_api(ada, bob):
    room = start(ada, "Room")
    join(bob, room)
    post(bob, room, "Hi.")
    client = signed_in(ada)
    body = client.get("/api/v1/home").json()
    assert body["results"][0]["title"] == "Room"
    assert body["results"][0]["unread"] is True
    assert client.get("/api/v1/home").json()["results"][0]["unread"] is False
    assert Client().get("/api/v1/home").status_code == 401
