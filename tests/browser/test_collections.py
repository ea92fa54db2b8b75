"""Collections in a real browser: a person creates a collection with a cover, uploads an image,
writes an article; a stranger submits an item that the owner approves; the owner reorders by
keyboard and by drag and drop, and connects an item to a second collection; an owner takes out
what a contributor added, and the contributor, always saying why.

axe-core checks every page visited (see conftest.py).
"""

from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from perchoir.collections.models import Collection, Connection, Item
from tests.collections.factories import CollectionFactory, fill
from tests.factories import UserFactory
from tests.media.images import image_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def png(name: str) -> dict[str, Any]:
    return {"name": name, "mimeType": "image/png", "buffer": image_bytes(size=(320, 240))}


def manual_order(collection: Collection) -> list[str]:
    return list(
        Connection.objects.filter(collection=collection, status="approved")
        .order_by("position", "id")
        .values_list("item__title", flat=True)
    )


def switch_to(page: Any, sign_in: Any, user: Any) -> None:
    page.context.clear_cookies()
    sign_in(page, user)


def test_a_collection_from_creation_to_reordering(page, sign_in):
    ada = UserFactory(handle="ada", display_name="Ada Lovelace")
    grace = UserFactory(handle="grace", display_name="Grace Hopper")
    sign_in(page, ada)

    # A second collection to connect to later, made through the page too.
    page.goto("/collections/new/")
    page.get_by_label("Title").fill("Favourites")
    page.get_by_role("button", name="Create").click()
    page.wait_for_url("**/k/*/")

    # Create the collection, with a cover, open to submissions.
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Collections").click()
    page.wait_for_url("**/collections/")
    page.get_by_role("link", name="Create a collection").first.click()
    page.get_by_label("Title").fill("Birds of the city")
    page.get_by_label("Description").fill("Swifts, *starlings* and herons.")
    page.get_by_label("Cover image").set_input_files(png("cover.png"))
    page.get_by_label("Anyone signed in may submit items for my approval").check()
    page.get_by_role("button", name="Create").click()
    page.wait_for_url("**/k/*/")
    collection = Collection.objects.get(title="Birds of the city")
    assert collection.cover is not None
    expect(page.locator("main")).to_contain_text("Nothing here yet")

    # Upload an image.
    page.get_by_role("link", name="Add an item").first.click()
    page.get_by_role("link", name="Image").click()
    page.get_by_label("Image").set_input_files(png("swift.png"))
    page.get_by_label("Description for people who cannot see it").fill("A swift in the sky")
    page.get_by_label("Caption").fill("Over the roofs")
    page.get_by_label("Title").fill("Swift")
    page.get_by_role("button", name="Add to the collection").click()
    page.wait_for_url("**/i/*/")
    expect(page.get_by_role("img", name="A swift in the sky")).to_be_visible()

    # Write an article.
    page.get_by_role("link", name="Birds of the city").first.click()
    page.get_by_role("link", name="Add an item").first.click()
    page.get_by_role("link", name="Article").click()
    page.get_by_label("Title").fill("Starlings at dusk")
    page.get_by_label("Text").fill("## Murmurations\n\nThousands of *starlings* turn as one.")
    page.get_by_role("button", name="Add to the collection").click()
    page.wait_for_url("**/i/*/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Starlings at dusk")
    expect(page.locator("main")).to_contain_text("1 minute read")

    # A stranger submits an article for approval.
    switch_to(page, sign_in, grace)
    page.goto(collection.get_absolute_url())
    page.get_by_role("link", name="Submit an item").first.click()
    page.get_by_role("link", name="Article").click()
    page.get_by_label("Title").fill("Herons by the river")
    page.get_by_label("Text").fill("Patient, grey, still.")
    page.get_by_role("button", name="Submit for approval").click()
    page.wait_for_url("**/i/*/")
    expect(page.locator("main")).to_contain_text("Waiting for the owner's approval")

    # The owner approves it from the queue.
    switch_to(page, sign_in, ada)
    page.goto(collection.get_absolute_url())
    page.get_by_role("link", name="Approval queue 1").click()
    expect(page.locator("main")).to_contain_text("submitted by Grace Hopper")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_load_state()
    assert manual_order(collection) == ["Herons by the river", "Starlings at dusk", "Swift"]

    # Reorder by keyboard, in the list view: the image one place up.
    page.goto(collection.get_absolute_url() + "?view=list")
    swift = Item.objects.get(title="Swift")
    page.locator(f"#item-{swift.pk}").get_by_role("button", name="Up").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**#item-{swift.pk}")
    assert manual_order(collection) == ["Herons by the river", "Swift", "Starlings at dusk"]

    # Reorder by drag and drop, in the grid: the article onto the first item.
    page.goto(collection.get_absolute_url())
    article = Item.objects.get(title="Starlings at dusk")
    herons = Item.objects.get(title="Herons by the river")
    with page.expect_response(lambda r: r.url.endswith(f"/items/{article.pk}/move")) as moved:
        page.locator(f"#item-{article.pk}").drag_to(page.locator(f"#item-{herons.pk}"))
    assert moved.value.status == 200
    assert manual_order(collection) == ["Starlings at dusk", "Herons by the river", "Swift"]
    page.reload()
    cards = page.locator("[data-items] > li h3")
    expect(cards.first).to_have_text("Starlings at dusk")

    # Connect the article to the second collection.
    page.goto(f"/k/{collection.pk}/i/{article.pk}/")
    page.get_by_label("Collection", exact=True).select_option(label="Favourites")
    page.get_by_role("button", name="Connect").click()
    page.wait_for_load_state()
    holding = page.get_by_role("region", name="In these collections")
    expect(holding).to_contain_text("Favourites")
    expect(holding).to_contain_text("Birds of the city")
    assert Item.objects.filter(title="Starlings at dusk").count() == 1


def test_a_reader_on_a_phone_reads_follows_and_finds_the_feed(page, sign_in):
    from datetime import datetime

    from perchoir.collections import services
    from perchoir.collections.services import ItemFields

    from .conftest import PHONE

    owner = UserFactory(handle="camille", display_name="Camille Durand")
    reader = UserFactory(handle="theo", display_name="Théo Martin")
    collection = services.collection_create(
        owner=owner, title="Next training sessions", description="Workshops for members."
    )
    services.item_add(
        actor=owner,
        collection_id=collection.pk,
        kind="event",
        fields=ItemFields(
            title="Markdown for everyone",
            starts_at=datetime(2026, 12, 3, 14, 0),
            ends_at=datetime(2026, 12, 3, 16, 0),
            time_zone="America/Montreal",
            place="Montréal, Café des mots",
            audience="Beginners",
            programme=[{"time": "14:00", "title": "Bold and italic"}],
        ),
    )
    services.item_add(
        actor=owner,
        collection_id=collection.pk,
        kind="article",
        fields=ItemFields(title="Why we meet", body="Because *reading together* is better."),
    )
    page.set_viewport_size(PHONE)
    sign_in(page, reader)
    page.goto(collection.get_absolute_url())
    page.get_by_role("link", name="List").click()
    page.wait_for_url("**view=list")
    page.get_by_role("link", name="Markdown for everyone").click()
    main = page.locator("main")
    expect(main).to_contain_text("America/Montreal")
    expect(main).to_contain_text("Bold and italic")
    expect(page.get_by_role("link", name="Contact the organiser")).to_be_visible()
    page.get_by_role("link", name="Next training sessions").first.click()
    page.get_by_role("button", name="Follow").click()
    page.wait_for_load_state()
    expect(main).to_contain_text("1 follower")
    feed = page.get_by_role("link", name="Atom feed").get_attribute("href")
    response = page.request.get(feed)
    assert response.ok
    assert "Markdown for everyone" in response.text()
    # No horizontal scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_an_owner_takes_out_items_and_a_contributor_saying_why(page, sign_in):
    owner = UserFactory(handle="ada")
    bob = UserFactory(handle="bob")
    collection = CollectionFactory(
        owner=owner, title="Rivers", policy="invited", contributors=[bob]
    )
    first, spam = fill(collection, 2, author=bob)
    Item.objects.filter(pk=spam.item_id).update(hidden_at=timezone.now(), hidden_reason="Ads.")
    sign_in(page, owner)

    page.goto(f"/k/{collection.pk}/i/{first.item_id}/")
    page.get_by_label("Reason for taking out what @bob added").fill("Off topic.")
    page.get_by_role("button", name="Remove from this collection").click()
    expect(page.get_by_text("The item was taken out of the collection.")).to_be_visible()

    # The item the moderators hid: no content, but the owner can still take it out.
    page.goto(f"/k/{collection.pk}/queue/")
    expect(page.get_by_text("An item added by @bob was hidden by the moderators.")).to_be_visible()
    page.get_by_label("Reason for taking out what @bob added").fill("   ")
    page.get_by_role("button", name="Remove").click()
    expect(page.get_by_text("Say why, in a few words: it is logged.")).to_be_visible()
    expect(page.get_by_text("An item added by @bob, hidden by the moderators")).to_be_visible()
    page.get_by_label("Reason").fill("Hidden as spam.")
    page.get_by_role("button", name="Remove").click()
    expect(page.get_by_text("The item was taken out of the collection.")).to_be_visible()

    page.goto(f"/k/{collection.pk}/contributors/")
    page.get_by_label("Reason for removing @bob").fill("Ads.")
    page.get_by_role("button", name=f"Remove {bob.name}").click()
    expect(page.get_by_text("@bob no longer contributes, and was told why.")).to_be_visible()
    assert not Connection.objects.filter(collection=collection).exists()
