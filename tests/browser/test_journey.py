"""The foundation's whole story in a real browser: founder link → first account → invite link →
a second person joins through it → edits their profile and avatar → switches to French.

axe-core checks every page visited on the way (see conftest.py).
"""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail

from perchoir.accounts.models import Role, User
from perchoir.invitations.services import founder_link_issue

from ..media.images import image_bytes

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a long and quiet perch"


def confirmation_path(address: str) -> str:
    """The email-confirmation link last sent to `address`, as a path on the live server."""
    message = next(m for m in reversed(mail.outbox) if address in m.to)
    url = re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body)
    assert url, f"no confirmation link in: {message.body}"
    return urlsplit(url.group(0)).path


def sign_up(page, *, email: str, handle: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Handle").fill(handle)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_load_state()
    assert "Verify your email" in page.content() or "confirm" in page.content().lower()


def confirm_email(page, address: str) -> None:
    page.goto(confirmation_path(address))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()


def test_founder_invites_a_friend_who_builds_a_profile_in_french(
    page, browser, live_server, page_checker
):
    # 1. The one-time founder link printed by `perchoir run`.
    founder_url = founder_link_issue()
    assert founder_url
    page.goto(urlsplit(founder_url).path)
    assert "You are the founder" in page.locator("main").inner_text()
    sign_up(page, email="founder@example.org", handle="Founder")
    confirm_email(page, "founder@example.org")
    founder = User.objects.get(handle="Founder")
    assert founder.role == Role.ADMIN

    # The link is one-time: it no longer opens the door.
    page.goto(urlsplit(founder_url).path)
    assert "already been used" in page.locator("main").inner_text()

    # 2. The founder creates an invite link for two people.
    page.goto("/invitations/")
    page.get_by_label("Note").fill("For Camille")
    page.get_by_label("How many people may join with it").fill("2")
    page.get_by_role("button", name="Create the link").click()
    link_url = page.get_by_label("Link to send").first.input_value()
    assert "/invitations/join/" in link_url

    # 3. Camille opens it in her own browser and joins.
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    guest = context.new_page()
    guest_checker = type(page_checker)(guest, page_checker.axe_source, live_server.url)
    guest.goto(urlsplit(link_url).path)
    assert "invites you to join" in guest.locator("main").inner_text()
    guest.get_by_role("link", name="Create your account").click()
    assert "invited you" in guest.locator("main").inner_text()
    sign_up(guest, email="camille@example.org", handle="camille")
    confirm_email(guest, "camille@example.org")
    camille = User.objects.get(handle="camille")
    assert camille.invited_by == founder

    # 4. She writes her profile and uploads an avatar.
    guest.goto("/settings/profile/")
    guest.get_by_label("Display name").fill("Camille Martin")
    guest.get_by_label("Bio").fill("I collect **old maps** <script>alert(1)</script>")
    guest.get_by_label("New avatar").set_input_files(
        {"name": "me.png", "mimeType": "image/png", "buffer": image_bytes("PNG", (96, 96))}
    )
    guest.get_by_role("button", name="Save my profile").click()
    guest.wait_for_load_state()
    guest.goto("/@camille")
    main = guest.locator("main")
    assert main.get_by_role("heading", level=1).inner_text().startswith("Camille Martin")
    assert main.locator(".profile__bio strong").inner_text() == "old maps"
    assert "<script>" not in main.inner_html()
    avatar = main.locator("img.avatar").first
    assert avatar.is_visible()
    assert guest.evaluate("(img) => img.naturalWidth > 0", avatar.element_handle())

    # 5. She switches the site to French, and it stays French.
    guest.get_by_label("Language").select_option("fr")
    guest.locator(".language-switcher button[type=submit]").click()
    guest.wait_for_load_state()
    assert guest.locator("html").get_attribute("lang") == "fr"
    guest.goto("/settings/profile/")
    assert guest.get_by_role("heading", level=1).inner_text() == "Profil"
    camille.refresh_from_db()
    assert camille.language == "fr"
    guest_checker.assert_clean()
    context.close()

    # 6. The founder sees who joined through the link.
    page.goto("/invitations/")
    assert "@camille" in page.locator(".invite-link__joined").first.inner_text()
