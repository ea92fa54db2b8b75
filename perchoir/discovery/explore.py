"""Explore (F5): lively public conversations, notable public collections and their new items,
and people to follow, for anyone."""

from dataclasses import dataclass
from typing import Any

from django.core.cache import caches
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from perchoir.accounts.models import User
from perchoir.collections.models import Collection, Connection, ConnectionStatus
from perchoir.collections.selectors import collections_listed
from perchoir.conversations.models import Conversation, Highlight, Participant, Visibility
from perchoir.conversations.permissions import is_member
from perchoir.follows.models import Follow

from .visibility import people_findable, people_findable_by

PEOPLE_TO_FOLLOW = 8
NOTABLE_COLLECTIONS = 6
NEW_ITEMS = 8


def _count(queryset: QuerySet[Any], column: str) -> Coalesce:
    counted = queryset.order_by().values(column).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def conversations_lively(*, viewer: Any) -> QuerySet[Conversation]:
    """Public conversations by findable people, most recently active first, with how many take
    part and how many passages readers highlighted."""
    return (
        Conversation.objects.filter(visibility=Visibility.PUBLIC, hidden_at__isnull=True)
        .filter(starter__in=people_findable_by(viewer))
        .select_related("starter__avatar")
        .annotate(
            participants_count=_count(
                Participant.objects.filter(conversation=OuterRef("pk"), removed_at__isnull=True),
                "conversation",
            ),
            highlights_count=_count(
                Highlight.objects.filter(
                    message__conversation=OuterRef("pk"),
                    message__deleted_at__isnull=True,
                    message__hidden_at__isnull=True,
                ),
                "message__conversation",
            ),
        )
        .order_by("-last_activity_at", "-id")
    )


@dataclass(frozen=True)
class Suggestion:
    person: User
    followers: int


# The ranking of people to suggest is the same for everyone and costs a pass over every person
# (0.1 s at 10,000): each process keeps it a minute. Who is left out (blocks, suspensions, the
# people the viewer follows) is still decided on every request, on these few.
RANKING_KEY = "explore:people-ranked"
RANKING_SECONDS = 60
RANKED = 100


def _followers() -> Coalesce:
    return _count(Follow.objects.filter(followed=OuterRef("pk")), "followed")


def _public_starter() -> Exists:
    return Exists(Conversation.objects.filter(starter=OuterRef("pk"), visibility=Visibility.PUBLIC))


def _ranked(people: QuerySet[User]) -> QuerySet[Any]:
    """Those with followers or a public conversation, the most followed first, then the newest."""
    return (
        people.annotate(followers=_followers())
        .filter(Q(followers__gt=0) | _public_starter())
        .order_by("-followers", "-date_joined", "-id")
    )


def _people_ranked() -> list[tuple[int, int]]:
    """(id, followers) of the findable people with followers or a public conversation, the
    most followed first, then the newest."""
    ranked: list[tuple[int, int]] | None = caches["fragments"].get(RANKING_KEY)
    if ranked is None:
        ranked = list(_ranked(people_findable()).values_list("pk", "followers")[:RANKED])
        caches["fragments"].set(RANKING_KEY, ranked, RANKING_SECONDS)
    return ranked


def _not_followed_by(viewer: Any, people: QuerySet[User]) -> QuerySet[User]:
    if not is_member(viewer):
        return people
    return people.exclude(pk=viewer.pk).exclude(
        pk__in=Follow.objects.filter(follower_id=viewer.pk).values("followed_id")
    )


def people_to_follow(*, viewer: Any, limit: int = PEOPLE_TO_FOLLOW) -> list[Suggestion]:
    """Findable people the viewer does not follow yet, the most followed first."""
    ranked = _people_ranked()
    people = _not_followed_by(viewer, people_findable_by(viewer)).select_related("avatar")
    found = people.filter(pk__in=[pk for pk, _followers in ranked]).in_bulk()
    suggestions = [
        Suggestion(person=found[pk], followers=followers) for pk, followers in ranked if pk in found
    ]
    if len(suggestions) < limit and len(ranked) == RANKED:
        # The viewer follows (or may not see) most of the best ranked: look further, the slow way.
        return [
            Suggestion(person=person, followers=person.followers)
            for person in _ranked(people)[:limit]
        ]
    return suggestions[:limit]


def _public_collections(viewer: Any) -> QuerySet[Collection]:
    """The collections app's public list (never hidden by moderators), by owners the viewer may
    find: what explore may show."""
    return collections_listed(viewer=viewer).filter(owner__in=people_findable_by(viewer))


def collections_notable(*, viewer: Any, limit: int = NOTABLE_COLLECTIONS) -> list[Collection]:
    """Public collections with items, the most followed first, then the most recently changed."""
    return list(
        _public_collections(viewer)
        .filter(item_count__gt=0)
        .order_by("-follower_count", "-updated_at", "-id")[:limit]
    )


def items_new(*, viewer: Any, limit: int = NEW_ITEMS) -> list[Connection]:
    """The latest published items of public collections, each once (an item may sit in
    several), with the collection it was added to."""
    connections = (
        Connection.objects.filter(
            collection__in=_public_collections(viewer).values("pk"),
            status=ConnectionStatus.APPROVED,
            item__published_at__isnull=False,
            item__hidden_at__isnull=True,
            item__author__in=people_findable_by(viewer),
        )
        .select_related("collection", "item__author", "item__image")
        .order_by("-created_at", "-id")
    )
    seen: dict[int, Connection] = {}
    # A few more rows than needed, for the items connected to more than one collection.
    for connection in connections[: limit * 3]:
        seen.setdefault(connection.item_id, connection)
    return list(seen.values())[:limit]
