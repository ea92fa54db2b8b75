"""Who and what a viewer may find: shared by search, explore and home. Nobody finds the
content of someone they blocked or who blocked them (`people_findable_by`).

Each rule here is a query, decided in SQL from the rows alone (the current time being its only
moving value), and reads of the viewer only whether they are signed in and active, their role
and their id: search compiles each kind of viewer's checks once per process (`prepared.py`),
so a rule that decided something in Python, from a setting or a row read at call time, would
be frozen there. Home writes the same rules in SQL (`home.py`), checked against these by the
tests."""

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from perchoir.accounts.models import User
from perchoir.collections.models import Collection, Connection, ConnectionStatus, Item
from perchoir.collections.selectors import collections_listed, collections_of_member
from perchoir.conversations.models import Conversation, Message, Participant, Visibility
from perchoir.conversations.permissions import is_member
from perchoir.follows.selectors import unblocked
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


def people_findable_by(viewer: Any) -> QuerySet[User]:
    """Findable people whose content the viewer sees: not across a block, either way."""
    return people_findable().filter(unblocked(viewer, "pk"))


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
        .filter(unblocked(viewer, "author_id"))
    )


def collections_findable(viewer: Any) -> QuerySet[Collection]:
    """The collections the collections app lists to the viewer (public ones, their own and those
    they contribute to: an unlisted collection is reached by its address only, a private one by
    its people only), never hidden by moderators, by owners the viewer may find."""
    listed = Q(pk__in=collections_listed(viewer=viewer).values("pk")) | Q(
        pk__in=collections_of_member(viewer=viewer).values("pk")
    )
    return Collection.objects.filter(listed, hidden_at__isnull=True).filter(
        owner__in=people_findable_by(viewer)
    )


def items_findable(viewer: Any) -> QuerySet[Item]:
    """Published items by findable people, not hidden by moderators (not even from their author:
    discovery shows nobody hidden things), in at least one collection the viewer may find."""
    return Item.objects.filter(
        published_at__isnull=False, hidden_at__isnull=True, author__in=people_findable_by(viewer)
    ).filter(
        pk__in=Connection.objects.filter(
            status=ConnectionStatus.APPROVED,
            collection__in=collections_findable(viewer).values("pk"),
        ).values("item_id")
    )
