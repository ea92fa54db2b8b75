"""Who and what a viewer may find: shared by search, explore and home."""

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from perchoir.accounts.models import User
from perchoir.conversations.models import Conversation, Message, Participant, Visibility
from perchoir.conversations.permissions import is_member
from perchoir.moderation.models import Action, ActionKind


def sanctioned_ids() -> QuerySet[Any]:
    """People suspended or banned right now (a subquery of ids, never NULL)."""
    return (
        Action.objects.filter(
            kind__in=[ActionKind.SUSPEND, ActionKind.BAN],
            reversed_at__isnull=True,
            subject__isnull=False,
        )
        .filter(Q(until__isnull=True) | Q(until__gt=timezone.now()))
        .values("subject_id")
    )


def people_findable() -> QuerySet[User]:
    """Active people, neither suspended nor banned."""
    return User.objects.filter(is_active=True).exclude(pk__in=sanctioned_ids())


def conversations_findable(viewer: Any) -> QuerySet[Conversation]:
    """Public conversations, and those the viewer takes part in; never hidden by moderators."""
    visible = Q(visibility=Visibility.PUBLIC)
    if is_member(viewer):
        visible |= Q(
            pk__in=Participant.objects.filter(user_id=viewer.pk, removed_at__isnull=True).values(
                "conversation_id"
            )
        )
    return Conversation.objects.filter(visible, hidden_at__isnull=True)


def messages_findable(viewer: Any) -> QuerySet[Message]:
    """Messages of findable conversations, neither deleted nor hidden, by findable people."""
    return (
        Message.objects.filter(
            conversation__in=conversations_findable(viewer).values("pk"),
            deleted_at__isnull=True,
            hidden_at__isnull=True,
        )
        .exclude(author_id__in=sanctioned_ids())
        .filter(author__is_active=True)
    )
