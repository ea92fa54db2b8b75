"""Notifications in a real browser: the header's counter, the list, opening one, mark all read,
and the settings table. axe-core checks every page visited (see conftest.py)."""

import pytest

from perchoir.notifications.models import NotificationKind
from perchoir.notifications.selectors import notification_preferences_get
from perchoir.notifications.services import notification_send_many
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_someone_sees_the_counter_opens_a_notification_and_marks_all_read(page, sign_in):
    ada = UserFactory(handle="ada", display_name="Ada Lovelace")
    camille = UserFactory(handle="camille")
    for title in ("Swifts", "Starlings", "Herons"):
        notification_send_many(
            recipients=[camille],
            kind=NotificationKind.MESSAGE_MENTION,
            actor=ada,
            url="/@ada",
            params={"title": title, "excerpt": "Look up tonight"},
        )
    sign_in(page, camille)

    page.goto("/")
    header = page.get_by_role("navigation", name="Main")
    header.get_by_role("link", name="Notifications, 3 unread").click()
    page.wait_for_url("**/notifications/")
    main = page.locator("main")
    assert page.get_by_role("heading", level=1).inner_text() == "Notifications"
    items = main.get_by_role("listitem")
    assert items.count() == 3
    assert "Ada Lovelace mentioned you in “Herons”: Look up tonight" in items.first.inner_text()

    main.get_by_role("link", name="Unread Ada Lovelace mentioned you in “Starlings”").click()
    page.wait_for_url("**/@ada")
    header.get_by_role("link", name="Notifications, 2 unread").click()
    page.wait_for_url("**/notifications/")
    assert main.get_by_text("Unread", exact=True).count() == 2

    main.get_by_role("button", name="Mark all as read").click()
    page.wait_for_load_state()
    assert "All your notifications are marked as read." in main.inner_text()
    assert main.get_by_text("Unread", exact=True).count() == 0
    assert header.get_by_role("link", name="Notifications", exact=True).is_visible()


def test_someone_turns_off_emails_for_mentions(page, sign_in):
    camille = UserFactory(handle="camille")
    sign_in(page, camille)
    page.goto("/settings/notifications/")
    box = page.get_by_label("Mentions of you: by email")
    assert box.is_checked()
    box.uncheck()
    page.get_by_role("button", name="Save my notification settings").click()
    page.wait_for_load_state()
    assert "Your notification settings are saved." in page.locator("main").inner_text()
    assert not page.get_by_label("Mentions of you: by email").is_checked()
    chosen = {p.kind: (p.in_app, p.email) for p in notification_preferences_get(user=camille)}
    assert chosen["message_mention"] == (True, False)
