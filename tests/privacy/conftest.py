"""A member who has done a bit of everything, and people around them."""

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from perchoir.accounts.models import User
from perchoir.accounts.services import profile_avatar_set
from perchoir.api.services import access_token_create
from perchoir.conversations import services as conversations
from perchoir.conversations.models import Conversation, Message, Visibility
from perchoir.follows.services import follow_create
from perchoir.invitations.services import invite_link_create, pending_invitation_create
from perchoir.media.services import image_upload
from tests.factories import UserFactory
from tests.media.images import image_bytes, upload

API = "/api/v1/me/data"


@pytest.fixture(autouse=True)
def _private_exports(settings, tmp_path):
    """Each test keeps its archives in its own folder; email goes to the test outbox."""
    settings.VAR_DIR = tmp_path / "var"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@dataclass
class World:
    member: User
    friend: User
    stranger: User
    public: Conversation
    private: Conversation
    friends_private_words: str
    friends_public_reply: Message
    members_message: Message
    token_secret: str


@pytest.fixture
def world(db, django_capture_on_commit_callbacks) -> World:
    member = UserFactory(handle="alice", email="alice@example.org", bio="I *love* birds.")
    friend = UserFactory(handle="bob", email="bob-secret@example.org")
    stranger = UserFactory(handle="carol", email="carol@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        profile_avatar_set(user=member, file=upload(image_bytes("PNG"), "me.png"))
        image_upload(uploaded_by=member, file=upload(image_bytes("JPEG"), "a.jpg", "image/jpeg"))
        public = conversations.conversation_start(
            starter=member, title="Birds of the marsh", body="Herons first draft."
        )
        first = public.messages.get()
        conversations.message_edit(
            author=member, conversation_id=public.pk, message_id=first.pk, body="Herons, edited."
        )
        conversations.conversation_invite(
            inviter=member, conversation_id=public.pk, addresses=["@bob"]
        )
        conversations.invitation_accept(user=friend, conversation_id=public.pk)
        reply = conversations.message_post(
            author=friend,
            conversation_id=public.pk,
            body="Bob answers in public.",
            reply_to_id=first.pk,
        )
        conversations.highlight_add(
            user=member, conversation_id=public.pk, message_id=reply.pk, passage="answers"
        )
        private = conversations.conversation_start(
            starter=friend,
            title="Bob's secret room",
            body="Bob's private words, for participants only.",
            visibility=Visibility.PRIVATE,
            invitees=["@alice"],
        )
        conversations.invitation_accept(user=member, conversation_id=private.pk)
        mine = conversations.message_post(
            author=member, conversation_id=private.pk, body="Alice writes in private."
        )
        follow_create(follower=member, handle="bob")
        follow_create(follower=stranger, handle="alice")
        invite_link_create(user=member, note="for my cousin", days=7, max_uses=2)
        pending_invitation_create(
            inviter=member, address="cousin-secret@example.org", message="Come and see!"
        )
        _token, secret = access_token_create(user=member, name="My script")
    return World(
        member=User.objects.get(pk=member.pk),
        friend=friend,
        stranger=stranger,
        public=public,
        private=private,
        friends_private_words="Bob's private words",
        friends_public_reply=reply,
        members_message=mine,
        token_secret=secret,
    )


@pytest.fixture
def signed_in():
    def make(person: User) -> Client:
        client = Client()
        client.force_login(person)
        return client

    return make


def api_post(client: Client, path: str, data: Any | None = None, **extra: Any) -> Any:
    return client.post(API + path, data or {}, content_type="application/json", **extra)
