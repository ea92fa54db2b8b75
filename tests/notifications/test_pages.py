"""The notifications page, the header's counter and the settings page, without JavaScript."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.utils import timezone

from perchoir.core.selectors import site_settings_get
from perchoir.notifications import views
from perchoir.notifications.models import Notification, NotificationKind
from perchoir.notifications.selectors import notification_preferences_get
from tests.core.pages import assert_designed_page
from tests.factories import UserFactory

from .conftest import URL

pytestmark = pytest.mark.django_db

LIST = "/notifications/"
SETTINGS = "/settings/notifications/"


def items(page: str) -> list[str]:
    """The text of each notification in the list, in order, tags removed."""
    found = re.findall(r'<li class="notification[^"]*">(.*?)</li>', page, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in found]


def test_the_list_shows_newest_first_and_marks_the_unread(member_client, member, notify):
    older = notify(member, kind=NotificationKind.CONVERSATION_INVITATION, title="Old birds")
    Notification.objects.filter(id=older.id).update(read_at=timezone.now())
    notify(member, kind=NotificationKind.MESSAGE_MENTION, title="New birds")
    page = assert_designed_page(member_client.get(LIST))
    newest, oldest = items(page)
    assert "Unread Ada Lovelace mentioned you in “New birds” just now" in newest
    assert "Ada Lovelace invited you to “Old birds”" in oldest
    assert "Unread" not in oldest
    assert page.count('class="notification notification--unread"') == 1
    assert f'href="/notifications/{older.id}/"' in page
    assert 'action="/notifications/read-all/"' in page


@pytest.mark.parametrize("count", [3, 25])
def test_the_list_keeps_its_query_count(
    member_client, member, notify, count, django_assert_max_num_queries
):
    for index in range(count):
        notify(member, actor=UserFactory(), title=f"Conversation {index}")
    site_settings_get()
    # Session, person, site settings, unread counter, the page of notifications.
    with django_assert_max_num_queries(5):
        page = member_client.get(LIST).content.decode()
    assert len(items(page)) == count


def test_an_empty_list_says_so_and_offers_the_settings(member_client):
    page = assert_designed_page(member_client.get(LIST))
    assert "No notifications yet" in page
    assert f'href="{SETTINGS}"' in page
    assert "Mark all as read" not in page


def test_older_notifications_are_a_link_away(member_client, member, notify, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for index in range(5):
        notify(member, title=f"T{index}")
    seen, url = [], LIST
    for _ in range(5):
        page = member_client.get(url).content.decode()
        seen += [re.search(r"“(T\d)”", item).group(1) for item in items(page)]
        older = re.search(r'href="(\?before=[^"]+)" rel="next"', page)
        if older is None:
            break
        url = LIST + older.group(1).replace("&amp;", "&")
    assert seen == ["T4", "T3", "T2", "T1", "T0"]
    assert "Newest" in page


def test_a_damaged_cursor_starts_again_from_the_newest(member_client, member, notify):
    notify(member, title="Only one")
    page = member_client.get(LIST + "?before=garbage-x").content.decode()
    assert len(items(page)) == 1


def test_the_list_needs_a_signed_in_person(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_opening_a_notification_marks_it_read_and_goes_there(member_client, member, notify):
    notification = notify(member, url="/conversations/7/#m12")
    response = member_client.get(f"/notifications/{notification.id}/")
    assert response.status_code == 302
    assert response["Location"] == "/conversations/7/#m12"
    notification.refresh_from_db()
    assert not notification.is_unread


@pytest.mark.parametrize(
    "url", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"]
)
def test_opening_never_leaves_the_site(member_client, member, notify, url):
    notification = notify(member)
    Notification.objects.filter(id=notification.id).update(url=url)  # as if written by a bug
    response = member_client.get(f"/notifications/{notification.id}/")
    assert response.status_code == 302
    assert response["Location"] == LIST


def test_other_peoples_notifications_are_not_found(member_client, notify):
    theirs = notify(UserFactory())
    response = member_client.get(f"/notifications/{theirs.id}/")
    assert response.status_code == 404
    assert Notification.objects.get(id=theirs.id).is_unread


def test_mark_all_as_read_is_a_form_that_works_without_javascript(member_client, member, notify):
    for _ in range(3):
        notify(member)
    assert member_client.get("/notifications/read-all/").status_code == 405
    response = member_client.post("/notifications/read-all/", follow=True)
    page = assert_designed_page(response)
    assert "All your notifications are marked as read." in page
    assert 'class="notification notification--unread"' not in page
    assert "Mark all as read" not in page
    assert not Notification.objects.filter(read_at__isnull=True).exists()


# --- The header's counter -----------------------------------------------------------------------


def test_the_header_counts_the_unread_for_eyes_and_ears(member_client, member, notify):
    page = member_client.get("/").content.decode()
    assert re.search(
        r'<a href="/notifications/" class="site-nav__notifications">Notifications</a>', page
    )
    for _ in range(3):
        notify(member)
    read = notify(member)
    Notification.objects.filter(id=read.id).update(read_at=timezone.now())
    page = member_client.get("/").content.decode()
    assert 'aria-label="Notifications, 3 unread">Notifications <span class="badge' in page
    assert '<span class="badge badge--accent site-nav__count" aria-hidden="true">3</span>' in page


def test_the_header_stops_counting_at_99(member_client, member, ada):
    Notification.objects.bulk_create(
        Notification(recipient=member, kind="message_reply", actor=ada, url=URL) for _ in range(120)
    )
    page = member_client.get("/").content.decode()
    assert 'aria-label="Notifications, more than 99 unread"' in page
    assert 'aria-hidden="true">99+</span>' in page


def test_the_counter_costs_one_query_and_nothing_for_visitors(
    client, member, django_assert_num_queries
):
    site_settings_get()
    # The search page's form reads nothing itself (a member's home at "/" reads their feed).
    with django_assert_num_queries(1):  # the site's settings
        page = client.get("/search/").content.decode()
    assert "/notifications/" not in page
    client.force_login(member)
    client.get("/search/")
    # Person, site settings, the counter, and the session unless the cache holds it (Redis).
    session_reads = 1 if settings.SESSION_ENGINE.endswith(".db") else 0
    with django_assert_num_queries(3 + session_reads):
        client.get("/search/")


def test_the_header_link_is_current_on_the_list(member_client):
    page = member_client.get(LIST).content.decode()
    assert 'class="site-nav__notifications" aria-current="page"' in page


# --- Settings -------------------------------------------------------------------------------------


def test_settings_show_a_table_of_kinds_with_labelled_boxes(
    member_client, member, django_assert_max_num_queries
):
    site_settings_get()
    # Session, person, site settings, counter, preferences, verified address.
    with django_assert_max_num_queries(6):
        response = member_client.get(SETTINGS)
    page = assert_designed_page(response)
    assert 'aria-current="page">Notifications</a>' in page  # the settings section
    assert '<th scope="row">Mentions of you</th>' in page
    for kind in NotificationKind:
        for channel in ("in_app", "email"):
            name = f"{kind}-{channel}"
            assert re.search(rf'<input type="checkbox" name="{name}" id="id_{name}"', page)
            assert f'<label for="id_{name}" class="visually-hidden">' in page
    assert "Mentions of you: by email</label>" in page
    assert re.search(r'name="message_mention-email" id="id_message_mention-email" checked', page)
    assert not re.search(r'name="conversation_join_declined-email"[^>]*checked', page)
    assert "no verified email address" not in page


def test_saving_settings_keeps_exactly_the_boxes_ticked(member_client, member):
    ticked = {f"{kind}-in_app": "on" for kind in NotificationKind}
    ticked.pop("message_reply-in_app")
    ticked["conversation_join_declined-email"] = "on"
    response = member_client.post(SETTINGS, ticked, follow=True)
    assert "Your notification settings are saved." in response.content.decode()
    chosen = {p.kind: (p.in_app, p.email) for p in notification_preferences_get(user=member)}
    assert chosen["message_reply"] == (False, False)
    assert chosen["conversation_join_declined"] == (True, True)
    assert chosen["message_mention"] == (True, False)


def test_saving_with_every_box_unticked_turns_everything_off(member_client, member):
    member_client.post(SETTINGS, {})
    chosen = notification_preferences_get(user=member)
    assert all((p.in_app, p.email) == (False, False) for p in chosen)


def test_settings_warn_when_no_email_can_be_sent(member_client, member):
    EmailAddress.objects.filter(user=member).update(verified=False)
    page = member_client.get(SETTINGS).content.decode()
    assert "You have no verified email address, so no email can reach you." in page
    assert 'href="/accounts/email/"' in page


def test_the_settings_page_is_in_the_settings_menu(member_client):
    page = member_client.get("/settings/preferences/").content.decode()
    assert f'<a href="{SETTINGS}">Notifications</a>' in page


def test_the_counter_speaks_french_too(member_client, member, notify):
    member.language = "fr"
    member.save(update_fields=["language"])
    notify(member)
    page = member_client.get("/").content.decode()
    assert 'aria-label="Notifications, 1 non lue"' in page
    notify(member)
    page = member_client.get("/").content.decode()
    assert 'aria-label="Notifications, 2 non lues"' in page
