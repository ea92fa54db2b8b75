"""The collections API: the same services as the pages, with the same rules and errors."""

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from perchoir.collections.models import Collection, Connection, ConnectionStatus, Item
from tests.factories import UserFactory
from tests.media.images import image_bytes, upload

from .factories import CollectionFactory, fill

pytestmark = pytest.mark.django_db


def test_create_read_and_list_a_collection(api_as, owner):
    api = api_as(owner)
    response = api.post("", {"title": "Rivers", "description": "*Water*", "policy": "submit"})
    assert response.status_code == 201
    body = response.json()
    assert body["description_html"] == "<p><em>Water</em></p>\n"
    assert body["viewer"]["can_manage"] is True
    assert body["feed_url"].endswith(f"/k/{body['id']}/feed/")
    anonymous = api_as(None)
    assert anonymous.get(f"/{body['id']}").json()["viewer"]["can_add"] is False
    assert [c["title"] for c in anonymous.get("").json()["results"]] == ["Rivers"]


def test_the_same_client_token_gives_the_same_collection(api_as, owner):
    api = api_as(owner)
    first = api.post("", {"title": "Rivers", "client_token": "abc"}).json()
    second = api.post("", {"title": "Rivers", "client_token": "abc"}).json()
    assert first["id"] == second["id"]
    assert Collection.objects.count() == 1


def test_a_private_collection_is_a_404_for_others(api_as, owner, stranger):
    collection = CollectionFactory(owner=owner, visibility="private")
    assert api_as(stranger).get(f"/{collection.pk}").status_code == 404
    assert api_as(None).get(f"/{collection.pk}/items").status_code == 404


def test_add_an_event_with_clear_errors(api_as, owner):
    collection = CollectionFactory(owner=owner)
    api = api_as(owner)
    event = {
        "kind": "event",
        "title": "Training",
        "starts_at": "2026-12-01T09:30",
        "ends_at": "2026-12-01T08:00",
        "time_zone": "Europe/Paris",
        "place": "Lyon",
        "programme": [{"time": "09:30", "title": "Welcome"}],
    }
    response = api.post(f"/{collection.pk}/items", event)
    assert response.status_code == 400
    assert "ends_at" in response.json()["error"]["fields"]
    response = api.post(f"/{collection.pk}/items", {**event, "time_zone": "Nowhere/Land"})
    assert "time_zone" in response.json()["error"]["fields"]
    response = api.post(f"/{collection.pk}/items", {**event, "ends_at": "2026-12-01T17:00"})
    assert response.status_code == 201
    item = response.json()["item"]
    assert item["starts_at"] == "2026-12-01T08:30:00Z"
    assert item["programme"] == [{"time": "09:30", "title": "Welcome"}]


def test_upload_an_image_item_as_multipart(api_as, owner):
    collection = CollectionFactory(owner=owner)
    response = api_as(owner).post_multipart(
        f"/{collection.pk}/items/upload",
        {"kind": "image", "alt_text": "A red field", "image": upload(image_bytes())},
    )
    assert response.status_code == 201, response.content
    assert response.json()["item"]["image"]["width"] == 300


def test_a_non_image_upload_is_refused(api_as, owner):
    collection = CollectionFactory(owner=owner)
    response = api_as(owner).post_multipart(
        f"/{collection.pk}/items/upload",
        {"kind": "image", "alt_text": "x", "image": upload(b"GIF89a not really", "x.gif")},
    )
    assert response.status_code == 400
    assert "JPEG, PNG, GIF or WebP" in response.json()["error"]["fields"]["image"][0]
    assert not Item.objects.exists()


def test_submit_approve_and_reorder_through_the_api(api_as, owner, stranger):
    collection = CollectionFactory(owner=owner, policy="submit")
    ids = [c.item_id for c in fill(collection, 3)]
    submitted = api_as(stranger).post(
        f"/{collection.pk}/items", {"kind": "article", "title": "Mine", "body": "Text"}
    )
    assert submitted.json()["status"] == "pending"
    api = api_as(owner)
    queue = api.get(f"/{collection.pk}/submissions").json()
    assert [c["item"]["title"] for c in queue] == ["Mine"]
    api.post(f"/{collection.pk}/submissions/{queue[0]['id']}", {"approve": True})
    assert Connection.objects.get(pk=queue[0]["id"]).status == ConnectionStatus.APPROVED
    new_id = queue[0]["item"]["id"]
    response = api.post(f"/{collection.pk}/items/{new_id}/move", {"after_item_id": ids[2]})
    assert response.status_code == 200
    response = api.post(f"/{collection.pk}/items/{ids[0]}/move", {"direction": "down"})
    assert response.status_code == 200
    order = [c["item"]["id"] for c in api.get(f"/{collection.pk}/items").json()["results"]]
    assert order == [ids[1], ids[0], ids[2], new_id]
    assert (
        api_as(stranger)
        .post(f"/{collection.pk}/items/{ids[0]}/move", {"direction": "up"})
        .status_code
        == 403
    )


def test_a_forged_item_id_cannot_be_used_to_reorder(api_as, owner, stranger):
    mine = CollectionFactory(owner=owner)
    theirs = CollectionFactory(owner=stranger)
    my_id = fill(mine, 2)[0].item_id
    their_id = fill(theirs, 1)[0].item_id
    response = api_as(owner).post(f"/{mine.pk}/items/{my_id}/move", {"after_item_id": their_id})
    assert response.status_code == 400
    assert "after" in response.json()["error"]["fields"]
    assert api_as(owner).get(f"/{mine.pk}/items/{their_id}").status_code == 404


def test_the_items_list_needs_few_queries(api_as, owner):
    collection = CollectionFactory(owner=owner)
    fill(collection, 100)
    with CaptureQueriesContext(db_connection) as queries:
        response = api_as(None).get(f"/{collection.pk}/items", page_size=60)
    assert len(response.json()["results"]) == 60
    assert len(queries) <= 4


def test_connect_recommend_and_follow(api_as, owner, stranger):
    first = CollectionFactory(owner=owner, title="First")
    second = CollectionFactory(owner=owner, title="Second")
    item_id = fill(first, 1)[0].item_id
    api = api_as(owner)
    assert (
        api.post(f"/{first.pk}/items/{item_id}/connect", {"collection_id": second.pk}).status_code
        == 201
    )
    assert (
        api.post(f"/{first.pk}/items/{item_id}/connect", {"collection_id": second.pk}).status_code
        == 409
    )
    reader = api_as(stranger)
    detail = reader.post(f"/{second.pk}/items/{item_id}/recommendation").json()
    assert detail["recommended"] is True
    assert detail["item"]["recommendation_count"] == 1
    assert {c["title"] for c in detail["collections"]} == {"First", "Second"}
    assert reader.post(f"/{first.pk}/follow").json()["follower_count"] == 1
    assert reader.delete(f"/{first.pk}/follow").json()["follower_count"] == 0


def test_contributors_through_the_api(api_as, token_for, collection, stranger, contributor):
    api = api_as(collection.owner)
    outcome = api.post(
        f"/{collection.pk}/contributors", {"addresses": ["@grace", "friend@example.net"]}
    ).json()
    assert outcome == {
        "invited": ["grace"],
        "already_in": [],
        "waiting": ["friend@example.net"],
    }
    grace = token_for(stranger)
    assert grace.post(f"/{collection.pk}/invitation", {"accept": True}).json()["viewer"][
        "contributor"
    ]
    handles = [c["person"]["handle"] for c in api.get(f"/{collection.pk}/contributors").json()]
    assert handles == ["alan", "grace"]
    # The owner says why (logged and sent); without a reason, a clear 400 and nothing changes.
    response = api.delete(f"/{collection.pk}/contributors/grace")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "reason": ["Say why, in a few words: it is logged."]
    }
    assert api.delete(f"/{collection.pk}/contributors/grace", {"reason": "x" * 501}).json()[
        "error"
    ]["fields"] == {"reason": ["Keep it under 500 characters."]}
    assert (
        grace.delete(f"/{collection.pk}/contributors/alan", {"reason": "Mine"}).status_code == 403
    )
    removed = api.delete(f"/{collection.pk}/contributors/grace", {"reason": "Off topic."})
    assert removed.status_code == 204
    assert grace.client.get("/api/v1/notifications").json()["results"][0]["text"] == (
        "You were removed as a contributor to “Rivers”: Off topic."
    )
    # A double submit, a forged handle: not found.
    assert api.delete(f"/{collection.pk}/contributors/grace", {"reason": "x"}).status_code == 404
    assert api.delete(f"/{collection.pk}/contributors/nobody", {"reason": "x"}).status_code == 404
    # Leaving needs no reason.
    assert token_for(contributor).delete(f"/{collection.pk}/contributors/alan").status_code == 204
    link = api.post(f"/{collection.pk}/invite-link", {"enable": True}).json()["url"]
    token = link.rstrip("/").rsplit("/", 1)[1]
    newcomer = api_as(UserFactory())
    assert newcomer.post(f"/{collection.pk}/join", {"token": "nope"}).status_code == 404
    assert newcomer.post(f"/{collection.pk}/join", {"token": token}).status_code == 200


def test_ask_to_contribute_through_the_api(api_as, collection, stranger):
    created = api_as(stranger).post(f"/{collection.pk}/requests", {"message": "Please"})
    assert created.status_code == 201
    api = api_as(collection.owner)
    pending = api.get(f"/{collection.pk}/requests").json()
    assert [r["message"] for r in pending] == ["Please"]
    decided = api.post(f"/{collection.pk}/requests/{pending[0]['id']}", {"approve": True}).json()
    assert decided["status"] == "approved"


def test_anonymous_writes_are_refused(api_as, collection):
    response = api_as(None).post(f"/{collection.pk}/follow")
    assert response.status_code == 401


def test_a_draft_is_published_through_the_api(api_as, owner, stranger):
    collection = CollectionFactory(owner=owner)
    api = api_as(owner)
    created = api.post(
        f"/{collection.pk}/items",
        {"kind": "article", "title": "Later", "body": "Soon", "publish": False},
    ).json()
    item_id = created["item"]["id"]
    assert created["item"]["draft"] is True
    assert api_as(stranger).get(f"/{collection.pk}/items/{item_id}").status_code == 404
    updated = api.put(
        f"/{collection.pk}/items/{item_id}", {"title": "Now", "body": "Here", "publish": True}
    ).json()
    assert updated["item"]["draft"] is False
    assert api_as(stranger).get(f"/{collection.pk}/items/{item_id}").status_code == 200


def test_replace_an_image_through_the_api(api_as, owner, stranger):
    collection = CollectionFactory(owner=owner)
    api = api_as(owner)
    created = api.post_multipart(
        f"/{collection.pk}/items/upload",
        {"kind": "image", "alt_text": "A red field", "image": upload(image_bytes())},
    ).json()
    item_id = created["item"]["id"]
    response = api.post_multipart(
        f"/{collection.pk}/items/{item_id}/image",
        {"file": upload(image_bytes(size=(120, 90)))},
    )
    assert response.status_code == 200
    assert response.json()["item"]["image"]["width"] == 120
    assert response.json()["item"]["alt_text"] == "A red field"
    refused = api_as(stranger).post_multipart(
        f"/{collection.pk}/items/{item_id}/image", {"file": upload(image_bytes())}
    )
    assert refused.status_code == 403


def test_taking_out_items_through_the_api_asks_why_for_others(
    api_as, token_for, collection, contributor, moderator_user
):
    theirs, second, hidden = fill(collection, 3, author=contributor)
    Item.objects.filter(pk=hidden.item_id).update(
        title="Cheap pills", hidden_at=timezone.now(), hidden_reason="Advertising."
    )
    owner = token_for(collection.owner)
    path = f"/{collection.pk}/items/{theirs.item_id}"
    response = owner.delete(path)
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "reason": ["Say why, in a few words: it is logged."]
    }
    # Neither a stranger nor another contributor takes out what others added.
    other = UserFactory()
    collection.contributors.create(user=other)
    for someone in (UserFactory(), other):
        assert token_for(someone).delete(path, {"reason": "x"}).status_code == 403
    # An item of another collection under this one's address: not found.
    elsewhere = fill(CollectionFactory(owner=collection.owner), 1)[0]
    assert (
        owner.delete(f"/{collection.pk}/items/{elsewhere.item_id}", {"reason": "x"}).status_code
        == 404
    )

    assert owner.delete(path, {"reason": "Not about rivers."}).status_code == 204
    assert owner.delete(path, {"reason": "Not about rivers."}).status_code == 404  # twice
    moderator = token_for(moderator_user)
    assert (
        moderator.delete(
            f"/{collection.pk}/items/{second.item_id}", {"reason": "Spam."}
        ).status_code
        == 204
    )
    texts = [
        n["text"] for n in api_as(contributor).client.get("/api/v1/notifications").json()["results"]
    ]
    assert texts[-2:] == [
        f"Your item “{second.item.title}” was taken out of “Rivers”: Spam.",
        f"Your item “{theirs.item.title}” was taken out of “Rivers”: Not about rivers.",
    ]

    # The item the moderators hid: the owner lists it (no content) and takes it out.
    listed = owner.get(f"/{collection.pk}/hidden-items").json()
    assert [(h["item_id"], h["added_by"]["handle"], h["hidden_reason"]) for h in listed] == [
        (hidden.item_id, "alan", "Advertising.")
    ]
    assert "Cheap pills" not in str(listed)
    assert token_for(contributor).get(f"/{collection.pk}/hidden-items").status_code == 403
    assert owner.get(f"/{collection.pk}/items/{hidden.item_id}").status_code == 404
    hidden_path = f"/{collection.pk}/items/{hidden.item_id}"
    assert owner.delete(hidden_path, {"reason": "Hidden as spam."}).status_code == 204
    assert owner.get(f"/{collection.pk}/hidden-items").json() == []
    assert not Connection.objects.filter(collection=collection).exists()


def test_a_contributor_takes_out_their_own_item_without_a_body(token_for, collection, contributor):
    own = fill(collection, 1, author=contributor)[0]
    response = token_for(contributor).delete(f"/{collection.pk}/items/{own.item_id}")
    assert response.status_code == 204
    assert not Connection.objects.filter(pk=own.pk).exists()
