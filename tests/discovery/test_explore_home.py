"""Explore for anyone and home for members: lively, bounded, and never showing the unseeable."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from perchoir.collections import services as collections
from perchoir.conversations import services
from perchoir.conversations.models import Conversation, Visibility
from perchoir.core.ratelimit import ratelimits_suspended
from perchoir.discovery import visibility
from perchoir.discovery.models import HomeVisit
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


@pytest.mark.parametrize("listed", [True, False], ids=["listed", "too-many-to-list"])
def test_home_leaves_out_suspended_and_blocking_people(ada, bob, listed, monkeypatch):
    """Home reads who is hidden from the viewer once, as a list of ids, or, when there are
    too many to list, keeps the subqueries: both leave out the same people."""
    if not listed:
        monkeypatch.setattr(visibility, "HIDDEN_PEOPLE_LISTED", 0)
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


@pytest.mark.parametrize("follows", [1, 40])
def test_home_needs_few_queries_however_much_is_followed(
    ada, follows, django_assert_max_num_queries
):
    from perchoir.collections import services as collections
    from perchoir.collections.services import ItemFields

    for n in range(follows):
        person = UserFactory()
        Follow.objects.create(follower=ada, followed=person)
        start(person, f"Room {n}")
        room = start(person, f"Shared {n}")
        join(ada, room)
        with ratelimits_suspended():
            shelf = collections.collection_create(owner=person, title=f"Shelf {n}")
            collections.collection_follow(user=ada, collection_id=shelf.pk, follow=True)
            collections.item_add(
                actor=person,
                collection_id=shelf.pk,
                kind="article",
                fields=ItemFields(title=f"Note {n}", body="Words."),
            )
    client = signed_in(ada)
    client.get("/")  # the first visit records it
    # Conversations' sources, then collections' (new items: 3, new collections: 1).
    with django_assert_max_num_queries(16):
        assert client.get("/").status_code == 200


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
