"""A person's collections in their data export, and when their account is deleted."""

import io
import json
import zipfile

import pytest

from perchoir.collections import services
from perchoir.collections.models import (
    Collection,
    CollectionFollow,
    Contributor,
    Item,
    Recommendation,
)
from perchoir.collections.services import ItemFields
from perchoir.privacy.models import DataExport, DeletionMode
from perchoir.privacy.services import account_deletion_perform, account_deletion_request
from tests.factories import PASSWORD

from .conftest import signed_in
from .factories import CollectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(owner, contributor, stranger):
    """Alan contributes to Ada's collection, owns one, follows and recommends."""
    rivers = CollectionFactory(
        owner=owner, title="Rivers", policy="invited", contributors=[contributor]
    )
    own = CollectionFactory(owner=contributor, title="Alan's own")
    mine = services.item_add(
        actor=contributor,
        collection_id=rivers.pk,
        kind="article",
        fields=ItemFields(title="By Alan", body="Alan's words"),
    )
    adas = services.item_add(
        actor=owner,
        collection_id=rivers.pk,
        kind="article",
        fields=ItemFields(title="By Ada", body="Ada's words"),
    )
    services.item_add(
        actor=owner,
        collection_id=rivers.pk,
        kind="link",
        fields=ItemFields(link_url="https://example.org/"),
    )
    services.item_add(
        actor=contributor,
        collection_id=own.pk,
        kind="article",
        fields=ItemFields(title="Alan at home", body="Home"),
    )
    services.collection_follow(user=contributor, collection_id=rivers.pk, follow=True)
    services.item_recommend(
        user=contributor, collection_id=rivers.pk, item_id=adas.item_id, recommend=True
    )
    return {"rivers": rivers, "own": own, "mine": mine, "adas": adas}


def test_the_export_holds_collections_items_and_follows(
    world, contributor, django_capture_on_commit_callbacks
):
    client = signed_in(contributor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/settings/data/export/")
    export = DataExport.objects.latest("id")
    response = client.get(f"/settings/data/exports/{export.pk}/download/")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    data = json.loads(archive.read("collections.json"))
    assert [c["title"] for c in data["collections"]] == ["Alan's own"]
    assert {i["title"] for i in data["items"]} == {"By Alan", "Alan at home"}
    assert data["contributes_to"] == [world["rivers"].pk]
    assert data["follows"] == [world["rivers"].pk]
    assert data["recommends"] == [world["adas"].item_id]


def perform(person, mode):
    deletion, _token = account_deletion_request(user=person, mode=mode, password=PASSWORD)
    account_deletion_perform(deletion_id=deletion.pk, now=deletion.scheduled_for)


def test_anonymised_the_items_stay_and_the_person_leaves(world, contributor):
    perform(contributor, DeletionMode.ANONYMISE)
    assert Item.objects.filter(author=contributor).count() == 2
    assert not Contributor.objects.filter(user=contributor).exists()
    assert not CollectionFollow.objects.exists()
    assert not Recommendation.objects.exists()
    rivers = Collection.objects.get(pk=world["rivers"].pk)
    assert rivers.follower_count == 0
    assert Item.objects.get(pk=world["adas"].item_id).recommendation_count == 0


def test_removed_their_items_and_collections_go_others_stay(world, contributor, owner):
    perform(contributor, DeletionMode.REMOVE)
    assert not Item.objects.filter(author=contributor).exists()
    assert not Collection.objects.filter(owner=contributor).exists()
    rivers = Collection.objects.get(pk=world["rivers"].pk)
    assert rivers.item_count == 2
    assert Item.objects.filter(author=owner).count() == 2
