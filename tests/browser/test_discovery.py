"""Discovery in a real browser: from home, through the header's search box, to the message found;
explore and the search page's filters and empty state. axe-core checks every page (conftest.py).
"""

from typing import Any

import pytest
from playwright.sync_api import expect

from perchoir.conversations import services
from perchoir.conversations.models import Visibility
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_home_then_search_then_open_the_result(page: Any, sign_in: Any) -> None:
    ada = UserFactory(handle="ada", display_name="Ada Lovelace")
    bob = UserFactory(handle="bob", display_name="Bob Marley")
    room = services.conversation_start(
        starter=bob, title="Harbour mornings", body="The fishing boats leave at dawn."
    )
    services.conversation_invite(inviter=bob, conversation_id=room.pk, addresses=["@ada"])
    services.conversation_start(
        starter=bob,
        title="Private plans",
        body="The fishing trip is a surprise.",
        visibility=Visibility.PRIVATE,
    )
    sign_in(page, ada)

    page.goto("/")
    expect(page.get_by_role("heading", name="Home", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Harbour mornings")).to_be_visible()
    expect(page.get_by_text("invited you to take part")).to_be_visible()

    search = page.get_by_role("search", name="Site search")
    search.get_by_label("Search").fill("fishing")
    search.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search/?q=fishing")
    results = page.locator(".search-hit")
    expect(results).to_have_count(1)  # the private conversation's message is not found
    expect(results.locator("mark")).to_have_text("fishing")

    results.get_by_role("link", name="In “Harbour mornings”").click()
    page.wait_for_url(f"**/c/{room.pk}/**")
    expect(page.get_by_text("The fishing boats leave at dawn.")).to_be_visible()


def test_explore_and_search_filters(page: Any) -> None:
    bob = UserFactory(handle="bob", display_name="Bob Marley")
    services.conversation_start(starter=bob, title="Lighthouses", body="Tall towers of light.")

    page.goto("/explore/")
    expect(page.get_by_role("link", name="Lighthouses")).to_be_visible()
    expect(page.get_by_text("@bob")).to_be_visible()

    page.goto("/search/?q=zeppelin")
    expect(page.get_by_text("Nothing found")).to_be_visible()

    page.goto("/search/")
    form = page.get_by_role("search", name="Search with filters")
    form.get_by_label("Search for").fill("towers")
    form.get_by_text("Filters").click()
    form.get_by_label("Among").select_option("message")
    form.get_by_label("By").fill("@bob")
    form.get_by_role("button", name="Search").click()
    expect(page.locator(".search-hit mark")).to_have_text("towers")


def test_home_scrolls_on_to_older_entries(page: Any, sign_in: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from perchoir.conversations.models import Conversation
    from perchoir.core.ratelimit import ratelimits_suspended
    from perchoir.follows.models import Follow

    ada = UserFactory(handle="ada")
    carol = UserFactory(handle="carol", display_name="Carol")
    Follow.objects.create(follower=ada, followed=carol)
    with ratelimits_suspended():
        for n in range(25):
            room = services.conversation_start(starter=carol, title=f"Room {n:02d}", body="Hi.")
            Conversation.objects.filter(pk=room.pk).update(
                created_at=timezone.now() - timedelta(minutes=n)
            )
    sign_in(page, ada)
    page.goto("/")
    items = page.locator("[data-feed-list] > li")
    expect(items).to_have_count(20)
    page.get_by_role("link", name="Older →").scroll_into_view_if_needed()
    expect(items).to_have_count(25)
    expect(page.get_by_role("link", name="Room 24")).to_be_visible()
    assert page.url.endswith("/")  # the same page, grown


def test_block_from_a_profile_then_unblock_in_the_settings(page: Any, sign_in: Any) -> None:
    from perchoir.collections import services as collections
    from perchoir.collections.services import ItemFields

    ada = UserFactory(handle="ada", display_name="Ada Lovelace")
    bob = UserFactory(handle="bob", display_name="Bob Marley")
    shelf = collections.collection_create(owner=bob, title="Reggae records")
    collections.item_add(
        actor=bob,
        collection_id=shelf.pk,
        kind="article",
        fields=ItemFields(title="Catch a fire", body="The first album."),
    )
    sign_in(page, ada)

    page.goto("/explore/")
    expect(page.get_by_role("link", name="Catch a fire")).to_be_visible()
    page.goto("/@bob")
    page.get_by_role("link", name="Block this person").click()
    expect(page.get_by_role("heading", name="Block Bob Marley?")).to_be_visible()
    page.get_by_role("button", name="Block @bob").click()
    expect(page.get_by_text("You blocked @bob.")).to_be_visible()
    page.goto("/explore/")
    expect(page.get_by_role("link", name="Catch a fire")).to_have_count(0)

    page.goto("/settings/blocked/")
    page.get_by_role("button", name="Unblock @bob").click()
    expect(page.get_by_text("You no longer block @bob.")).to_be_visible()
    expect(page.get_by_text("Nobody is blocked")).to_be_visible()
