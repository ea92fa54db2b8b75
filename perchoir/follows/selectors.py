"""Reads about who follows whom, and who a follow list's addresses are here."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Lower

from perchoir.accounts.models import User
from perchoir.core.errors import NotFound

from .models import Block, Follow, FollowImport, FollowImportEntry, MatchKind


@dataclass(frozen=True)
class FollowSummary:
    followers: int
    following: int
    viewer_follows: bool
    viewer_blocks: bool = False  # the viewer blocked the person
    blocked: bool = False  # either blocked the other: no following between them


def _viewer_id(viewer: User | object) -> int | None:
    return getattr(viewer, "id", None) if getattr(viewer, "is_authenticated", False) else None


# --- Blocks ---------------------------------------------------------------------------------


def unblocked(viewer: User | object, field: str) -> Q:
    """A filter that leaves out rows whose person column `field` (say "author_id") is someone
    the viewer blocked or who blocked the viewer; nothing is left out for visitors."""
    viewer_id = _viewer_id(viewer)
    if viewer_id is None:
        return Q()
    return ~Q(
        **{f"{field}__in": Block.objects.filter(blocker_id=viewer_id).values("blocked_id")}
    ) & ~Q(**{f"{field}__in": Block.objects.filter(blocked_id=viewer_id).values("blocker_id")})


def block_between(person: User, other: User) -> bool:
    """Whether either of the two blocked the other (one query)."""
    return Block.objects.filter(
        Q(blocker=person, blocked=other) | Q(blocker=other, blocked=person)
    ).exists()


def blocked_among(*, person: User, people_ids: Iterable[int]) -> set[int]:
    """Which of these people blocked `person` or were blocked by them (one query)."""
    ids = list(people_ids)
    if not ids:
        return set()
    rows = Block.objects.filter(
        Q(blocker=person, blocked_id__in=ids) | Q(blocked=person, blocker_id__in=ids)
    ).values_list("blocker_id", "blocked_id")
    return {other for pair in rows for other in pair if other != person.pk}


def people_blocked_with(*, people_ids: Iterable[int], others_ids: Iterable[int]) -> set[int]:
    """Which of `others_ids` blocked any of `people_ids` or were blocked by one of them (one
    query): an inviter and a conversation's starter, say, against the people invited."""
    people, others = set(people_ids), set(others_ids)
    if not people or not others:
        return set()
    rows = Block.objects.filter(
        Q(blocker_id__in=people, blocked_id__in=others)
        | Q(blocked_id__in=people, blocker_id__in=others)
    ).values_list("blocker_id", "blocked_id")
    return {other for pair in rows for other in pair if other in others}


def block_between_exists(viewer_id: int, other: OuterRef) -> Exists:
    """For an annotation: whether the viewer and the person of column `other` (the owner of a
    collection, say) are across a block, either way; no extra query."""
    return Exists(
        Block.objects.filter(
            Q(blocker_id=viewer_id, blocked_id=other) | Q(blocker_id=other, blocked_id=viewer_id)
        )
    )


def blocks_of(*, user: User) -> QuerySet[Block]:
    """The people `user` blocked, the latest first, each with their avatar."""
    return (
        Block.objects.filter(blocker=user)
        .select_related("blocked__avatar")
        .order_by("-created_at", "-id")
    )


def follow_summary(*, person: User, viewer: User | object) -> FollowSummary:
    """Counts of a profile and whether the viewer follows the person, in one query; whether a
    block stands between them in one more (signed in only)."""
    viewer_id = _viewer_id(viewer)
    counts = Follow.objects.filter(Q(followed=person) | Q(follower=person)).aggregate(
        followers=Count("id", filter=Q(followed=person, follower__is_active=True)),
        following=Count("id", filter=Q(follower=person, followed__is_active=True)),
        viewer_follows=Count("id", filter=Q(followed=person, follower_id=viewer_id)),
    )
    blockers: set[int] = set()
    if viewer_id is not None:
        blockers = set(
            Block.objects.filter(
                Q(blocker_id=viewer_id, blocked=person) | Q(blocker=person, blocked_id=viewer_id)
            ).values_list("blocker_id", flat=True)
        )
    return FollowSummary(
        followers=counts["followers"],
        following=counts["following"],
        viewer_follows=bool(viewer_id and counts["viewer_follows"]),
        viewer_blocks=viewer_id in blockers,
        blocked=bool(blockers),
    )


def _count_of(follows: QuerySet[Follow], column: str) -> Coalesce:
    counted = follows.order_by().values(column).annotate(count=Count("id")).values("count")[:1]
    return Coalesce(Subquery(counted), 0)


def profile_get_with_follows(*, handle: str, viewer: User | object) -> tuple[User, FollowSummary]:
    """The active person `handle` (as accounts' profile_get_by_handle) with their follow counts,
    whether the viewer follows them and whether a block stands between them, all in the
    profile's one query."""
    viewer_id = _viewer_id(viewer)
    person = (
        User.objects.select_related("avatar", "invited_by")
        .filter(handle__iexact=handle.removeprefix("@"), is_active=True)
        .annotate(
            followers_count=_count_of(
                Follow.objects.filter(followed=OuterRef("pk"), follower__is_active=True),
                "followed",
            ),
            following_count=_count_of(
                Follow.objects.filter(follower=OuterRef("pk"), followed__is_active=True),
                "follower",
            ),
            viewer_follows=Exists(
                Follow.objects.filter(followed=OuterRef("pk"), follower_id=viewer_id)
            ),
            viewer_blocks=Exists(
                Block.objects.filter(blocked=OuterRef("pk"), blocker_id=viewer_id)
            ),
            blocks_viewer=Exists(
                Block.objects.filter(blocker=OuterRef("pk"), blocked_id=viewer_id)
            ),
        )
        .first()
    )
    if person is None:
        raise NotFound()
    summary = FollowSummary(
        followers=person.followers_count,
        following=person.following_count,
        viewer_follows=bool(viewer_id) and person.viewer_follows,
        viewer_blocks=bool(viewer_id) and person.viewer_blocks,
        blocked=bool(viewer_id) and (person.viewer_blocks or person.blocks_viewer),
    )
    return person, summary


def followers_list(*, person: User) -> QuerySet[Follow]:
    """Who follows `person` (active people only), newest first, each with their avatar."""
    return (
        Follow.objects.filter(followed=person, follower__is_active=True)
        .select_related("follower__avatar")
        .order_by("-created_at", "-id")
    )


def following_list(*, person: User) -> QuerySet[Follow]:
    """Whom `person` follows (active people only), newest first, each with their avatar."""
    return (
        Follow.objects.filter(follower=person, followed__is_active=True)
        .select_related("followed__avatar")
        .order_by("-created_at", "-id")
    )


def following_ids_among(*, viewer: User | object, people_ids: Iterable[int | None]) -> set[int]:
    """Which of these people the viewer follows, in one query (none when signed out)."""
    ids = [person_id for person_id in people_ids if person_id is not None]
    if not ids or not getattr(viewer, "is_authenticated", False):
        return set()
    return set(
        Follow.objects.filter(
            follower_id=getattr(viewer, "pk", None), followed_id__in=ids
        ).values_list("followed_id", flat=True)
    )


def people_by_handles(handles: Iterable[str]) -> dict[str, User]:
    """Active people whose handle is one of these, whatever the casing; keyed by lower case."""
    wanted = {handle.lower() for handle in handles}
    if not wanted:
        return {}
    people = User.objects.annotate(handle_lower=Lower("handle")).filter(
        handle_lower__in=wanted, is_active=True
    )
    return {person.handle.lower(): person for person in people}


def follow_import_get_for_user(*, user: User, import_id: int) -> FollowImport:
    """One of the person's own imports; anyone else's is absent."""
    follow_import = FollowImport.objects.defer("entries").filter(id=import_id, user=user).first()
    if follow_import is None:
        raise NotFound()
    return follow_import


def follow_import_list_for_user(*, user: User) -> QuerySet[FollowImport]:
    return FollowImport.objects.defer("entries").filter(user=user)


def follow_import_matches(*, follow_import: FollowImport) -> QuerySet[FollowImportEntry]:
    """Lines that matched someone here (sure first, then probable), with the person's avatar."""
    return (
        follow_import.results.filter(person__is_active=True)
        .exclude(kind=MatchKind.MISSING)
        .select_related("person__avatar")
        .order_by("kind", "position")
    )


def follow_import_missing(*, follow_import: FollowImport) -> QuerySet[FollowImportEntry]:
    return follow_import.results.filter(kind=MatchKind.MISSING).order_by("position")
