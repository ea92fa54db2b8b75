"""The collection services, as the rules of C1 to C7 say they behave, including bad input."""

from datetime import datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image as PILImage

from perchoir.collections import selectors, services
from perchoir.collections.models import (
    POSITION_GAP,
    Collection,
    Connection,
    ConnectionStatus,
    ContributionRequest,
    Contributor,
    ContributorInvitation,
    Item,
)
from perchoir.collections.services import ItemFields
from perchoir.conversations.models import Invitation
from perchoir.conversations.models import Visibility as ConversationVisibility
from perchoir.core.errors import Conflict, Forbidden, InvalidInput, NotFound, TooLarge
from perchoir.invitations.models import PendingInvitation
from perchoir.media.models import ImageStatus
from perchoir.moderation.models import LogEntry
from perchoir.notifications.models import Notification, NotificationKind
from tests.factories import ModeratorFactory, UserFactory
from tests.media.images import image_bytes, jpeg_with_gps_bytes, png_bomb

from .factories import CollectionFactory, ConnectionFactory, fill

pytestmark = pytest.mark.django_db


def upload(data: bytes, name: str = "picture.png", content_type: str = "image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def article(actor, collection, title="On rivers", body="Rivers *run*.", **kwargs):
    return services.item_add(
        actor=actor,
        collection_id=collection.pk,
        kind="article",
        fields=ItemFields(title=title, body=body),
        **kwargs,
    )


def order(collection) -> list[int]:
    page = selectors.collection_items_page(collection=collection, viewer=collection.owner, size=100)
    return [c.item_id for c in page.connections]


# --- Collections --------------------------------------------------------------------------------


def test_create_a_collection_renders_its_description_once_and_safely(owner):
    collection = services.collection_create(
        owner=owner,
        title="  Rivers   of Europe ",
        description="**Water** <script>alert(1)</script> [x](javascript:alert(1))",
    )
    assert collection.title == "Rivers of Europe"
    assert "<strong>Water</strong>" in collection.description_html
    assert "<script" not in collection.description_html
    assert 'href="javascript' not in collection.description_html


def test_a_collection_needs_a_title_and_known_choices(owner):
    with pytest.raises(InvalidInput) as error:
        services.collection_create(owner=owner, title="   ")
    assert "title" in error.value.fields
    with pytest.raises(InvalidInput) as error:
        services.collection_create(owner=owner, title="x", visibility="secret")
    assert "visibility" in error.value.fields
    with pytest.raises(InvalidInput) as error:
        services.collection_create(owner=owner, title="x", policy="everyone")
    assert "policy" in error.value.fields


def test_the_same_submit_twice_makes_one_collection(owner):
    first = services.collection_create(owner=owner, title="Rivers", client_token="tok-1")
    again = services.collection_create(owner=owner, title="Rivers", client_token="tok-1")
    assert first.pk == again.pk
    assert Collection.objects.filter(owner=owner).count() == 1


def test_a_cover_goes_through_the_media_pipeline(owner):
    collection = services.collection_create(
        owner=owner, title="Photos", cover_file=upload(jpeg_with_gps_bytes(), "c.jpg", "image/jpeg")
    )
    cover = collection.cover
    assert cover is not None
    assert cover.format == "jpeg"
    with cover.file.open("rb") as stored:
        assert not PILImage.open(BytesIO(stored.read())).getexif()


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"%PDF-1.4 not an image", "cover.png"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "cover.svg",
        ),
    ],
)
def test_a_cover_that_is_not_an_image_is_refused_with_a_clear_error(owner, data, name):
    with pytest.raises(InvalidInput) as error:
        services.collection_create(owner=owner, title="Photos", cover_file=upload(data, name))
    assert "cover" in error.value.fields
    assert "JPEG, PNG, GIF or WebP" in error.value.fields["cover"][0]
    assert not Collection.objects.exists()


def test_a_collection_changes_only_by_its_owner(collection, contributor):
    with pytest.raises(Forbidden):
        services.collection_update(
            actor=contributor,
            collection_id=collection.pk,
            title="Mine now",
            description="",
            visibility="public",
            policy="anyone",
        )
    updated = services.collection_update(
        actor=collection.owner,
        collection_id=collection.pk,
        title="Rivers and lakes",
        description="*Calm*",
        visibility="unlisted",
        policy="submit",
    )
    assert updated.title == "Rivers and lakes"
    assert updated.description_html == "<p><em>Calm</em></p>\n"


def test_deleting_a_collection_keeps_items_held_elsewhere(owner):
    first = CollectionFactory(owner=owner)
    second = CollectionFactory(owner=owner)
    shared = article(owner, first, title="Shared").item
    alone = article(owner, first, title="Alone").item
    services.item_connect(
        actor=owner, collection_id=first.pk, item_id=shared.pk, target_collection_id=second.pk
    )
    services.collection_delete(actor=owner, collection_id=first.pk)
    assert Item.objects.filter(pk=shared.pk).exists()
    assert not Item.objects.filter(pk=alone.pk).exists()


# --- Items --------------------------------------------------------------------------------------


def test_an_article_is_rendered_once_with_its_reading_time(owner):
    collection = CollectionFactory(owner=owner)
    body = "# Title\n\n" + " ".join(["word"] * 700) + "\n\n<img src=x onerror=alert(1)> **unclosed"
    connection = article(owner, collection, body=body)
    item = connection.item
    assert item.reading_minutes == 4  # 700 words at 230 a minute
    assert "<img" not in item.body_html
    assert "&lt;img" in item.body_html  # shown as text, never interpreted
    assert "**unclosed" in item.body_html
    assert collection.__class__.objects.get(pk=collection.pk).item_count == 1


def test_an_article_needs_a_title_and_text(owner):
    collection = CollectionFactory(owner=owner)
    with pytest.raises(InvalidInput) as error:
        article(owner, collection, title="", body="Text")
    assert "title" in error.value.fields
    with pytest.raises(InvalidInput) as error:
        article(owner, collection, title="Title", body="   ")
    assert "body" in error.value.fields


def test_a_too_long_article_is_refused_with_its_length(owner):
    collection = CollectionFactory(owner=owner)
    with pytest.raises(InvalidInput) as error:
        article(owner, collection, body="a" * 100_001)
    assert "100,001" in error.value.fields["body"][0]


def test_a_draft_is_seen_only_by_its_author_until_published(owner, contributor, collection):
    connection = article(contributor, collection, publish=False)
    assert connection.item.is_draft
    assert order(collection) == []  # the owner does not see a contributor's draft
    with pytest.raises(NotFound):
        selectors.connection_get_for_viewer(
            viewer=owner, collection_id=collection.pk, item_id=connection.item_id
        )
    services.item_update(
        actor=contributor,
        collection_id=collection.pk,
        item_id=connection.item_id,
        fields=ItemFields(title="On rivers", body="Now public."),
        publish=True,
    )
    assert order(collection) == [connection.item_id]
    assert Collection.objects.get(pk=collection.pk).item_count == 1


def test_an_image_item_is_stripped_and_thumbnailed_in_the_background(
    owner, django_capture_on_commit_callbacks
):
    collection = CollectionFactory(owner=owner)
    with django_capture_on_commit_callbacks(execute=True):
        connection = services.item_add(
            actor=owner,
            collection_id=collection.pk,
            kind="image",
            fields=ItemFields(alt_text="A blue square", caption="Taken at home"),
            image_file=upload(jpeg_with_gps_bytes(), "IMG_0001.jpg", "image/jpeg"),
        )
    image = connection.item.image
    image.refresh_from_db()
    assert image.status == ImageStatus.READY
    assert set(image.thumbnails) == {"64", "256", "800"}
    with image.file.open("rb") as stored:
        assert not PILImage.open(BytesIO(stored.read())).getexif()


def test_an_image_needs_a_description_for_people_who_cannot_see_it(owner):
    collection = CollectionFactory(owner=owner)
    with pytest.raises(InvalidInput) as error:
        services.item_add(
            actor=owner,
            collection_id=collection.pk,
            kind="image",
            fields=ItemFields(),
            image_file=upload(image_bytes()),
        )
    assert "alt_text" in error.value.fields
    with pytest.raises(InvalidInput) as error:
        services.item_add(
            actor=owner, collection_id=collection.pk, kind="image", fields=ItemFields(alt_text="x")
        )
    assert "image" in error.value.fields


def test_a_decompression_bomb_is_refused_before_decoding(owner, tmp_path):
    collection = CollectionFactory(owner=owner)
    bomb = png_bomb(tmp_path / "bomb.png")
    with pytest.raises(TooLarge) as error:
        services.item_add(
            actor=owner,
            collection_id=collection.pk,
            kind="image",
            fields=ItemFields(alt_text="boom"),
            image_file=upload(bomb.read_bytes(), "bomb.png"),
        )
    assert "megapixels" in error.value.fields["image"][0]
    assert not Item.objects.exists()


def test_a_30_megabyte_upload_is_refused(owner):
    collection = CollectionFactory(owner=owner)
    with pytest.raises(TooLarge) as error:
        services.item_add(
            actor=owner,
            collection_id=collection.pk,
            kind="image",
            fields=ItemFields(alt_text="huge"),
            image_file=upload(b"\x89PNG" + b"\0" * (30 * 1024 * 1024), "huge.png"),
        )
    assert "the limit is 10 MB" in error.value.fields["image"][0]


def test_an_svg_with_a_script_is_not_an_image_here(owner):
    collection = CollectionFactory(owner=owner)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>x</script></svg>'
    with pytest.raises(InvalidInput) as error:
        services.item_add(
            actor=owner,
            collection_id=collection.pk,
            kind="image",
            fields=ItemFields(alt_text="svg"),
            image_file=upload(svg, "x.svg", "image/svg+xml"),
        )
    assert "image" in error.value.fields


def test_a_link_gets_a_preview_card_fetched_later(owner):
    collection = CollectionFactory(owner=owner)
    connection = services.item_add(
        actor=owner,
        collection_id=collection.pk,
        kind="link",
        fields=ItemFields(link_url="https://Example.org/a"),
    )
    assert connection.item.link_url == "https://example.org/a"
    assert connection.item.link_preview.url == "https://example.org/a"
    with pytest.raises(InvalidInput) as error:
        services.item_add(
            actor=owner,
            collection_id=collection.pk,
            kind="link",
            fields=ItemFields(link_url="javascript:alert(1)"),
        )
    assert "link_url" in error.value.fields


def event_fields(**overrides) -> ItemFields:
    values = {
        "title": "Training session",
        "starts_at": datetime(2026, 12, 1, 9, 30),
        "ends_at": datetime(2026, 12, 1, 17, 0),
        "time_zone": "Europe/Paris",
        "place": "Lyon",
        "audience": "Beginners",
        "programme": [{"time": "14:00", "title": "Practice"}, {"time": "9:30", "title": "Welcome"}],
    }
    values.update(overrides)
    return ItemFields(**values)


def test_an_event_is_stored_as_instants_in_its_time_zone(owner):
    collection = CollectionFactory(owner=owner)
    item = services.item_add(
        actor=owner, collection_id=collection.pk, kind="event", fields=event_fields()
    ).item
    assert item.starts_at == datetime(2026, 12, 1, 9, 30, tzinfo=ZoneInfo("Europe/Paris"))
    assert item.programme == [
        {"time": "09:30", "title": "Welcome"},
        {"time": "14:00", "title": "Practice"},
    ]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ends_at": datetime(2026, 12, 1, 8, 0)}, "ends_at"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"time_zone": "../../etc/passwd"}, "time_zone"),
        ({"starts_at": None}, "starts_at"),
        ({"place": "", "online_url": ""}, "place"),
        ({"programme": [{"time": "25:00", "title": "Late"}]}, "programme"),
        ({"programme": [{"time": "10:00", "title": ""}]}, "programme"),
        ({"programme": "not a list"}, "programme"),
        ({"online_url": "ftp://example.org"}, "online_url"),
    ],
)
def test_a_wrong_event_is_refused_naming_the_field(owner, overrides, field):
    collection = CollectionFactory(owner=owner)
    with pytest.raises(InvalidInput) as error:
        services.item_add(
            actor=owner, collection_id=collection.pk, kind="event", fields=event_fields(**overrides)
        )
    assert field in error.value.fields
    assert not Item.objects.exists()


def test_the_same_item_submitted_twice_is_added_once(owner):
    collection = CollectionFactory(owner=owner)
    first = article(owner, collection, client_token="abc")
    again = article(owner, collection, client_token="abc")
    assert first.pk == again.pk
    assert Item.objects.count() == 1


def test_an_unknown_kind_is_refused(owner):
    collection = CollectionFactory(owner=owner)
    with pytest.raises(InvalidInput):
        services.item_add(
            actor=owner, collection_id=collection.pk, kind="video", fields=ItemFields(title="x")
        )


# --- Policies and approval ----------------------------------------------------------------------


def test_only_the_owner_adds_under_only_me(owner, stranger):
    collection = CollectionFactory(owner=owner, policy="only_me")
    with pytest.raises(Forbidden):
        article(stranger, collection)


def test_invited_contributors_add_and_strangers_may_not(collection, contributor, stranger):
    assert article(contributor, collection).status == ConnectionStatus.APPROVED
    with pytest.raises(Forbidden):
        article(stranger, collection)


def test_anyone_signed_in_adds_under_anyone(owner, stranger):
    collection = CollectionFactory(owner=owner, policy="anyone")
    assert article(stranger, collection).status == ConnectionStatus.APPROVED


def test_a_submission_waits_for_the_owner_then_the_submitter_is_told(owner, stranger):
    collection = CollectionFactory(owner=owner, policy="submit")
    connection = article(stranger, collection)
    assert connection.status == ConnectionStatus.PENDING
    assert order(collection) == []
    assert Notification.objects.filter(
        recipient=owner, kind=NotificationKind.COLLECTION_SUBMISSION
    ).exists()
    services.connection_decide(
        actor=owner, collection_id=collection.pk, connection_id=connection.pk, approve=True
    )
    assert order(collection) == [connection.item_id]
    assert Notification.objects.filter(
        recipient=stranger, kind=NotificationKind.COLLECTION_SUBMISSION_APPROVED
    ).exists()
    with pytest.raises(Conflict):
        services.connection_decide(
            actor=owner, collection_id=collection.pk, connection_id=connection.pk, approve=False
        )


def test_a_declined_submission_stays_out_and_the_submitter_is_told(owner, stranger):
    collection = CollectionFactory(owner=owner, policy="submit")
    connection = article(stranger, collection)
    services.connection_decide(
        actor=owner, collection_id=collection.pk, connection_id=connection.pk, approve=False
    )
    assert order(collection) == []
    assert Notification.objects.filter(
        recipient=stranger, kind=NotificationKind.COLLECTION_SUBMISSION_DECLINED
    ).exists()


def test_a_submission_of_another_collection_cannot_be_decided_here(owner, stranger):
    mine = CollectionFactory(owner=owner, policy="submit")
    theirs = CollectionFactory(owner=stranger, policy="submit")
    foreign = article(owner, theirs)
    with pytest.raises(NotFound):
        services.connection_decide(
            actor=owner, collection_id=mine.pk, connection_id=foreign.pk, approve=True
        )


def test_only_the_owner_approves(owner, stranger, contributor):
    collection = CollectionFactory(owner=owner, policy="submit", contributors=[contributor])
    connection = article(stranger, collection)
    with pytest.raises(Forbidden):
        services.connection_decide(
            actor=contributor,
            collection_id=collection.pk,
            connection_id=connection.pk,
            approve=True,
        )


def test_a_draft_cannot_be_submitted(owner, stranger):
    collection = CollectionFactory(owner=owner, policy="submit")
    with pytest.raises(InvalidInput):
        article(stranger, collection, publish=False)


def test_contributors_remove_their_own_items_only(collection, contributor):
    theirs = article(contributor, collection, title="Theirs")
    owners = article(collection.owner, collection, title="Owner's")
    with pytest.raises(Forbidden):
        services.connection_remove(
            actor=contributor, collection_id=collection.pk, item_id=owners.item_id
        )
    services.connection_remove(
        actor=contributor, collection_id=collection.pk, item_id=theirs.item_id
    )
    assert order(collection) == [owners.item_id]
    assert not Item.objects.filter(pk=theirs.item_id).exists()


def test_the_owner_and_moderators_remove_anyones_item_with_a_reason_the_person_reads(
    collection, contributor, mailoutbox, django_capture_on_commit_callbacks
):
    first = article(contributor, collection, title="One")
    second = article(contributor, collection, title="Two")
    moderator = ModeratorFactory(handle="mod")
    for actor, item_id in ((collection.owner, first.item_id), (moderator, second.item_id)):
        for reason in ("", "   ", "x" * 501):
            with pytest.raises(InvalidInput) as error:
                services.connection_remove(
                    actor=actor, collection_id=collection.pk, item_id=item_id, reason=reason
                )
            assert "reason" in error.value.fields
    assert order(collection) == [second.item_id, first.item_id]
    assert not LogEntry.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.connection_remove(
            actor=collection.owner,
            collection_id=collection.pk,
            item_id=first.item_id,
            reason=" Not about rivers. ",
        )
        services.connection_remove(
            actor=moderator, collection_id=collection.pk, item_id=second.item_id, reason="Spam."
        )
    assert order(collection) == []
    # Removed by others, the author's items are kept.
    assert Item.objects.filter(pk__in=[first.item_id, second.item_id]).count() == 2
    entries = LogEntry.objects.filter(target_kind="collection").order_by("id")
    assert [(e.verb, e.actor_role, e.subject_handle, e.reason) for e in entries] == [
        ("collection.remove_item", "owner", "alan", "Not about rivers."),
        ("collection.remove_item", "moderator", "alan", "Spam."),
    ]
    told = Notification.objects.filter(recipient=contributor).order_by("id")
    assert [(n.kind, n.params) for n in told] == [
        (
            NotificationKind.COLLECTION_ITEM_REMOVED,
            {"title": "Rivers", "item": "One", "reason": "Not about rivers."},
        ),
        (
            NotificationKind.COLLECTION_ITEM_REMOVED,
            {"title": "Rivers", "item": "Two", "reason": "Spam."},
        ),
    ]
    assert [m.to for m in mailoutbox] == [[contributor.email], [contributor.email]]
    assert "Not about rivers." in mailoutbox[0].body
    # Twice (a double submit): the item is no longer there.
    with pytest.raises(NotFound):
        services.connection_remove(
            actor=collection.owner, collection_id=collection.pk, item_id=first.item_id, reason="x"
        )
    assert LogEntry.objects.count() == 2


def test_removing_your_own_item_or_leaving_needs_no_reason_and_is_not_logged(
    collection, contributor
):
    own = article(contributor, collection)
    services.connection_remove(actor=contributor, collection_id=collection.pk, item_id=own.item_id)
    owners = article(collection.owner, collection)
    services.connection_remove(
        actor=collection.owner, collection_id=collection.pk, item_id=owners.item_id
    )
    services.contributor_remove(actor=contributor, collection_id=collection.pk, handle="alan")
    assert order(collection) == []
    assert not Contributor.objects.exists()
    assert not LogEntry.objects.exists()
    assert not Notification.objects.exists()


def test_the_owner_takes_out_an_item_the_moderators_hid_from_them(collection, contributor):
    spam = article(contributor, collection, title="Cheap pills")
    Item.objects.filter(pk=spam.item_id).update(hidden_at=timezone.now(), hidden_reason="Spam")
    # Hidden: not in the owner's grid, only in what they manage, without its content.
    assert order(collection) == []
    hidden = selectors.connections_hidden_from_owner(collection=collection)
    assert [(c.item_id, c.added_by.handle) for c in hidden] == [(spam.item_id, "alan")]
    with pytest.raises(NotFound):
        selectors.connection_get_for_viewer(
            viewer=collection.owner, collection_id=collection.pk, item_id=spam.item_id
        )
    # Nobody else reaches it to take it out: another contributor, a stranger.
    other = UserFactory()
    Contributor.objects.create(collection=collection, user=other)
    for person in (other, UserFactory()):
        with pytest.raises(NotFound):
            services.connection_remove(
                actor=person, collection_id=collection.pk, item_id=spam.item_id, reason="x"
            )
    services.connection_remove(
        actor=collection.owner,
        collection_id=collection.pk,
        item_id=spam.item_id,
        reason="The moderators hid it.",
    )
    assert not Connection.objects.filter(collection=collection).exists()
    assert selectors.connections_hidden_from_owner(collection=collection) == []
    # Their own item: listed once the moderators deleted it (hidden, they still read it).
    own = article(collection.owner, collection, title="Mine")
    Item.objects.filter(pk=own.item_id).update(hidden_at=timezone.now(), hidden_reason="Rude")
    assert selectors.connections_hidden_from_owner(collection=collection) == []
    Item.objects.filter(pk=own.item_id).update(hidden_removed=True)
    assert [c.item_id for c in selectors.connections_hidden_from_owner(collection=collection)] == [
        own.item_id
    ]
    notification = Notification.objects.get(recipient=contributor)
    # The author sees their hidden (not removed) item: it is named to them.
    assert notification.params["item"] == "Cheap pills"


def test_an_untitled_item_taken_out_is_named_by_its_kind(collection, contributor):
    image = ConnectionFactory(
        collection=collection, item__author=contributor, item__kind="image", item__title=""
    )
    services.connection_remove(
        actor=collection.owner, collection_id=collection.pk, item_id=image.item_id, reason="Blurry"
    )
    assert Notification.objects.get(recipient=contributor).params["item"] == "Image"


# --- Manual order -------------------------------------------------------------------------------


def test_new_items_come_first(owner):
    collection = CollectionFactory(owner=owner)
    first = article(owner, collection, title="First")
    second = article(owner, collection, title="Second")
    assert order(collection) == [second.item_id, first.item_id]


def test_moving_in_a_long_collection_writes_one_row(owner):
    collection = CollectionFactory(owner=owner)
    connections = fill(collection, 500)
    ids = [c.item_id for c in connections]
    with CaptureQueriesContext(db_connection) as queries:
        services.connection_move(
            actor=owner, collection_id=collection.pk, item_id=ids[400], after_item_id=ids[10]
        )
    writes = [q for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("UPDATE")]
    # The item's position, and the collection's version (the key of its rendered grid).
    assert len(writes) == 2
    expected = [*ids[:11], ids[400], *ids[11:400], *ids[401:]]
    assert order(collection) == expected[:100]


def test_moving_before_an_item_and_to_the_start(owner):
    collection = CollectionFactory(owner=owner)
    ids = [c.item_id for c in fill(collection, 5)]
    services.connection_move(
        actor=owner, collection_id=collection.pk, item_id=ids[4], before_item_id=ids[1]
    )
    assert order(collection) == [ids[0], ids[4], ids[1], ids[2], ids[3]]
    services.connection_move(actor=owner, collection_id=collection.pk, item_id=ids[3])
    assert order(collection) == [ids[3], ids[0], ids[4], ids[1], ids[2]]


def test_a_used_up_gap_renumbers_and_keeps_the_order(owner):
    collection = CollectionFactory(owner=owner)
    ids = [c.item_id for c in fill(collection, 3)]
    Connection.objects.filter(item_id=ids[1]).update(position=POSITION_GAP + 1)
    services.connection_move(
        actor=owner, collection_id=collection.pk, item_id=ids[2], after_item_id=ids[0]
    )
    assert order(collection) == [ids[0], ids[2], ids[1]]


@pytest.mark.parametrize(
    ("direction", "index", "expected"),
    [
        ("up", 2, [0, 2, 1, 3]),
        ("down", 1, [0, 2, 1, 3]),
        ("top", 3, [3, 0, 1, 2]),
        ("bottom", 0, [1, 2, 3, 0]),
        ("up", 0, [0, 1, 2, 3]),
        ("down", 3, [0, 1, 2, 3]),
    ],
)
def test_keyboard_moves(owner, direction, index, expected):
    collection = CollectionFactory(owner=owner)
    ids = [c.item_id for c in fill(collection, 4)]
    services.connection_move_step(
        actor=owner, collection_id=collection.pk, item_id=ids[index], direction=direction
    )
    assert order(collection) == [ids[n] for n in expected]


@pytest.mark.parametrize(
    ("number", "expected"),
    [(1, [2, 0, 1, 3]), (2, [0, 2, 1, 3]), (4, [0, 1, 3, 2]), (99, [0, 1, 3, 2])],
)
def test_move_to_a_place(owner, number, expected):
    collection = CollectionFactory(owner=owner)
    ids = [c.item_id for c in fill(collection, 4)]
    services.connection_move_to(
        actor=owner, collection_id=collection.pk, item_id=ids[2], number=number
    )
    assert order(collection) == [ids[n] for n in expected]


def test_a_forged_item_of_another_collection_cannot_be_moved_or_referred_to(owner, stranger):
    mine = CollectionFactory(owner=owner)
    theirs = CollectionFactory(owner=stranger)
    my_ids = [c.item_id for c in fill(mine, 2)]
    their_ids = [c.item_id for c in fill(theirs, 2)]
    with pytest.raises(InvalidInput):
        services.connection_move(
            actor=owner, collection_id=mine.pk, item_id=my_ids[0], after_item_id=their_ids[0]
        )
    with pytest.raises(InvalidInput):
        services.connection_move(
            actor=owner, collection_id=mine.pk, item_id=their_ids[0], after_item_id=my_ids[0]
        )
    with pytest.raises(NotFound):
        selectors.connection_get_for_viewer(
            viewer=owner, collection_id=mine.pk, item_id=their_ids[0]
        )
    with pytest.raises(InvalidInput):
        services.connection_move_step(
            actor=owner, collection_id=mine.pk, item_id=my_ids[0], direction="sideways"
        )


def test_only_the_owner_reorders(collection, contributor):
    ids = [c.item_id for c in fill(collection, 2)]
    with pytest.raises(Forbidden):
        services.connection_move_step(
            actor=contributor, collection_id=collection.pk, item_id=ids[1], direction="up"
        )


# --- Connecting, recommending, following --------------------------------------------------------


def test_one_item_in_two_collections_without_a_copy(owner, stranger):
    first = CollectionFactory(owner=owner, title="First")
    second = CollectionFactory(owner=owner, title="Second", visibility="private")
    item_id = article(owner, first).item_id
    services.item_connect(
        actor=owner, collection_id=first.pk, item_id=item_id, target_collection_id=second.pk
    )
    assert Item.objects.count() == 1
    item = Item.objects.get()
    assert {c.title for c in selectors.collections_holding(item=item, viewer=owner)} == {
        "First",
        "Second",
    }
    # The private collection is not revealed to others.
    assert [c.title for c in selectors.collections_holding(item=item, viewer=stranger)] == ["First"]
    with pytest.raises(Conflict):
        services.item_connect(
            actor=owner, collection_id=first.pk, item_id=item_id, target_collection_id=second.pk
        )


def test_connecting_to_a_collection_that_takes_submissions_waits(owner, stranger):
    mine = CollectionFactory(owner=stranger)
    theirs = CollectionFactory(owner=owner, policy="submit")
    item_id = article(stranger, mine).item_id
    connection = services.item_connect(
        actor=stranger, collection_id=mine.pk, item_id=item_id, target_collection_id=theirs.pk
    )
    assert connection.status == ConnectionStatus.PENDING


def test_connecting_to_someone_elses_closed_collection_is_refused(owner, stranger):
    mine = CollectionFactory(owner=stranger)
    theirs = CollectionFactory(owner=owner)
    item_id = article(stranger, mine).item_id
    with pytest.raises(Forbidden):
        services.item_connect(
            actor=stranger, collection_id=mine.pk, item_id=item_id, target_collection_id=theirs.pk
        )


def test_recommending_counts_once_per_person(collection, stranger, contributor):
    item_id = article(collection.owner, collection).item_id
    for _ in range(2):
        services.item_recommend(
            user=stranger, collection_id=collection.pk, item_id=item_id, recommend=True
        )
    services.item_recommend(
        user=contributor, collection_id=collection.pk, item_id=item_id, recommend=True
    )
    assert Item.objects.get(pk=item_id).recommendation_count == 2
    services.item_recommend(
        user=stranger, collection_id=collection.pk, item_id=item_id, recommend=False
    )
    services.item_recommend(
        user=stranger, collection_id=collection.pk, item_id=item_id, recommend=False
    )
    assert Item.objects.get(pk=item_id).recommendation_count == 1


def test_most_recommended_and_newest_sorts(owner, stranger):
    collection = CollectionFactory(owner=owner)
    ids = [c.item_id for c in fill(collection, 3)]
    services.item_recommend(
        user=stranger, collection_id=collection.pk, item_id=ids[1], recommend=True
    )
    ranked = selectors.collection_items_page(
        collection=collection, viewer=owner, sort="recommended"
    )
    assert ranked.connections[0].item_id == ids[1]
    newest = selectors.collection_items_page(collection=collection, viewer=owner, sort="newest")
    assert [c.item_id for c in newest.connections] == ids[::-1]


@pytest.mark.parametrize("sort", ["manual", "newest", "recommended"])
def test_pages_follow_one_another_without_gaps(owner, sort):
    collection = CollectionFactory(owner=owner)
    ids = {c.item_id for c in fill(collection, 25)}
    seen: list[int] = []
    cursor = ""
    while True:
        page = selectors.collection_items_page(
            collection=collection, viewer=owner, sort=sort, cursor=cursor, size=10
        )
        seen.extend(c.item_id for c in page.connections)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert sorted(seen) == sorted(ids)
    assert len(seen) == 25


def test_a_tampered_cursor_is_a_clear_error(owner):
    collection = CollectionFactory(owner=owner)
    with pytest.raises(InvalidInput):
        selectors.collection_items_page(collection=collection, viewer=owner, cursor="1.x")
    with pytest.raises(InvalidInput):
        selectors.collection_items_page(collection=collection, viewer=owner, cursor="9" * 30 + ".1")


def test_following_counts_followers_once(collection, stranger):
    services.collection_follow(user=stranger, collection_id=collection.pk, follow=True)
    services.collection_follow(user=stranger, collection_id=collection.pk, follow=True)
    assert Collection.objects.get(pk=collection.pk).follower_count == 1
    services.collection_follow(user=stranger, collection_id=collection.pk, follow=False)
    assert Collection.objects.get(pk=collection.pk).follower_count == 0
    with pytest.raises(Forbidden):
        services.collection_follow(user=collection.owner, collection_id=collection.pk, follow=True)


# --- Contributors -------------------------------------------------------------------------------


def test_invite_a_member_by_handle_who_accepts(collection, stranger):
    outcome = services.contributor_invite(
        actor=collection.owner, collection_id=collection.pk, addresses=["@grace @alan"]
    )
    assert [p.handle for p in outcome.invited] == ["grace"]
    assert [p.handle for p in outcome.already_in] == ["alan"]
    assert Notification.objects.filter(
        recipient=stranger, kind=NotificationKind.COLLECTION_CONTRIBUTOR_INVITATION
    ).exists()
    services.contributor_invitation_answer(user=stranger, collection_id=collection.pk, accept=True)
    assert Contributor.objects.filter(collection=collection, user=stranger).exists()
    assert article(stranger, collection).status == ConnectionStatus.APPROVED


def test_an_unknown_handle_is_named_in_the_error(collection):
    with pytest.raises(InvalidInput) as error:
        services.contributor_invite(
            actor=collection.owner, collection_id=collection.pk, addresses=["@nobody"]
        )
    assert "@nobody" in error.value.fields["invitees"][0]


def test_invite_by_email_waits_until_they_arrive(collection):
    outcome = services.contributor_invite(
        actor=collection.owner, collection_id=collection.pk, addresses=["new@example.net"]
    )
    waiting = outcome.waiting[0]
    assert waiting.target_kind == "collection"
    assert waiting.target_id == collection.pk
    newcomer = UserFactory(email="new@example.net")
    services.pending_invitation_claimed(PendingInvitation.objects.get(pk=waiting.pk), newcomer)
    assert ContributorInvitation.objects.filter(
        collection=collection, invitee=newcomer, status="pending"
    ).exists()


def test_only_me_takes_no_contributors(owner):
    collection = CollectionFactory(owner=owner, policy="only_me")
    with pytest.raises(Forbidden):
        services.contributor_invite(actor=owner, collection_id=collection.pk, addresses=["@x"])


def test_an_invite_link_makes_a_contributor_and_can_be_turned_off(collection, stranger):
    token = services.collection_invite_link_reset(
        actor=collection.owner, collection_id=collection.pk
    )
    with pytest.raises(NotFound):
        services.collection_join_by_link(user=stranger, collection_id=collection.pk, token="wrong")
    services.collection_join_by_link(user=stranger, collection_id=collection.pk, token=token)
    assert Contributor.objects.filter(collection=collection, user=stranger).exists()
    services.collection_invite_link_reset(
        actor=collection.owner, collection_id=collection.pk, enable=False
    )
    with pytest.raises(NotFound):
        services.collection_join_by_link(
            user=UserFactory(), collection_id=collection.pk, token=token
        )


def test_asking_to_contribute_then_accepted(collection, stranger):
    request = services.contribution_request_create(
        requester=stranger, collection_id=collection.pk, message="I love rivers"
    )
    again = services.contribution_request_create(requester=stranger, collection_id=collection.pk)
    assert request.pk == again.pk
    assert Notification.objects.filter(
        recipient=collection.owner, kind=NotificationKind.COLLECTION_CONTRIBUTION_REQUEST
    ).exists()
    services.contribution_request_decide(
        actor=collection.owner, collection_id=collection.pk, request_id=request.pk, approve=True
    )
    assert Contributor.objects.filter(collection=collection, user=stranger).exists()
    assert ContributionRequest.objects.get(pk=request.pk).status == "approved"


def test_the_owner_removes_a_contributor_who_keeps_their_items_and_is_told_why(
    collection, contributor, mailoutbox, django_capture_on_commit_callbacks
):
    item_id = article(contributor, collection).item_id
    for someone in (UserFactory(), ModeratorFactory()):
        with pytest.raises(Forbidden):
            services.contributor_remove(
                actor=someone, collection_id=collection.pk, handle="alan", reason="Because"
            )
    with pytest.raises(InvalidInput) as error:
        services.contributor_remove(
            actor=collection.owner, collection_id=collection.pk, handle="alan"
        )
    assert error.value.fields == {"reason": ["Say why, in a few words: it is logged."]}
    assert Contributor.objects.filter(collection=collection, user=contributor).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.contributor_remove(
            actor=collection.owner,
            collection_id=collection.pk,
            handle="@alan",
            reason="You posted ads.",
        )
    assert not Contributor.objects.filter(collection=collection, user=contributor).exists()
    assert order(collection) == [item_id]
    with pytest.raises(Forbidden):
        article(contributor, collection)
    entry = LogEntry.objects.get(target_kind="collection")
    assert (entry.verb, entry.subject_handle, entry.reason) == (
        "collection.remove_contributor",
        "alan",
        "You posted ads.",
    )
    notification = Notification.objects.get(recipient=contributor)
    assert notification.kind == NotificationKind.COLLECTION_CONTRIBUTOR_REMOVED
    assert notification.params == {"title": "Rivers", "reason": "You posted ads."}
    assert notification.url == collection.get_absolute_url()
    assert len(mailoutbox) == 1
    assert "You posted ads." in mailoutbox[0].body
    # Twice (a double submit), or a handle that is not a contributor: not found, not logged.
    for handle in ("alan", "nobody-here"):
        with pytest.raises(NotFound):
            services.contributor_remove(
                actor=collection.owner, collection_id=collection.pk, handle=handle, reason="x"
            )
    assert LogEntry.objects.count() == 1


def test_a_contributor_removed_from_a_private_collection_is_sent_to_their_list(owner, contributor):
    collection = CollectionFactory(owner=owner, visibility="private", contributors=[contributor])
    services.contributor_remove(
        actor=owner, collection_id=collection.pk, handle="alan", reason="Closing it."
    )
    assert Notification.objects.get(recipient=contributor).url == reverse("collections:list")


# --- Events: contacting the organiser -----------------------------------------------------------


def test_contacting_the_organiser_starts_a_private_conversation(owner, stranger):
    collection = CollectionFactory(owner=owner)
    item = services.item_add(
        actor=owner, collection_id=collection.pk, kind="event", fields=event_fields()
    ).item
    conversation = services.event_organiser_contact(
        user=stranger, collection_id=collection.pk, item_id=item.pk, message="Is it free?"
    )
    assert conversation.visibility == ConversationVisibility.PRIVATE
    assert conversation.starter == stranger
    assert Invitation.objects.filter(conversation=conversation, invitee=owner).exists()
    with pytest.raises(InvalidInput):
        services.event_organiser_contact(
            user=owner, collection_id=collection.pk, item_id=item.pk, message="Me"
        )


def test_a_private_collection_does_not_exist_for_strangers(owner, stranger):
    collection = CollectionFactory(owner=owner, visibility="private", policy="anyone")
    with pytest.raises(NotFound):
        article(stranger, collection)
    with pytest.raises(NotFound):
        services.collection_follow(user=stranger, collection_id=collection.pk, follow=True)


def test_items_of_a_connection_pending_are_hidden_from_readers(owner, stranger):
    collection = CollectionFactory(owner=owner, policy="submit")
    connection = article(stranger, collection)
    reader = UserFactory()
    with pytest.raises(NotFound):
        selectors.connection_get_for_viewer(
            viewer=reader, collection_id=collection.pk, item_id=connection.item_id
        )
    # The submitter and the owner see it.
    for person in (stranger, owner):
        selectors.connection_get_for_viewer(
            viewer=person, collection_id=collection.pk, item_id=connection.item_id
        )


def test_a_factory_connection_is_readable(owner):
    connection = ConnectionFactory(collection=CollectionFactory(owner=owner))
    assert order(connection.collection) == [connection.item_id]


def test_an_image_its_author_removes_for_good_leaves_no_file(
    owner, django_capture_on_commit_callbacks
):
    from django.core.files.storage import default_storage

    from perchoir.media.models import Image

    collection = CollectionFactory(owner=owner)
    with django_capture_on_commit_callbacks(execute=True):
        connection = services.item_add(
            actor=owner,
            collection_id=collection.pk,
            kind="image",
            fields=ItemFields(alt_text="Gone soon"),
            image_file=upload(image_bytes()),
        )
    name = Image.objects.get().file.name
    assert default_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        services.connection_remove(
            actor=owner, collection_id=collection.pk, item_id=connection.item_id
        )
    assert not Image.objects.exists()
    assert not default_storage.exists(name)
