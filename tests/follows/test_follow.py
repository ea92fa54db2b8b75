"""Following people: on profiles, in lists, through the API; never oneself, never twice."""

import pytest
from django.test import Client

from perchoir.accounts.models import User
from perchoir.core.errors import InvalidInput, NotFound, RateLimited
from perchoir.core.selectors import site_settings_get
from perchoir.follows import services
from perchoir.follows.models import Follow
from perchoir.follows.permissions import can_follow
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_following_twice_is_one_follow(member):
    ada = UserFactory(handle="ada")
    services.follow_create(follower=member, handle="ada")
    services.follow_create(follower=member, handle="@ADA")
    assert list(Follow.objects.values_list("follower", "followed")) == [(member.id, ada.id)]


def test_following_oneself_is_refused_with_a_message(member):
    with pytest.raises(InvalidInput, match="cannot follow yourself"):
        services.follow_create(follower=member, handle=member.handle)
    assert not Follow.objects.exists()


def test_database_refuses_a_self_follow_too(member):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Follow.objects.create(follower=member, followed=member)


def test_inactive_or_unknown_people_cannot_be_followed(member):
    UserFactory(handle="gone", is_active=False)
    for handle in ("gone", "nobody"):
        with pytest.raises(NotFound):
            services.follow_create(follower=member, handle=handle)
    assert not Follow.objects.exists()


def test_unfollowing_is_idempotent(member):
    UserFactory(handle="ada")
    services.follow_create(follower=member, handle="ada")
    services.follow_delete(follower=member, handle="ada")
    services.follow_delete(follower=member, handle="ada")
    assert not Follow.objects.exists()


def test_following_too_fast_is_rate_limited(member, monkeypatch):
    monkeypatch.setattr(services, "FOLLOW_LIMIT", 2)
    for handle in ("a1", "a2", "a3"):
        UserFactory(handle=handle)
    services.follow_create(follower=member, handle="a1")
    services.follow_create(follower=member, handle="a2")
    with pytest.raises(RateLimited):
        services.follow_create(follower=member, handle="a3")
    assert Follow.objects.count() == 2


@pytest.mark.parametrize(
    ("viewer", "person", "allowed"),
    [
        ("member", "other", True),
        ("member", "member", False),
        ("member", "inactive", False),
        ("inactive", "other", False),
        ("anonymous", "other", False),
    ],
)
def test_who_may_follow_whom(viewer, person, allowed):
    from django.contrib.auth.models import AnonymousUser

    people = {
        "member": User(id=1, handle="m", is_active=True),
        "other": User(id=2, handle="o", is_active=True),
        "inactive": User(id=3, handle="i", is_active=False),
        "anonymous": AnonymousUser(),
    }
    assert can_follow(people[viewer], people[person]) is allowed


# --- Pages ----------------------------------------------------------------------------------


def test_profile_shows_counts_and_a_follow_button_that_works_without_js(
    member_client, member, django_assert_max_num_queries
):
    ada = UserFactory(handle="ada")
    for _ in range(3):
        services.follow_create(follower=UserFactory(), handle="ada")
    services.follow_create(follower=ada, handle=member.handle)
    site_settings_get()

    # The profile's queries, with its linked identities shown (perchoir.accounts.identities),
    # its collections, and the signed-in reader's unread notifications counter.
    with django_assert_max_num_queries(8):
        page = member_client.get("/@ada").content.decode()
    assert "<strong>3</strong> followers" in page
    assert "<strong>1</strong> following" in page
    assert 'action="/@ada/follow/"' in page

    response = member_client.post("/@ada/follow/")
    assert response.status_code == 302
    assert response["Location"] == "/@ada"
    page = member_client.get("/@ada").content.decode()
    assert "You follow" in page
    assert "<strong>4</strong> followers" in page
    assert 'action="/@ada/unfollow/"' in page

    member_client.post("/@ada/unfollow/", {"next": "https://evil.example/"})
    page = member_client.get("/@ada").content.decode()
    assert "You no longer follow @ada." in page
    assert "<strong>3</strong> followers" in page


def test_own_profile_has_no_follow_button_and_posting_one_says_why(member_client, member):
    page = member_client.get(f"/@{member.handle}").content.decode()
    assert "/follow/" not in page
    response = member_client.post(f"/@{member.handle}/follow/", follow=True)
    assert "You cannot follow yourself." in response.content.decode()
    assert not Follow.objects.exists()


def test_following_an_inactive_person_from_the_site_is_not_found(member_client):
    UserFactory(handle="gone", is_active=False)
    assert member_client.post("/@gone/follow/").status_code == 404
    assert not Follow.objects.exists()


def test_follow_form_without_csrf_token_is_refused(member):
    UserFactory(handle="ada")
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    assert client.post("/@ada/follow/").status_code == 403
    assert not Follow.objects.exists()


def test_signed_out_visitors_are_sent_to_sign_in_to_follow(client):
    UserFactory(handle="ada")
    response = client.post("/@ada/follow/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not Follow.objects.exists()


@pytest.mark.parametrize("count", [2, 12])
def test_follower_and_following_lists_keep_their_query_count(
    member_client, member, count, django_assert_max_num_queries
):
    ada = UserFactory(handle="ada")
    fans = [UserFactory() for _ in range(count)]
    for fan in fans:
        services.follow_create(follower=fan, handle="ada")
        services.follow_create(follower=ada, handle=fan.handle)
    services.follow_create(follower=member, handle=fans[0].handle)
    UserFactory(handle="quiet", is_active=False)
    site_settings_get()

    # With the signed-in reader's unread notifications counter.
    with django_assert_max_num_queries(8):
        page = member_client.get("/@ada/followers/").content.decode()
    assert "People who follow" in page
    assert all(f"@{fan.handle}" in page for fan in fans)
    assert page.count('action="/@') == count  # one follow or unfollow button each
    assert f'action="/@{fans[0].handle}/unfollow/"' in page

    with django_assert_max_num_queries(8):
        page = member_client.get("/@ada/following/").content.decode()
    assert all(f"@{fan.handle}" in page for fan in fans)


def test_lists_are_paginated_and_hide_inactive_people(client, monkeypatch):
    from perchoir.follows import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    ada = UserFactory(handle="ada")
    for handle in ("f1", "f2", "f3", "f4"):
        services.follow_create(follower=UserFactory(handle=handle), handle="ada")
    User.objects.filter(handle="f4").update(is_active=False)

    first = client.get("/@ada/followers/").content.decode()
    assert "@f3" in first
    assert "@f2" in first
    assert "@f1" not in first
    assert "@f4" not in first
    assert "Page 1 of 2" in first
    second = client.get("/@ada/followers/?page=2").content.decode()
    assert "@f1" in second
    assert "@f3" not in second
    assert ada.handle in second
    assert client.get("/@ada/following/").status_code == 200
    assert "Not following anyone yet" in client.get("/@ada/following/").content.decode()
    assert client.get("/@nobody/followers/").status_code == 404


# --- API ------------------------------------------------------------------------------------


def test_api_follow_and_unfollow(bearer, member):
    UserFactory(handle="ada")
    response = bearer.post("/api/v1/people/ada/follow")
    assert response.status_code == 200
    assert response.json() == {"handle": "ada", "following": True, "followers_count": 1}
    assert bearer.post("/api/v1/people/ada/follow").json()["followers_count"] == 1
    response = bearer.delete("/api/v1/people/ada/follow")
    assert response.json() == {"handle": "ada", "following": False, "followers_count": 0}


def test_api_refuses_self_follow_and_inactive_people(bearer, member):
    UserFactory(handle="gone", is_active=False)
    response = bearer.post(f"/api/v1/people/{member.handle}/follow")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "You cannot follow yourself."
    assert bearer.post("/api/v1/people/gone/follow").json()["error"]["code"] == "not_found"
    assert not Follow.objects.exists()


def test_api_follow_with_session_but_no_csrf_token_is_refused(member):
    UserFactory(handle="ada")
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post("/api/v1/people/ada/follow")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"
    assert not Follow.objects.exists()


def test_api_lists_followers_and_following_with_a_cursor(client, django_assert_max_num_queries):
    UserFactory(handle="ada")
    handles = [f"fan{i}" for i in range(25)]
    for handle in handles:
        services.follow_create(follower=UserFactory(handle=handle), handle="ada")

    with django_assert_max_num_queries(4):
        first = client.get("/api/v1/people/ada/followers").json()
    assert [row["handle"] for row in first["results"]] == handles[::-1][:20]
    assert first["results"][0]["profile_url"] == "http://testserver/@fan24"
    second = client.get(first["next"]).json()
    assert [row["handle"] for row in second["results"]] == handles[::-1][20:]

    following = client.get("/api/v1/people/fan3/following").json()
    assert [row["handle"] for row in following["results"]] == ["ada"]
    assert client.get("/api/v1/people/nobody/followers").status_code == 404
