"""Blocks in collections: nobody invites, asks in, joins, follows or submits across a block,
either way; the block declines what waited between the two and ends the follows of each
other's collections; contributions stay."""

import pytest
from django.test import Client

from perchoir.collections import services
from perchoir.collections.models import (
    Collection,
    CollectionFollow,
    Connection,
    ConnectionStatus,
    ContributionPolicy,
    ContributionRequest,
    Contributor,
    ContributorInvitation,
    RequestStatus,
)
from perchoir.core.errors import Forbidden, InvalidInput
from perchoir.follows.services import block_create, block_delete
from perchoir.notifications.models import Notification
from tests.collections.factories import CollectionFactory, ConnectionFactory, ItemFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada():
    return UserFactory(handle="ada", display_name="Ada Lovelace")


@pytest.fixture
def bob():
    return UserFactory(handle="bob", display_name="Bob Builder")


@pytest.fixture(params=["ada blocks bob", "bob blocks ada"])
def blocked(request, ada, bob):
    """A block between Ada and Bob, one way then the other: every rule holds both ways."""
    if request.param == "ada blocks bob":
        block_create(blocker=ada, handle="bob")
    else:
        block_create(blocker=bob, handle="ada")
    return request.param


@pytest.fixture
def shells(ada):
    return CollectionFactory(owner=ada, title="Shells", policy=ContributionPolicy.INVITED)


def signed_in(person):
    client = Client()
    client.force_login(person)
    return client


def api(person, method, path, data=None):
    return getattr(signed_in(person), method)(
        "/api/v1/collections" + path, data or {}, content_type="application/json"
    )


# --- Invitations --------------------------------------------------------------------------------


def test_nobody_invites_a_contributor_across_a_block(blocked, ada, shells):
    for address in ("@bob", "bob@example.org"):
        with pytest.raises(InvalidInput) as refused:
            services.contributor_invite(actor=ada, collection_id=shells.pk, addresses=[address])
        shown = address if "@example" in address else "@bob"
        assert refused.value.fields == {"invitees": [f"You cannot invite {shown}."]}
    assert not ContributorInvitation.objects.exists()
    assert not Notification.objects.exists()


def test_a_bulk_invitation_naming_someone_across_a_block_invites_nobody(blocked, ada, shells):
    carol = UserFactory(handle="carol")
    with pytest.raises(InvalidInput, match=r"You cannot invite @bob\."):
        services.contributor_invite(
            actor=ada, collection_id=shells.pk, addresses=["@carol @bob newcomer@example.net"]
        )
    assert not ContributorInvitation.objects.filter(invitee=carol).exists()


def test_the_contributors_page_and_the_api_refuse_the_invitation(blocked, ada, shells):
    page = signed_in(ada).post(f"/k/{shells.pk}/contributors/", {"invitees": "@bob"})
    assert page.status_code == 400
    assert "You cannot invite @bob." in page.text
    response = api(ada, "post", f"/{shells.pk}/contributors", {"addresses": ["@bob"]})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"invitees": ["You cannot invite @bob."]}
    assert not ContributorInvitation.objects.exists()


def test_a_waiting_invitation_is_not_accepted_across_a_block(blocked, ada, bob, shells):
    # As if sent between the block and now (the block itself declines those that waited).
    ContributorInvitation.objects.create(collection=shells, invitee=bob, inviter=ada)
    with pytest.raises(Forbidden, match=r"You cannot accept this invitation\."):
        services.contributor_invitation_answer(user=bob, collection_id=shells.pk, accept=True)
    response = api(bob, "post", f"/{shells.pk}/invitation", {"accept": True})
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "You cannot accept this invitation."
    page = signed_in(bob).post(f"/k/{shells.pk}/invitation/", {"answer": "accept"})
    assert page.status_code == 403
    assert not Contributor.objects.exists()
    services.contributor_invitation_answer(user=bob, collection_id=shells.pk, accept=False)
    assert ContributorInvitation.objects.get().status == RequestStatus.DECLINED


def test_an_invite_link_does_not_let_someone_across_a_block_in(blocked, ada, bob, shells):
    token = services.collection_invite_link_reset(actor=ada, collection_id=shells.pk)
    with pytest.raises(Forbidden, match=r"You cannot contribute to this collection\."):
        services.collection_join_by_link(user=bob, collection_id=shells.pk, token=token)
    response = api(bob, "post", f"/{shells.pk}/join", {"token": token})
    assert response.status_code == 403
    page = signed_in(bob).post(f"/k/{shells.pk}/join/{token}/")
    assert page.status_code == 403
    assert "You cannot contribute to this collection." in page.text
    assert not Contributor.objects.exists()


# --- Requests and submissions -------------------------------------------------------------------


def test_nobody_asks_to_contribute_across_a_block(blocked, bob, shells):
    page = signed_in(bob).get(f"/k/{shells.pk}/").text
    assert "Ask to contribute" not in page
    with pytest.raises(Forbidden, match=r"You cannot ask to contribute to this collection\."):
        services.contribution_request_create(requester=bob, collection_id=shells.pk)
    forced = signed_in(bob).post(f"/k/{shells.pk}/request/", {"message": "Me"})
    assert forced.status_code == 403
    response = api(bob, "post", f"/{shells.pk}/requests", {"message": "Me"})
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "You cannot ask to contribute to this collection."
    assert api(bob, "get", f"/{shells.pk}").json()["viewer"]["can_request_to_contribute"] is False
    assert not ContributionRequest.objects.exists()


def test_a_waiting_request_is_not_approved_across_a_block(blocked, ada, bob, shells):
    request = ContributionRequest.objects.create(collection=shells, requester=bob)
    with pytest.raises(Forbidden, match=r"You cannot approve this request\."):
        services.contribution_request_decide(
            actor=ada, collection_id=shells.pk, request_id=request.pk, approve=True
        )
    response = api(ada, "post", f"/{shells.pk}/requests/{request.pk}", {"approve": True})
    assert response.status_code == 403
    assert not Contributor.objects.exists()
    declined = api(ada, "post", f"/{shells.pk}/requests/{request.pk}", {"approve": False})
    assert declined.json()["status"] == RequestStatus.DECLINED


@pytest.mark.parametrize("policy", [ContributionPolicy.ANYONE, ContributionPolicy.SUBMIT])
def test_nobody_adds_or_submits_items_across_a_block(blocked, ada, bob, policy):
    garden = CollectionFactory(owner=ada, title="Garden", policy=policy)
    page = signed_in(bob).get(f"/k/{garden.pk}/").text
    assert f'href="/k/{garden.pk}/add/"' not in page
    response = api(
        bob, "post", f"/{garden.pk}/items", {"kind": "article", "title": "Mine", "body": "Text"}
    )
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "You cannot add items to this collection."
    assert signed_in(bob).get(f"/k/{garden.pk}/add/").status_code == 403
    assert not Connection.objects.filter(collection=garden).exists()


def test_a_pending_submission_is_not_approved_across_a_block(ada, bob):
    garden = CollectionFactory(owner=ada, policy=ContributionPolicy.SUBMIT)
    item = ItemFactory(author=bob)
    pending = ConnectionFactory(
        collection=garden, item=item, added_by=bob, status=ConnectionStatus.PENDING
    )
    block_create(blocker=ada, handle="bob")
    pending.refresh_from_db()
    assert pending.status == ConnectionStatus.DECLINED  # the block declined it, kept
    Connection.objects.filter(pk=pending.pk).update(status=ConnectionStatus.PENDING)
    with pytest.raises(Forbidden, match=r"You cannot approve this submission\."):
        services.connection_decide(
            actor=ada, collection_id=garden.pk, connection_id=pending.pk, approve=True
        )


# --- Following collections ----------------------------------------------------------------------


def test_nobody_follows_a_collection_across_a_block(blocked, ada, bob, shells):
    page = signed_in(bob).get(f"/k/{shells.pk}/").text
    assert f'action="/k/{shells.pk}/follow/"' not in page
    with pytest.raises(Forbidden, match=r"You cannot follow this collection\."):
        services.collection_follow(user=bob, collection_id=shells.pk, follow=True)
    forced = signed_in(bob).post(f"/k/{shells.pk}/follow/", {"follow": "1"})
    assert forced.status_code == 403
    assert "You cannot follow this collection." in forced.text
    response = api(bob, "post", f"/{shells.pk}/follow")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "You cannot follow this collection."
    assert not CollectionFollow.objects.exists()
    # Unfollowing is always possible (and changes nothing here).
    assert api(bob, "delete", f"/{shells.pk}/follow").status_code == 200


def test_unblocking_lets_them_follow_invite_and_ask_again(ada, bob, shells):
    block_create(blocker=ada, handle="bob")
    block_delete(blocker=ada, handle="bob")
    services.collection_follow(user=bob, collection_id=shells.pk, follow=True)
    services.contribution_request_create(requester=bob, collection_id=shells.pk)
    outcome = services.contributor_invite(actor=ada, collection_id=shells.pk, addresses=["bob"])
    assert outcome.invited == [bob]


# --- At the moment of the block ----------------------------------------------------------------


def test_a_block_declines_what_waited_and_ends_the_follows_of_each_others_collections(
    ada, bob, shells
):
    carol = UserFactory(handle="carol")
    bobs = CollectionFactory(owner=bob, title="Bob's", policy=ContributionPolicy.INVITED)
    carols = CollectionFactory(owner=carol, title="Carol's", policy=ContributionPolicy.INVITED)
    invited = ContributorInvitation.objects.create(collection=shells, invitee=bob, inviter=ada)
    asked = ContributionRequest.objects.create(collection=bobs, requester=ada)
    elsewhere = ContributorInvitation.objects.create(collection=carols, invitee=bob, inviter=carol)
    for user, collection in ((bob, shells), (ada, bobs), (bob, carols), (carol, shells)):
        services.collection_follow(user=user, collection_id=collection.pk, follow=True)

    block_create(blocker=bob, handle="ada")

    for row, status in ((invited, "declined"), (asked, "declined"), (elsewhere, "pending")):
        row.refresh_from_db()
        assert row.status == status
        assert (row.decided_at is not None) == (status == "declined")
    assert set(CollectionFollow.objects.values_list("user__handle", "collection__title")) == {
        ("bob", "Carol's"),
        ("carol", "Shells"),
    }
    counts = dict(Collection.objects.values_list("title", "follower_count"))
    assert counts == {"Shells": 1, "Bob's": 0, "Carol's": 1}
    # Unblocking brings neither the follows nor the invitation back.
    block_delete(blocker=bob, handle="ada")
    assert CollectionFollow.objects.count() == 2
    invited.refresh_from_db()
    assert invited.status == RequestStatus.DECLINED


def test_a_block_leaves_contributions_as_they_were(ada, bob, shells):
    Contributor.objects.create(collection=shells, user=bob, added_by=ada)
    ConnectionFactory(collection=shells, item=ItemFactory(author=bob), added_by=bob)
    block_create(blocker=ada, handle="bob")
    assert Contributor.objects.filter(collection=shells, user=bob).exists()
    assert Connection.objects.filter(collection=shells, added_by=bob).count() == 1
    # A contributor still adds (their place stays until the owner removes them).
    response = api(
        bob, "post", f"/{shells.pk}/items", {"kind": "article", "title": "Mine", "body": "Text"}
    )
    assert response.status_code == 201


def test_nobody_contacts_an_event_organiser_across_a_block(blocked, ada, bob):
    from datetime import datetime

    from perchoir.collections.services import ItemFields
    from perchoir.conversations.models import Conversation

    garden = CollectionFactory(owner=ada)
    event = services.item_add(
        actor=ada,
        collection_id=garden.pk,
        kind="event",
        fields=ItemFields(
            title="Planting",
            starts_at=datetime(2026, 12, 1, 9, 30),
            time_zone="Europe/Paris",
            online_url="https://meet.example.org/x",
        ),
    )
    contact = f"/k/{garden.pk}/i/{event.item_id}/contact/"
    page = signed_in(bob).post(contact, {"message": "Is it free?"})
    assert page.status_code == 400
    assert "You cannot contact the organiser of this event." in page.text
    assert "Is it free?" in page.text  # what was written is kept
    response = api(bob, "post", f"/{garden.pk}/items/{event.item_id}/contact", {"message": "Hi"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "message": ["You cannot contact the organiser of this event."]
    }
    assert not Conversation.objects.exists()
