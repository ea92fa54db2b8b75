"""Who and what a viewer may find: shared by search, explore and home. Nobody finds the
content of someone they blocked or who blocked them (`people_findable_by`)."""

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from perchoir.accounts.models import User
from perchoir.collections.models import Collection, Connection, ConnectionStatus, Item
from perchoir.collections.selectors import collections_listed, collections_of_member
from perchoir.conversations.models import Conversation, Message, Participant, Visibility
from perchoir.conversations.permissions import is_member
from perchoir.follows.models import Block
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


# Beyond this many, the people hidden from a viewer stay subqueries (bans accumulate).
HIDDEN_PEOPLE_LISTED = 200


def people_hidden_from(viewer: Any) -> list[int] | None:
    """The people whose content the viewer never finds right now (suspended or banned, or
    across a block either way), read in one query for a page that filters several querysets
    by them: a short list of ids compiles and runs faster than the same subqueries in each.
    None when there are too many to list: then use `people_findable_by`."""
    # No ORDER BY inside a UNION (models' default orderings): SQLite refuses it.
    hidden = sanctioned_ids().order_by().values_list("subject_id", flat=True)
    viewer_id = viewer.pk if getattr(viewer, "is_authenticated", False) else None
    if viewer_id is not None:
        blocks = Block.objects.order_by()
        hidden = hidden.union(
            blocks.filter(blocker_id=viewer_id).values_list("blocked_id", flat=True),
            blocks.filter(blocked_id=viewer_id).values_list("blocker_id", flat=True),
        )
    ids = list(hidden[: HIDDEN_PEOPLE_LISTED + 1])
    return ids if len(ids) <= HIDDEN_PEOPLE_LISTED else None


def person_findable(field: str, viewer: Any, hidden: list[int] | None) -> Q:
    """The rows whose person column `field` (say "starter") is findable by the viewer: the
    filter `people_findable_by` gives, with `people_hidden_from`'s list when there is one."""
    if hidden is None:
        return Q(**{f"{field}__in": people_findable_by(viewer)})
    return Q(**{f"{field}__is_active": True}) & ~Q(**{f"{field}__in": hidden})


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


def collections_findable(viewer: Any, hidden: list[int] | None = None) -> QuerySet[Collection]:
    """The collections the collections app lists to the viewer (public ones, their own and those
    they contribute to: an unlisted collection is reached by its address only, a private one by
    its people only), never hidden by moderators, by owners the viewer may find (`hidden`:
    `people_hidden_from(viewer)` if the caller has read it)."""
    listed = Q(pk__in=collections_listed(viewer=viewer).values("pk")) | Q(
        pk__in=collections_of_member(viewer=viewer).values("pk")
    )
    return Collection.objects.filter(listed, hidden_at__isnull=True).filter(
        person_findable("owner", viewer, hidden)
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
