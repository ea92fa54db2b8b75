"""Blocking people: on profiles and in settings without JavaScript, through the API; a block
ends the follows both ways, keeps them from coming back, and silences notifications."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.test import Client

from perchoir.accounts.models import User
from perchoir.core.errors import Forbidden, InvalidInput, NotFound
from perchoir.follows import services
from perchoir.follows.models import Block, Follow
from perchoir.follows.permissions import can_block, can_follow
from perchoir.notifications.models import Notification, NotificationKind
from perchoir.notifications.services import notification_send, notification_send_many
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada():
    return UserFactory(handle="ada", display_name="Ada Lovelace")


@pytest.fixture
def bob():
    return UserFactory(handle="bob", display_name="Bob Builder")


def signed_in(person):
    client = Client()
    client.force_login(person)
    return client


# --- Services -----------------------------------------------------------------------------------


def test_a_block_ends_the_follows_both_ways(ada, bob):
    carol = UserFactory(handle="carol")
    services.follow_create(follower=ada, handle="bob")
    services.follow_create(follower=bob, handle="ada")
    services.follow_create(follower=bob, handle="carol")
    services.block_create(blocker=ada, handle="@BOB")
    assert list(Block.objects.values_list("blocker", "blocked")) == [(ada.pk, bob.pk)]
    assert list(Follow.objects.values_list("follower", "followed")) == [(bob.pk, carol.pk)]


def test_nobody_follows_across_a_block_until_it_is_lifted(ada, bob):
    services.block_create(blocker=ada, handle="bob")
    with pytest.raises(Forbidden, match=r"You cannot follow @ada\."):
        services.follow_create(follower=bob, handle="ada")
    with pytest.raises(Forbidden, match=r"You cannot follow @bob\."):
        services.follow_create(follower=ada, handle="bob")
    assert not Follow.objects.exists()
    services.block_delete(blocker=ada, handle="bob")
    services.follow_create(follower=bob, handle="ada")
    assert Follow.objects.filter(follower=bob, followed=ada).exists()


def test_blocking_twice_is_one_block_and_unblocking_is_idempotent(ada, bob):
    services.block_create(blocker=ada, handle="bob")
    services.block_create(blocker=ada, handle="bob")
    assert Block.objects.count() == 1
    services.block_delete(blocker=ada, handle="bob")
    services.block_delete(blocker=ada, handle="bob")
    assert not Block.objects.exists()


def test_blocking_oneself_or_nobody_is_refused(ada):
    with pytest.raises(InvalidInput, match="cannot block yourself"):
        services.block_create(blocker=ada, handle="ada")
    with pytest.raises(NotFound):
        services.block_create(blocker=ada, handle="nobody")
    with pytest.raises(IntegrityError), transaction.atomic():
        Block.objects.create(blocker=ada, blocked=ada)


def test_who_may_block_and_follow_whom():
    member = User(id=1, handle="m", is_active=True)
    other = User(id=2, handle="o", is_active=True)
    assert can_block(member, other)
    assert not can_block(member, member)
    assert not can_block(AnonymousUser(), other)
    assert can_follow(member, other)
    assert not can_follow(member, other, blocked=True)


def test_follow_all_of_an_import_leaves_out_blocked_people(
    ada, bob, django_capture_on_commit_callbacks
):
    carol = UserFactory(handle="carol")
    services.block_create(blocker=bob, handle="ada")
    with django_capture_on_commit_callbacks(execute=True):
        follow_import = services.follow_import_create(user=ada, text="@bob\n@carol\n")
    assert services.follow_import_follow_all(user=ada, import_id=follow_import.pk) == 1
    assert list(Follow.objects.values_list("followed", flat=True)) == [carol.pk]


def test_nobody_is_notified_by_someone_across_a_block(ada, bob):
    carol = UserFactory(handle="carol")
    services.block_create(blocker=ada, handle="bob")
    params = {"title": "Tides"}
    for recipient, actor in ((ada, bob), (bob, ada)):
        assert (
            notification_send(
                recipient=recipient,
                kind=NotificationKind.MESSAGE_MENTION,
                actor=actor,
                url="/",
                params=params,
            )
            is None
        )
    sent = notification_send_many(
        recipients=[ada, carol],
        kind=NotificationKind.MESSAGE_MENTION,
        actor=bob,
        url="/",
        params=params,
    )
    assert sent == 1
    assert list(Notification.objects.values_list("recipient", flat=True)) == [carol.pk]


# --- Pages --------------------------------------------------------------------------------------


def test_block_from_the_profile_without_javascript(ada, bob):
    services.follow_create(follower=ada, handle="bob")
    client = signed_in(ada)
    profile = client.get("/@bob").text
    assert 'href="/@bob/block/"' in profile
    confirm = client.get("/@bob/block/").text
    assert "They are not told." in confirm
    response = client.post("/@bob/block/", follow=True)
    assert "You blocked @bob." in response.text
    assert "You blocked this person." in response.text
    assert 'action="/@bob/unblock/"' in response.text
    assert 'action="/@bob/follow/"' not in response.text
    assert not Follow.objects.exists()
    # The blocked person finds no follow button on the blocker's profile.
    assert 'action="/@ada/follow/"' not in signed_in(bob).get("/@ada").text
    response = signed_in(bob).post("/@ada/follow/", follow=True)
    assert "You cannot follow @ada." in response.text
    assert not Follow.objects.exists()


def test_the_settings_list_the_blocked_people_to_unblock(ada, bob):
    services.block_create(blocker=ada, handle="bob")
    client = signed_in(ada)
    page = client.get("/settings/blocked/").text
    assert "Bob Builder" in page
    assert 'aria-current="page">Blocked people' in page
    response = client.post("/@bob/unblock/", {"next": "/settings/blocked/"}, follow=True)
    assert "You no longer block @bob." in response.text
    assert "Nobody is blocked" in response.text
    assert not Block.objects.exists()


def test_blocking_needs_a_sign_in_and_a_post(client, ada, bob):
    assert "/accounts/login/" in client.get("/@bob/block/")["Location"]
    assert "/accounts/login/" in client.post("/@bob/unblock/")["Location"]
    assert signed_in(ada).get("/@bob/unblock/").status_code == 405
    assert not Block.objects.exists()


# --- API ----------------------------------------------------------------------------------------


def test_api_block_unblock_and_list(bearer, member, ada):
    services.follow_create(follower=member, handle="ada")
    response = bearer.post("/api/v1/people/ada/block")
    assert response.status_code == 200
    assert response.json() == {"handle": "ada", "blocked": True}
    assert not Follow.objects.exists()
    [entry] = bearer.get("/api/v1/me/blocks").json()["results"]
    assert entry["handle"] == "ada"
    refused = bearer.post("/api/v1/people/ada/follow")
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "You cannot follow @ada."
    assert bearer.delete("/api/v1/people/ada/block").json() == {"handle": "ada", "blocked": False}
    assert bearer.get("/api/v1/me/blocks").json()["results"] == []


def test_api_refuses_blocking_oneself_and_visitors(bearer, member, client, ada):
    assert bearer.post(f"/api/v1/people/{member.handle}/block").status_code == 400
    assert bearer.post("/api/v1/people/nobody/block").status_code == 404
    assert client.post("/api/v1/people/ada/block").status_code == 401
