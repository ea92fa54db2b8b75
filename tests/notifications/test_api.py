"""Notifications over the API: the same services as the pages, the shared list and error shapes."""

import pytest
from django.utils import timezone

from perchoir.notifications.models import Notification, NotificationKind
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/notifications"


def test_the_list_is_newest_first_with_a_cursor(
    bearer, member, notify, django_assert_max_num_queries
):
    for index in range(25):
        notify(member, title=f"T{index}", excerpt="Nice")
    notify(UserFactory(), title="Not mine")
    # The token, its last use, the page.
    with django_assert_max_num_queries(4):
        first = bearer.get(API).json()
    assert [item["params"]["title"] for item in first["results"][:2]] == ["T24", "T23"]
    item = first["results"][0]
    assert item["text"] == "Ada Lovelace replied to your message in “T24”: Nice"
    assert item["kind"] == "message_reply"
    assert item["url"] == "http://testserver/conversations/7/"
    assert item["actor"] == {"handle": "ada", "name": "Ada Lovelace"}
    assert item["unread"] is True
    assert item["read_at"] is None
    second = bearer.get(first["next"]).json()
    titles = [i["params"]["title"] for i in first["results"] + second["results"]]
    assert titles == [f"T{index}" for index in reversed(range(25))]
    assert second["next"] is None


def test_the_list_can_show_only_the_unread(bearer, member, notify):
    read = notify(member, title="Read")
    Notification.objects.filter(id=read.id).update(read_at=timezone.now())
    notify(member, title="Unread")
    items = bearer.get(f"{API}?unread=true").json()["results"]
    assert [item["params"]["title"] for item in items] == ["Unread"]


def test_the_text_is_in_the_requests_language(bearer, member, notify):
    notify(member, kind=NotificationKind.CONVERSATION_PARTICIPANT_REMOVED, reason="Hors sujet")
    item = bearer.get(API, HTTP_ACCEPT_LANGUAGE="fr").json()["results"][0]
    assert item["text"] == "Vous ne faites plus partie de « Birds of Paris » : Hors sujet"


def test_unread_count_then_mark_one_then_all(bearer, member, notify):
    first, *_ = (notify(member) for _ in range(3))
    assert bearer.get(f"{API}/unread-count").json() == {"unread": 3}
    response = bearer.post(f"{API}/{first.id}/read")
    assert response.status_code == 200
    assert response.json()["unread"] is False
    assert response.json()["read_at"] is not None
    assert bearer.get(f"{API}/unread-count").json() == {"unread": 2}
    assert bearer.post(f"{API}/read-all").json() == {"marked": 2}
    assert bearer.get(f"{API}/unread-count").json() == {"unread": 0}


def test_other_peoples_notifications_are_not_found(bearer, notify):
    theirs = notify(UserFactory())
    response = bearer.post(f"{API}/{theirs.id}/read")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert Notification.objects.get(id=theirs.id).is_unread


def test_preferences_are_read_and_changed_kind_by_kind(bearer):
    preferences = bearer.get(f"{API}/preferences").json()
    assert [p["kind"] for p in preferences] == list(NotificationKind.values)
    mention = next(p for p in preferences if p["kind"] == "message_mention")
    assert mention == {
        "kind": "message_mention",
        "label": "Mentions of you",
        "in_app": True,
        "email": True,
    }
    response = bearer.patch(
        f"{API}/preferences",
        {"preferences": [{"kind": "message_mention", "in_app": True, "email": False}]},
        content_type="application/json",
    )
    assert response.status_code == 200
    after = {p["kind"]: (p["in_app"], p["email"]) for p in response.json()}
    assert after["message_mention"] == (True, False)
    assert after["message_reply"] == (True, True)  # untouched


def test_an_unknown_kind_is_a_400_naming_the_field(bearer, member):
    response = bearer.patch(
        f"{API}/preferences",
        {"preferences": [{"kind": "nothing_like_it", "in_app": True, "email": False}]},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "preferences.0.kind" in response.json()["error"]["fields"]
    assert not member.notification_preferences.exists()


def test_the_api_needs_someone_signed_in(client):
    response = client.get(API)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_the_session_works_too_with_its_csrf_token(member_client, member, notify):
    notify(member)
    assert member_client.get(f"{API}/unread-count").json() == {"unread": 1}
