"""Collection pages as people use them: reading, creating, adding, approving, ordering."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from perchoir.collections import services
from perchoir.collections.models import Collection, Connection, ConnectionStatus, Item
from perchoir.collections.services import ItemFields
from perchoir.core.selectors import site_settings_get
from perchoir.media.models import Image
from tests.factories import UserFactory
from tests.media.images import image_bytes, upload

from .conftest import signed_in
from .factories import CollectionFactory, fill

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"collections:{name}", args=args)


def mixed_items(collection, count):
    """`count` items of the four kinds, with covers, images and previews, like a real page."""
    owner = collection.owner
    cover = Image.objects.create(
        uploaded_by=owner,
        file="images/x.png",
        format="png",
        width=10,
        height=10,
        size_bytes=1,
        status="ready",
        thumbnails={"64": "t/x-64.webp", "256": "t/x-256.webp"},
    )
    fill(collection, count)
    ids = list(Connection.objects.filter(collection=collection).values_list("item_id", flat=True))
    Item.objects.filter(pk__in=ids[::2]).update(kind="image", image=cover, alt_text="A picture")


# --- Reading ------------------------------------------------------------------------------------


def test_anyone_reads_a_public_collection(client, collection):
    fill(collection, 3)
    response = client.get(url("detail", collection.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Rivers" in html
    assert "Article 0" in html
    assert "3 items" in html
    assert 'type="application/atom+xml"' in html


@pytest.mark.parametrize("count", [60, 600])
def test_a_collection_page_needs_few_queries_however_large(
    client, owner, count, django_assert_max_num_queries
):
    collection = CollectionFactory(owner=owner)
    mixed_items(collection, count)
    with django_assert_max_num_queries(10):
        response = client.get(url("detail", collection.pk))
    assert response.content.decode().count('<li class="item-card') == 60


def test_a_member_page_and_the_owner_page_stay_within_budget(
    owner, stranger, django_assert_max_num_queries
):
    collection = CollectionFactory(owner=owner)
    mixed_items(collection, 80)
    for person in (stranger, owner):
        client = signed_in(person)
        client.get(url("detail", collection.pk))  # the session, warmed
        with django_assert_max_num_queries(10):
            response = client.get(url("detail", collection.pk) + "?view=list")
        assert response.status_code == 200


def test_thumbnails_are_served_never_the_original(client, owner):
    collection = CollectionFactory(owner=owner)
    mixed_items(collection, 2)
    html = client.get(url("detail", collection.pk)).content.decode()
    assert "t/x-256.webp" in html
    assert "images/x.png" not in html


def test_a_private_collection_does_not_exist_for_outsiders(client, owner, stranger):
    collection = CollectionFactory(owner=owner, visibility="private")
    assert client.get(url("detail", collection.pk)).status_code == 404
    assert signed_in(stranger).get(url("detail", collection.pk)).status_code == 404
    assert client.get(url("feed", collection.pk)).status_code == 404
    assert signed_in(owner).get(url("detail", collection.pk)).status_code == 200


def test_an_empty_collection_invites_the_first_item(owner, client):
    collection = CollectionFactory(owner=owner)
    html = signed_in(owner).get(url("detail", collection.pk)).content.decode()
    assert "Nothing here yet" in html
    assert "Add the first article" in html
    assert "Come back soon" in client.get(url("detail", collection.pk)).content.decode()


def test_the_list_shows_public_collections_and_an_empty_state(client, owner):
    assert "No public collections yet" in client.get(url("list")).content.decode()
    CollectionFactory(owner=owner, title="Public one")
    CollectionFactory(owner=owner, title="Hidden one", visibility="unlisted")
    html = client.get(url("list")).content.decode()
    assert "Public one" in html
    assert "Hidden one" not in html


def test_sorting_and_the_next_page(client, owner):
    collection = CollectionFactory(owner=owner)
    fill(collection, 70)
    html = client.get(url("detail", collection.pk) + "?sort=newest").content.decode()
    assert html.index("Article 69") < html.index("Article 68")
    cursor = re.search(r"cursor=([\d.]+)", html).group(1)
    more = client.get(url("detail", collection.pk) + f"?sort=newest&cursor={cursor}").content
    assert more.decode().count('<li class="item-card') == 10
    assert client.get(url("detail", collection.pk) + "?cursor=zz").status_code == 400


def test_an_article_page_reads_well(client, owner):
    collection = CollectionFactory(owner=owner)
    connection = services.item_add(
        actor=owner,
        collection_id=collection.pk,
        kind="article",
        fields=ItemFields(title="On rivers", body="Rivers *run* to the sea."),
    )
    html = client.get(connection.get_absolute_url()).content.decode()
    assert '<h1 class="item__title">On rivers</h1>' in html
    assert "1 minute read" in html
    assert "<em>run</em>" in html
    assert "prose--reading" in html


def test_an_event_page_shows_its_local_time_and_programme(client, owner):
    from datetime import datetime

    collection = CollectionFactory(owner=owner)
    connection = services.item_add(
        actor=owner,
        collection_id=collection.pk,
        kind="event",
        fields=ItemFields(
            title="Training",
            starts_at=datetime(2026, 12, 1, 9, 30),
            time_zone="America/Montreal",
            place="Montréal",
            programme=[{"time": "09:30", "title": "Welcome"}],
        ),
    )
    html = client.get(connection.get_absolute_url()).content.decode()
    assert "9:30" in html
    assert "America/Montreal" in html
    assert "Welcome" in html
    assert (
        "Contact the organiser"
        in signed_in(UserFactory()).get(connection.get_absolute_url()).content.decode()
    )


# --- Writing ------------------------------------------------------------------------------------


def test_create_a_collection_with_a_cover_and_land_on_it(owner):
    client = signed_in(owner)
    response = client.post(
        url("create"),
        {
            "title": "Photos",
            "description": "Mine",
            "visibility": "public",
            "policy": "submit",
            "cover": upload(image_bytes()),
            "client_token": "t1",
        },
    )
    collection = Collection.objects.get()
    assert response.status_code == 302
    assert response["Location"] == collection.get_absolute_url()
    assert collection.cover is not None


def test_a_bad_cover_is_shown_next_to_its_field(owner):
    response = signed_in(owner).post(
        url("create"),
        {
            "title": "Photos",
            "visibility": "public",
            "policy": "only_me",
            "cover": upload(b"<svg><script>alert(1)</script></svg>", "x.svg", "image/svg+xml"),
        },
    )
    assert response.status_code == 400
    assert "This is not an image we can read" in response.content.decode()
    assert not Collection.objects.exists()


def test_add_an_article_through_the_form(owner):
    collection = CollectionFactory(owner=owner)
    client = signed_in(owner)
    assert "Article" in client.get(url("item-add", collection.pk)).content.decode()
    form = client.get(url("item-add", collection.pk) + "?kind=article").content.decode()
    assert 'name="body"' in form
    assert 'name="link_url"' not in form
    response = client.post(
        url("item-add", collection.pk),
        {
            "kind": "article",
            "title": "Hello",
            "body": "World",
            "publish": "on",
            "client_token": "a",
        },
    )
    item = Item.objects.get()
    assert response.status_code == 302
    assert str(item.pk) in response["Location"]
    # The same form sent twice adds one item.
    client.post(
        url("item-add", collection.pk),
        {
            "kind": "article",
            "title": "Hello",
            "body": "World",
            "publish": "on",
            "client_token": "a",
        },
    )
    assert Item.objects.count() == 1


def test_an_event_ending_before_it_starts_is_explained(owner):
    collection = CollectionFactory(owner=owner)
    response = signed_in(owner).post(
        url("item-add", collection.pk),
        {
            "kind": "event",
            "title": "Backwards",
            "starts_at": "2026-12-01T10:00",
            "ends_at": "2026-12-01T09:00",
            "time_zone": "Europe/Paris",
            "place": "Lyon",
            "programme": "09:00 Start",
        },
    )
    assert response.status_code == 400
    assert "cannot end before it starts" in response.content.decode()


def test_a_stranger_cannot_add_to_a_closed_collection(owner, stranger):
    collection = CollectionFactory(owner=owner)
    response = signed_in(stranger).get(url("item-add", collection.pk))
    assert response.status_code == 403
    assert "Only its owner adds items" in response.content.decode()


def test_submit_then_approve_from_the_queue(owner, stranger):
    collection = CollectionFactory(owner=owner, policy="submit")
    signed_in(stranger).post(
        url("item-add", collection.pk),
        {"kind": "link", "link_url": "https://example.org/", "client_token": "s"},
    )
    connection = Connection.objects.get()
    assert connection.status == ConnectionStatus.PENDING
    client = signed_in(owner)
    queue = client.get(url("queue", collection.pk)).content.decode()
    assert "submitted by Grace Hopper" in queue
    client.post(url("queue-decide", collection.pk, connection.pk), {"decision": "approve"})
    assert Connection.objects.get().status == ConnectionStatus.APPROVED


def test_reorder_without_script(owner):
    collection = CollectionFactory(owner=owner)
    ids = [c.item_id for c in fill(collection, 3)]
    client = signed_in(owner)
    html = client.get(url("detail", collection.pk) + "?view=list").content.decode()
    assert 'value="up"' in html
    assert 'draggable="true"' in html
    response = client.post(url("item-move", collection.pk, ids[2]), {"direction": "up"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#item-{ids[2]}")
    client.post(url("item-move", collection.pk, ids[0]), {"number": "3"})
    order = list(
        Connection.objects.filter(collection=collection)
        .order_by("position")
        .values_list("item_id", flat=True)
    )
    assert order == [ids[2], ids[1], ids[0]]


def test_connect_an_item_to_a_second_collection(owner):
    first = CollectionFactory(owner=owner, title="First")
    second = CollectionFactory(owner=owner, title="Second")
    item_id = fill(first, 1)[0].item_id
    client = signed_in(owner)
    page = client.get(url("item", first.pk, item_id)).content.decode()
    assert f'<option value="{second.pk}">Second</option>' in page
    client.post(url("item-connect", first.pk, item_id), {"target": second.pk})
    page = client.get(url("item", second.pk, item_id)).content.decode()
    assert "In these collections" in page
    assert "First" in page


def test_follow_and_the_followers_count(owner, stranger):
    collection = CollectionFactory(owner=owner)
    client = signed_in(stranger)
    client.post(url("follow", collection.pk), {"follow": "1"})
    html = client.get(url("detail", collection.pk)).content.decode()
    assert "1 follower" in html
    assert "Unfollow" in html


def test_contributors_page_invites_and_makes_a_link(collection, stranger):
    client = signed_in(collection.owner)
    client.post(url("contributors", collection.pk), {"invitees": "@grace"})
    client.post(url("invite-link", collection.pk), {"enable": "1"})
    html = client.get(url("contributors", collection.pk)).content.decode()
    assert "@grace" in html
    assert "/join/" in html
    token = Collection.objects.get(pk=collection.pk).invite_token
    newcomer = UserFactory()
    response = signed_in(newcomer).post(url("join", collection.pk, token))
    assert response.status_code == 302
    assert collection.contributors.filter(user=newcomer).exists()


def test_the_feed_lists_the_latest_items(client, collection):
    fill(collection, 2)
    response = client.get(url("feed", collection.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<feed" in body
    assert "Article 1" in body
    assert "&lt;p&gt;Text 1&lt;/p&gt;" in body


def test_forms_need_the_csrf_token(owner):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    collection = CollectionFactory(owner=owner)
    assert client.post(url("follow", collection.pk)).status_code == 403


def test_a_profile_lists_the_collections_its_viewer_may_see(client, owner, contributor):
    CollectionFactory(owner=owner, title="Open to all")
    CollectionFactory(owner=owner, title="Only by link", visibility="unlisted")
    CollectionFactory(owner=owner, title="Ours", visibility="private", contributors=[contributor])
    profile = reverse("accounts:profile", args=[owner.handle])
    html = client.get(profile).content.decode()
    assert "Open to all" in html
    assert "Only by link" not in html
    assert "Ours" not in html
    html = signed_in(contributor).get(profile).content.decode()
    assert "Ours" in html
    assert (
        "Ours"
        in signed_in(contributor)
        .get(reverse("accounts:profile", args=[contributor.handle]))
        .content.decode()
    )


def test_the_header_links_to_collections(client):
    assert f'href="{url("list")}"' in client.get("/").content.decode()


def test_a_visitor_sees_a_change_at_once_despite_the_kept_grid(client, owner):
    collection = CollectionFactory(owner=owner)
    ids = [c.item_id for c in fill(collection, 3)]
    first = client.get(url("detail", collection.pk)).content.decode()
    assert first.index("Article 0") < first.index("Article 2")
    services.connection_move_step(
        actor=owner, collection_id=collection.pk, item_id=ids[2], direction="top"
    )
    services.item_recommend(user=owner, collection_id=collection.pk, item_id=ids[1], recommend=True)
    again = client.get(url("detail", collection.pk)).content.decode()
    assert again.index("Article 2") < again.index("Article 0")
    assert "1 recommendation" in again


def test_its_author_edits_an_item_and_others_may_not(owner, contributor, collection):
    connection = services.item_add(
        actor=contributor,
        collection_id=collection.pk,
        kind="article",
        fields=ItemFields(title="Old", body="Text"),
    )
    edit = url("item-edit", collection.pk, connection.item_id)
    assert signed_in(owner).get(edit).status_code == 403
    client = signed_in(contributor)
    assert 'value="Old"' in client.get(edit).content.decode()
    response = client.post(edit, {"title": "New", "body": "Better text", "publish": "on"})
    assert response.status_code == 302
    assert Item.objects.get(pk=connection.item_id).title == "New"


def test_contacting_the_organiser_opens_a_private_conversation(owner, stranger):
    from datetime import datetime

    from perchoir.conversations.models import Conversation

    collection = CollectionFactory(owner=owner)
    connection = services.item_add(
        actor=owner,
        collection_id=collection.pk,
        kind="event",
        fields=ItemFields(
            title="Training",
            starts_at=datetime(2026, 12, 1, 9, 30),
            time_zone="Europe/Paris",
            online_url="https://meet.example.org/x",
        ),
    )
    contact = url("event-contact", collection.pk, connection.item_id)
    client = signed_in(stranger)
    assert client.post(contact, {"message": ""}).status_code == 400
    response = client.post(contact, {"message": "Is it free?"})
    conversation = Conversation.objects.get()
    assert response["Location"] == conversation.get_absolute_url()
    assert conversation.visibility == "private"


def test_ask_to_contribute_and_be_accepted_on_the_contributors_page(collection, stranger):
    signed_in(stranger).post(url("request", collection.pk))
    client = signed_in(collection.owner)
    page = client.get(url("contributors", collection.pk)).content.decode()
    assert "Requests to contribute" in page
    assert "Grace Hopper" in page
    request_id = collection.contribution_requests.get().pk
    client.post(url("request-decide", collection.pk, request_id), {"decision": "approve"})
    assert collection.contributors.filter(user=stranger).exists()
    remove = url("contributor-remove", collection.pk)
    page = client.get(url("contributors", collection.pk)).content.decode()
    assert 'name="reason" required maxlength="500"' in page
    # Without a reason (or one too long): the page says why, the contributor stays.
    for reason in ("", "x" * 501):
        response = client.post(remove, {"handle": "grace", "reason": reason})
        assert response.status_code == 400
        assert collection.contributors.filter(user=stranger).exists()
    assert (
        "Say why, in a few words: it is logged."
        in client.post(remove, {"handle": "grace"}).content.decode()
    )
    response = client.post(remove, {"handle": "grace", "reason": "x" * 501})
    assert "Keep it under 500 characters." in response.content.decode()
    assert "x" * 501 in response.content.decode()  # what was typed is kept
    # Only the owner removes: a contributor or a stranger cannot, whatever they send.
    for someone in (collection.contributors.exclude(user=stranger).get().user, UserFactory()):
        response = signed_in(someone).post(remove, {"handle": "grace", "reason": "Mine"})
        assert response.status_code == 403
    response = client.post(remove, {"handle": "@grace", "reason": "Off topic, twice."})
    assert response["Location"] == url("contributors", collection.pk)
    assert not collection.contributors.filter(user=stranger).exists()
    assert (
        "@grace no longer contributes, and was told why."
        in client.get(response["Location"]).content.decode()
    )
    told = signed_in(stranger).get(reverse("notifications:list")).content.decode()
    assert "You were removed as a contributor to “Rivers”: Off topic, twice." in told
    # The second click of a double submit finds nobody to remove.
    response = client.post(remove, {"handle": "grace", "reason": "Off topic, twice."})
    assert response.status_code == 404


def test_the_owner_changes_the_settings_and_deletes(owner):
    collection = CollectionFactory(owner=owner)
    client = signed_in(owner)
    response = client.post(
        url("edit", collection.pk),
        {"title": "Renamed", "description": "", "visibility": "private", "policy": "anyone"},
    )
    assert response.status_code == 302
    assert Collection.objects.get(pk=collection.pk).visibility == "private"
    client.post(url("delete", collection.pk))
    assert not Collection.objects.filter(pk=collection.pk).exists()


def test_an_item_page_and_the_list_need_few_queries(
    client, owner, contributor, django_assert_max_num_queries
):
    collection = CollectionFactory(owner=owner, contributors=[contributor])
    item_id = fill(collection, 3)[0].item_id
    for n in range(5):
        other = CollectionFactory(owner=owner, title=f"Also {n}")
        services.item_connect(
            actor=owner, collection_id=collection.pk, item_id=item_id, target_collection_id=other.pk
        )
    CollectionFactory.create_batch(40, owner=owner)
    site_settings_get()
    with django_assert_max_num_queries(6):
        assert client.get(url("item", collection.pk, item_id)).status_code == 200
    member = signed_in(contributor)
    member.get(url("list"))
    with django_assert_max_num_queries(10):
        assert member.get(url("item", collection.pk, item_id)).status_code == 200
    with django_assert_max_num_queries(8):
        assert member.get(url("list")).status_code == 200


def test_an_article_takes_an_optional_cover(owner):
    collection = CollectionFactory(owner=owner)
    client = signed_in(owner)
    form = client.get(url("item-add", collection.pk) + "?kind=article").content.decode()
    assert "Cover image (optional)" in form
    client.post(
        url("item-add", collection.pk),
        {"kind": "article", "title": "Covered", "body": "Text", "image": upload(image_bytes())},
    )
    item = Item.objects.get()
    html = client.get(url("item", collection.pk, item.pk)).content.decode()
    assert 'class="item__cover"' in html
    assert item.image is not None


# --- The owner's powers over what others added (issue 6 item 8) ---------------------------------


def test_taking_out_someone_elses_item_asks_why_and_tells_them(collection, contributor):
    theirs = services.item_add(
        actor=contributor,
        collection_id=collection.pk,
        kind="article",
        fields=ItemFields(title="Ads", body="Buy now"),
    )
    item_page = url("item", collection.pk, theirs.item_id)
    remove = url("item-remove", collection.pk, theirs.item_id)
    owner = signed_in(collection.owner)
    assert "Reason for taking out what @alan added" in owner.get(item_page).content.decode()
    # Their own item's page asks nothing of the contributor.
    assert "Reason for taking out" not in signed_in(contributor).get(item_page).content.decode()

    response = owner.post(remove, {"reason": "  "})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Say why, in a few words: it is logged." in page
    assert "“Ads”, added by @alan" in page
    assert Connection.objects.filter(collection=collection, item_id=theirs.item_id).exists()

    # Neither a stranger nor a contributor takes out what others added.
    assert signed_in(UserFactory()).post(remove, {"reason": "No"}).status_code == 403
    owners = services.item_add(
        actor=collection.owner,
        collection_id=collection.pk,
        kind="article",
        fields=ItemFields(title="Mine", body="Text"),
    )
    response = signed_in(contributor).post(
        url("item-remove", collection.pk, owners.item_id), {"reason": "No"}
    )
    assert response.status_code == 403
    # An item of another collection, under this one's address: not found.
    elsewhere = fill(CollectionFactory(owner=collection.owner), 1)[0]
    response = owner.post(url("item-remove", collection.pk, elsewhere.item_id), {"reason": "x"})
    assert response.status_code == 404

    response = owner.post(remove, {"reason": "Ads are not about rivers."})
    assert response["Location"] == url("detail", collection.pk)
    assert not Connection.objects.filter(collection=collection, item_id=theirs.item_id).exists()
    assert Item.objects.filter(pk=theirs.item_id).exists()
    told = signed_in(contributor).get(reverse("notifications:list")).content.decode()
    assert "Your item “Ads” was taken out of “Rivers”: Ads are not about rivers." in told
    # The second click of a double submit: the item is not there any more.
    assert owner.post(remove, {"reason": "Ads are not about rivers."}).status_code == 404


def test_a_contributor_takes_out_their_own_item_without_a_reason(collection, contributor):
    theirs = services.item_add(
        actor=contributor,
        collection_id=collection.pk,
        kind="article",
        fields=ItemFields(title="Draft idea", body="Text"),
    )
    response = signed_in(contributor).post(url("item-remove", collection.pk, theirs.item_id))
    assert response.status_code == 302
    assert not Item.objects.filter(pk=theirs.item_id).exists()


def test_the_owner_sees_items_the_moderators_hid_as_notices_and_takes_them_out(
    client, collection, contributor
):
    spam = fill(collection, 2, author=contributor)[0]
    Item.objects.filter(pk=spam.item_id).update(
        title="Cheap pills", body="Buy", hidden_at=timezone.now(), hidden_reason="Advertising."
    )
    owner = signed_in(collection.owner)
    queue = owner.get(url("queue", collection.pk)).content.decode()
    assert "An item added by @alan was hidden by the moderators. Why: Advertising." in queue
    assert "Cheap pills" not in queue
    assert url("item-remove", collection.pk, spam.item_id) in queue
    # Still absent for everyone else, and from the owner's own grid.
    for reader in (client, signed_in(UserFactory()), owner):
        assert "Cheap pills" not in reader.get(url("detail", collection.pk)).content.decode()
    assert signed_in(contributor).get(url("queue", collection.pk)).status_code == 403

    response = owner.post(url("item-remove", collection.pk, spam.item_id), {"reason": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert "An item added by @alan, hidden by the moderators" in page
    assert "Cheap pills" not in page
    response = owner.post(
        url("item-remove", collection.pk, spam.item_id), {"reason": "Hidden as spam."}
    )
    assert response.status_code == 302
    assert "Hidden by the moderators" not in owner.get(url("queue", collection.pk)).content.decode()
    assert Connection.objects.filter(collection=collection).count() == 1
