"""Conversations, participants and messages as the services would leave them.

ConversationFactory creates the starter's participant row; `participants=[...]` adds others.
MessageFactory renders body_html from body (as the services do: once, sanitised) and counts the
message in its conversation; its author is the starter unless given.
"""

import factory
from django.db.models import F
from django.utils import timezone

from perchoir.conversations.models import (
    Conversation,
    Highlight,
    Invitation,
    InvitePolicy,
    JoinRequest,
    JoinRequestKind,
    Message,
    Participant,
    ParticipantRole,
    Visibility,
)
from perchoir.core.markdown import render_markdown
from tests.factories import UserFactory


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Conversation {n}")
    starter = factory.SubFactory(UserFactory)
    visibility = Visibility.PUBLIC
    invite_policy = InvitePolicy.PARTICIPANTS

    @factory.post_generation
    def participants(self, create: bool, extracted: list | None, **kwargs: object) -> None:
        """The starter always takes part; `participants=[people]` adds more."""
        if not create:
            return
        Participant.objects.create(
            conversation=self, user=self.starter, role=ParticipantRole.STARTER
        )
        for person in extracted or []:
            Participant.objects.create(conversation=self, user=person)


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    conversation = factory.SubFactory(ConversationFactory)
    user = factory.SubFactory(UserFactory)
    role = ParticipantRole.PARTICIPANT


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message
        skip_postgeneration_save = True

    conversation = factory.SubFactory(ConversationFactory)
    author = factory.LazyAttribute(lambda message: message.conversation.starter)
    body = factory.Sequence(lambda n: f"Message number {n}, with *some* Markdown.")
    body_html = factory.LazyAttribute(lambda message: render_markdown(message.body))

    @factory.post_generation
    def counted(self, create: bool, extracted: object, **kwargs: object) -> None:
        # The conversation's message count and activity, as message_post keeps them.
        if create:
            Conversation.objects.filter(pk=self.conversation_id).update(
                message_count=F("message_count") + 1, last_activity_at=timezone.now()
            )


class InvitationFactory(factory.django.DjangoModelFactory):
    """A pending invitation of a member into a conversation."""

    class Meta:
        model = Invitation

    conversation = factory.SubFactory(ConversationFactory)
    invitee = factory.SubFactory(UserFactory)
    inviter = factory.LazyAttribute(lambda invitation: invitation.conversation.starter)


class JoinRequestFactory(factory.django.DjangoModelFactory):
    """A pending request to join (kind=JoinRequestKind.SUGGESTION for a suggested message)."""

    class Meta:
        model = JoinRequest

    conversation = factory.SubFactory(ConversationFactory)
    requester = factory.SubFactory(UserFactory)
    kind = JoinRequestKind.JOIN
    body = "I know this subject well."
    body_html = factory.LazyAttribute(
        lambda request: (
            render_markdown(request.body) if request.kind == JoinRequestKind.SUGGESTION else ""
        )
    )


class HighlightFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Highlight

    message = factory.SubFactory(MessageFactory)
    user = factory.SubFactory(UserFactory)
    passage = "some"
