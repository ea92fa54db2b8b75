"""What the moderators hid stays out of reach for others everywhere (pages, API, history, live
stream, branches), while moderators read it marked as hidden; and collection owners' acts on
others are logged like conversation starters' acts."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from perchoir.api.services import access_token_create
from perchoir.collections import services as collection_services
from perchoir.conversations import services as conversation_services
from perchoir.conversations.models import Visibility
from perchoir.conversations.selectors import conversation_visible_to
from perchoir.conversations.services import StartOrigin
from perchoir.moderation import services
from perchoir.moderation.models import ActionKind, LogEntry
from tests.collections.factories import CollectionFactory, ConnectionFactory, ItemFactory
from tests.conversations.factories import ConversationFactory, MessageFactory
from tests.factories import ModeratorFactory, UserFactory

pytestmark = pytest.mark.django_db


def _client(person=None) -> Client:
    client = Client()
    if person is not None:
        client.force_login(person)
    return client


def _token_client(person) -> Client:
    _token, secret = access_token_create(user=person, name="tests")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def _hide(moderator, target_kind, target_id, **extra):
    return services.action_take(
        moderator=moderator,
        kind=extra.pop("kind", ActionKind.HIDE),
        target_kind=target_kind,
        target_id=target_id,
        reason="Insults are against rule 1.",
        **extra,
    )


# --- Moderators read hidden text, marked -------------------------------------------------------


def test_a_moderator_reads_a_hidden_message_behind_the_notice_others_only_the_notice(moderator):
    message = MessageFactory(body="You are all idiots")
    _hide(moderator, "message", message.pk)
    url = message.conversation.get_absolute_url()

    colleague = ModeratorFactory()
    page = _client(colleague).get(url).content.decode()
    assert "You are all idiots" in page
    assert "you see it because you are a moderator" in page
    assert "Insults are against rule 1." in page

    for reader in (_client(UserFactory()), _client()):
        page = reader.get(url).content.decode()
        assert "You are all idiots" not in page
        assert "This message was hidden by the moderators. Why: Insults are against rule 1." in page
        assert "you see it because you are a moderator" not in page


def test_a_moderator_reads_a_removed_message_too_marked_as_removed(moderator):
    message = MessageFactory(body="Illegal stuff")
    _hide(moderator, "message", message.pk, kind=ActionKind.DELETE, confirmed=True)
    url = message.conversation.get_absolute_url()
    page = _client(ModeratorFactory()).get(url).content.decode()
    assert "Illegal stuff" in page
    assert "Removed by the moderators: only moderators see it." in page
    assert "Illegal stuff" not in _client(message.author).get(url).content.decode()


def test_a_deleted_conversation_leaves_its_starters_reach_until_the_deletion_is_undone(
    moderator,
):
    hidden = ConversationFactory(title="Rude but editable")
    deleted = ConversationFactory(title="Unlawful thread")
    _hide(moderator, "conversation", hidden.pk)
    action = _hide(moderator, "conversation", deleted.pk, kind=ActionKind.DELETE, confirmed=True)

    # Hidden: the starter still reads it, to change it and ask for it back.
    assert (
        "Rude but editable"
        in _client(hidden.starter).get(hidden.get_absolute_url()).content.decode()
    )
    starter_page = _client(deleted.starter).get(deleted.get_absolute_url()).content.decode()
    assert "This conversation was hidden by the moderators." in starter_page
    assert "Unlawful thread" not in starter_page
    assert (
        _token_client(deleted.starter).get(f"/api/v1/conversations/{deleted.pk}").status_code == 404
    )
    # Kept: the moderators still read it.
    assert (
        "Unlawful thread"
        in _client(ModeratorFactory()).get(deleted.get_absolute_url()).content.decode()
    )

    services.action_undo(
        moderator=ModeratorFactory(), action_id=action.pk, reason="Lawful after all."
    )
    assert (
        "Unlawful thread"
        in _client(deleted.starter).get(deleted.get_absolute_url()).content.decode()
    )
    assert "Unlawful thread" in _client().get(deleted.get_absolute_url()).content.decode()


def test_the_api_gives_a_hidden_messages_text_to_moderators_and_its_author_only(moderator):
    message = MessageFactory(body="You are all idiots")
    _hide(moderator, "message", message.pk)
    path = f"/api/v1/conversations/{message.conversation_id}/messages"

    def body_for(person):
        client = _token_client(person) if person else Client()
        (found,) = client.get(path).json()["results"]
        assert found["hidden"] is True
        assert found["hidden_reason"] == "Insults are against rule 1."
        return found["body"]

    assert body_for(ModeratorFactory()) == "You are all idiots"
    assert body_for(message.author) == "You are all idiots"
    assert body_for(UserFactory()) is None
    assert body_for(None) is None


def test_the_earlier_versions_of_a_hidden_message_are_not_shown_to_others(moderator):
    message = MessageFactory(body="First rude version")
    conversation_services.message_edit(
        author=message.author,
        conversation_id=message.conversation_id,
        message_id=message.pk,
        body="Second rude version",
    )
    _hide(moderator, "message", message.pk)
    history = reverse("conversations:message-history", args=[message.conversation_id, message.pk])
    api = f"/api/v1/conversations/{message.conversation_id}/messages/{message.pk}/history"
    reader = UserFactory()
    page = _client(reader).get(history).content.decode()
    assert "First rude version" not in page
    assert "The moderators hid this message: its history is not shown." in page
    assert _token_client(reader).get(api).json() == []
    assert "First rude version" in _client(message.author).get(history).content.decode()
    assert len(_token_client(ModeratorFactory()).get(api).json()) == 1


# --- A hidden conversation's title ---------------------------------------------------------------


def test_a_hidden_conversations_title_is_in_no_api_answer_for_others(moderator):
    conversation = ConversationFactory(title="Secret complaint")
    message = MessageFactory(conversation=conversation, body="My complaint in full")
    participant = UserFactory()
    conversation.participants.create(user=participant)
    branch = conversation_services.conversation_start(
        starter=UserFactory(),
        title="A branch elsewhere",
        body="Picking up on this",
        origin=StartOrigin(branch_conversation_id=conversation.pk, branch_message_id=message.pk),
    )
    _hide(moderator, "conversation", conversation.pk)

    for client in (Client(), _token_client(UserFactory()), _token_client(participant)):
        detail = client.get(f"/api/v1/conversations/{conversation.pk}")
        assert detail.status_code == 404
        message = detail.json()["error"]["message"]
        assert message == "This conversation was hidden by the moderators."
        assert "Secret complaint" not in detail.content.decode()
        assert "Secret complaint" not in client.get("/api/v1/conversations").content.decode()
        assert client.get(f"/api/v1/conversations/{conversation.pk}/messages").status_code == 404
        assert client.get(f"/api/v1/conversations/{conversation.pk}/highlights").status_code == 404
        origin = client.get(f"/api/v1/conversations/{branch.pk}").json()["branched_from"]
        assert origin["title"] is None
    page = _client(UserFactory()).get(branch.get_absolute_url()).content.decode()
    assert "Secret complaint" not in page
    # Its participants no longer follow it live either.
    assert not conversation_visible_to(participant, str(conversation.pk))
    assert not conversation_visible_to(AnonymousUser(), str(conversation.pk))

    starter = _token_client(conversation.starter).get(f"/api/v1/conversations/{conversation.pk}")
    assert starter.json()["title"] == "Secret complaint"
    assert starter.json()["hidden_reason"] == "Insults are against rule 1."
    page = _client(conversation.starter).get(conversation.get_absolute_url()).content.decode()
    assert "The moderators hid this from others. Why: Insults are against rule 1." in page
    assert conversation_visible_to(ModeratorFactory(), str(conversation.pk))


def test_a_hidden_branch_is_not_announced_under_its_origin_message(moderator):
    origin = MessageFactory(conversation=ConversationFactory(visibility=Visibility.PUBLIC))
    branch = conversation_services.conversation_start(
        starter=UserFactory(),
        title="Branch with a rude title",
        body="Picking up on this",
        origin=StartOrigin(
            branch_conversation_id=origin.conversation_id, branch_message_id=origin.pk
        ),
    )
    url = origin.conversation.get_absolute_url()
    assert "Branch with a rude title" in _client().get(url).content.decode()
    _hide(moderator, "conversation", branch.pk)
    # The origin's rendered thread may lag as long as it is kept (views.THREAD_CACHE_SECONDS):
    # hiding another conversation is no event of this one.
    caches["fragments"].clear()
    assert "Branch with a rude title" not in _client().get(url).content.decode()
    api = Client().get(f"/api/v1/conversations/{origin.conversation_id}/messages").json()
    assert api["results"][0]["branches"] == []


# --- Collection owners' powers, in the one log ---------------------------------------------------


def test_an_owner_removing_others_items_and_contributors_is_logged_like_a_starter(
    django_capture_on_commit_callbacks,
):
    owner, bob = UserFactory(handle="owner"), UserFactory(handle="bob")
    collection = CollectionFactory(owner=owner, policy="invited", contributors=[bob])
    theirs = ConnectionFactory(collection=collection, item=ItemFactory(author=bob, title="Bob's"))
    mine = ConnectionFactory(collection=collection)

    collection_services.connection_remove(
        actor=owner, collection_id=collection.pk, item_id=theirs.item_id, reason="Off topic."
    )
    collection_services.connection_remove(
        actor=owner, collection_id=collection.pk, item_id=mine.item_id
    )
    response = _token_client(owner).delete(
        f"/api/v1/collections/{collection.pk}/contributors/bob",
        {"reason": "Ads."},
        content_type="application/json",
    )
    assert response.status_code == 204

    entries = list(LogEntry.objects.filter(target_kind="collection").order_by("id"))
    assert [(e.verb, e.actor_handle, e.actor_role, e.subject_handle) for e in entries] == [
        ("collection.remove_item", "owner", "owner", "bob"),
        ("collection.remove_contributor", "owner", "owner", "bob"),
    ]
    assert entries[0].target_id == collection.pk
    assert entries[0].before["item"] == theirs.item_id
    assert entries[0].before["title"] == "Bob's"
    assert entries[1].before == {"contributor": True}
    assert entries[1].after == {"contributor": False}
    log = _client(ModeratorFactory()).get(reverse("moderation:log")).content.decode()
    assert "collection.remove_item" in log
    assert "collection.remove_contributor" in log


def test_a_moderator_removing_an_item_is_logged_as_a_moderator_and_leaving_is_not_logged():
    owner, bob = UserFactory(), UserFactory(handle="bob")
    collection = CollectionFactory(owner=owner, policy="invited", contributors=[bob])
    theirs = ConnectionFactory(collection=collection, item=ItemFactory(author=bob))
    moderator = ModeratorFactory(handle="mod")
    collection_services.connection_remove(
        actor=moderator, collection_id=collection.pk, item_id=theirs.item_id, reason="Spam."
    )
    collection_services.contributor_remove(actor=bob, collection_id=collection.pk, handle="bob")
    entry = LogEntry.objects.get(target_kind="collection")
    assert (entry.verb, entry.actor_handle, entry.actor_role) == (
        "collection.remove_item",
        "mod",
        "moderator",
    )
