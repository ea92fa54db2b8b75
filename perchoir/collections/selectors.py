"""Reads of collections, always through the viewer: what they may not see does not exist."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from perchoir.accounts.models import User
from perchoir.core.errors import Forbidden, InvalidInput, NotFound
from perchoir.follows.selectors import block_between_exists
from perchoir.moderation.hiding import HiddenByModerators, hidden_where

from .models import (
    Collection,
    CollectionFollow,
    Connection,
    ConnectionStatus,
    ContributionPolicy,
    ContributionRequest,
    Contributor,
    ContributorInvitation,
    Item,
    Recommendation,
    RequestStatus,
    Visibility,
)
from .permissions import (
    Standing,
    Viewer,
    can_manage,
    can_see_item,
    can_view,
    is_member,
    is_owner,
)

PAGE_SIZE = 60
MAX_PAGE_SIZE = 100


class Sort:
    MANUAL = "manual"
    NEWEST = "newest"
    RECOMMENDED = "recommended"
    ALL = (MANUAL, NEWEST, RECOMMENDED)


def _viewer_id(viewer: Viewer) -> int | None:
    return viewer.pk if is_member(viewer) else None


def collection_get_for_viewer(
    *, viewer: Viewer, collection_id: int, for_update: bool = False
) -> tuple[Collection, Standing]:
    """The collection and where the viewer stands in it; NotFound if they may not see it.
    One query for a visitor, one for a member (standing as annotations)."""
    viewer_id = _viewer_id(viewer)
    collections = Collection.objects.select_related("owner__avatar", "cover").order_by()
    if viewer_id is not None:
        collections = collections.annotate(
            viewer_contributor=Exists(
                Contributor.objects.filter(collection=OuterRef("pk"), user_id=viewer_id)
            ),
            viewer_invited=Exists(
                ContributorInvitation.objects.filter(
                    collection=OuterRef("pk"), invitee_id=viewer_id, status=RequestStatus.PENDING
                )
            ),
            viewer_following=Exists(
                CollectionFollow.objects.filter(collection=OuterRef("pk"), user_id=viewer_id)
            ),
            viewer_blocked=block_between_exists(viewer_id, OuterRef("owner_id")),
        )
    if for_update:
        collections = collections.select_for_update(of=("self",))
    collection = next(iter(collections.filter(pk=collection_id)[:1]), None)
    if collection is None:
        raise NotFound()
    standing = Standing(
        is_contributor=bool(getattr(collection, "viewer_contributor", False)),
        invited=bool(getattr(collection, "viewer_invited", False)),
        following=bool(getattr(collection, "viewer_following", False)),
        blocked=bool(getattr(collection, "viewer_blocked", False)),
    )
    if not can_view(viewer, collection, standing):
        raise NotFound()
    if collection.hidden_from(viewer):
        raise HiddenByModerators(collection, _("This collection was hidden by the moderators."))
    return collection, standing


def collection_get_for_manager(
    *, viewer: Viewer, collection_id: int, for_update: bool = False
) -> tuple[Collection, Standing]:
    """As `collection_get_for_viewer`, for what only its owner (or a moderator) does: Forbidden
    for anyone else who may see it."""
    collection, standing = collection_get_for_viewer(
        viewer=viewer, collection_id=collection_id, for_update=for_update
    )
    if not can_manage(viewer, collection):
        raise Forbidden(_("Only the owner of the collection does this."))
    return collection, standing


def _shown_collections(viewer: Viewer) -> Q:
    """Not hidden by the moderators from the viewer (their own hidden ones stay theirs)."""
    return hidden_where(viewer, owner_field="owner")


def _shown_items(viewer: Viewer) -> Q:
    return hidden_where(viewer, owner_field="author", prefix="item__")


def _listable_q(viewer: Viewer) -> Q:
    """Collections that may be listed to the viewer: public ones, and their own or those they
    contribute to (an unlisted collection is only reached by its address)."""
    listable = Q(visibility=Visibility.PUBLIC)
    viewer_id = _viewer_id(viewer)
    if viewer_id is not None:
        listable |= Q(owner_id=viewer_id) | Q(
            pk__in=Contributor.objects.filter(user_id=viewer_id).values("collection_id")
        )
    return listable


def collections_listed(*, viewer: Viewer) -> QuerySet[Collection]:
    """Public collections, most recently changed first; never those hidden by the moderators."""
    return (
        Collection.objects.filter(visibility=Visibility.PUBLIC, hidden_at__isnull=True)
        .select_related("owner", "cover")
        .order_by("-updated_at", "-id")
    )


def collections_of_member(*, viewer: Viewer) -> QuerySet[Collection]:
    """The viewer's own collections and those they contribute to."""
    viewer_id = _viewer_id(viewer)
    if viewer_id is None:
        return Collection.objects.none()
    return (
        Collection.objects.filter(
            Q(owner_id=viewer_id)
            | Q(pk__in=Contributor.objects.filter(user_id=viewer_id).values("collection_id")),
            _shown_collections(viewer),
        )
        .select_related("owner", "cover")
        .order_by("-updated_at", "-id")
    )


def collections_of_person(*, person: User, viewer: Viewer) -> QuerySet[Collection]:
    """A profile's collections (owned or contributed to): public ones, plus those the viewer
    takes part in."""
    return (
        Collection.objects.filter(
            _listable_q(viewer),
            _shown_collections(viewer),
            Q(owner=person)
            | Q(pk__in=Contributor.objects.filter(user=person).values("collection_id")),
        )
        .select_related("owner", "cover")
        .order_by("-updated_at", "-id")
    )


def connections_with_relations(connections: QuerySet[Connection]) -> QuerySet[Connection]:
    """What an item card shows, fetched along (one query for a whole page)."""
    return connections.select_related(
        "item__author", "item__image", "item__link_preview__image", "added_by"
    )


@dataclass(frozen=True)
class ItemsPage:
    connections: list[Connection]
    next_cursor: str | None
    sort: str


def _parse_cursor(cursor: str, parts: int) -> list[int]:
    try:
        values = [int(value) for value in cursor.split(".")]
    except ValueError:
        values = []
    if len(values) != parts or any(abs(v) >= 2**63 for v in values):
        raise InvalidInput.for_field(
            "cursor", _("This cursor is not valid; start again from the first page.")
        )
    return values


def collection_items_page(
    *,
    collection: Collection,
    viewer: Viewer,
    sort: str = Sort.MANUAL,
    cursor: str = "",
    size: int = PAGE_SIZE,
) -> ItemsPage:
    """A page of the collection's approved items (drafts only for their author), by keyset:
    one query however long the collection, and however far in it."""
    size = max(1, min(size, MAX_PAGE_SIZE))
    if sort not in Sort.ALL:
        sort = Sort.MANUAL
    connections = Connection.objects.filter(collection=collection, status=ConnectionStatus.APPROVED)
    viewer_id = _viewer_id(viewer)
    published = Q(item__published_at__isnull=False)
    connections = connections.filter(
        published | Q(item__author_id=viewer_id) if viewer_id is not None else published,
        _shown_items(viewer),
    )
    if sort == Sort.MANUAL:
        connections = connections.order_by("position", "id")
        if cursor:
            position, last = _parse_cursor(cursor, 2)
            connections = connections.filter(
                Q(position__gt=position) | Q(position=position, id__gt=last)
            )
    elif sort == Sort.NEWEST:
        connections = connections.order_by("-id")
        if cursor:
            (last,) = _parse_cursor(cursor, 1)
            connections = connections.filter(id__lt=last)
    else:
        connections = connections.order_by("-item__recommendation_count", "-id")
        if cursor:
            count, last = _parse_cursor(cursor, 2)
            connections = connections.filter(
                Q(item__recommendation_count__lt=count)
                | Q(item__recommendation_count=count, id__lt=last)
            )
    rows = list(connections_with_relations(connections)[: size + 1])
    page, more = rows[:size], len(rows) > size
    next_cursor = None
    if more and page:
        last_row = page[-1]
        if sort == Sort.MANUAL:
            next_cursor = f"{last_row.position}.{last_row.pk}"
        elif sort == Sort.NEWEST:
            next_cursor = str(last_row.pk)
        else:
            next_cursor = f"{last_row.item.recommendation_count}.{last_row.pk}"
    return ItemsPage(connections=page, next_cursor=next_cursor, sort=sort)


def recommended_item_ids(*, viewer: Viewer, items: list[Item]) -> set[int]:
    viewer_id = _viewer_id(viewer)
    if viewer_id is None or not items:
        return set()
    return set(
        Recommendation.objects.filter(user_id=viewer_id, item__in=items).values_list(
            "item_id", flat=True
        )
    )


def connection_get_for_viewer(
    *, viewer: Viewer, collection_id: int, item_id: int, for_removal: bool = False
) -> tuple[Collection, Standing, Connection]:
    """An item as it sits in a collection. An item of another collection, a draft of someone
    else, or a submission still waiting (except for its submitter and the owner) is not found.
    `for_removal`: the owner reaches an item the moderators hid from them, to take it out."""
    collection, standing = collection_get_for_viewer(viewer=viewer, collection_id=collection_id)
    connection = (
        connections_with_relations(
            Connection.objects.filter(collection=collection, item_id=item_id)
        )
        .order_by()
        .first()
    )
    if connection is None or not can_see_item(viewer, connection.item):
        raise NotFound()
    if connection.item.hidden_from(viewer) and not (for_removal and is_owner(viewer, collection)):
        raise HiddenByModerators(connection.item, _("This item was hidden by the moderators."))
    if connection.status != ConnectionStatus.APPROVED:
        viewer_id = _viewer_id(viewer)
        if viewer_id is None or viewer_id not in (collection.owner_id, connection.added_by_id):
            raise NotFound()
    connection.collection = collection
    return collection, standing, connection


def collections_holding(*, item: Item, viewer: Viewer) -> list[Collection]:
    """The collections an item is in that the viewer may see (C4)."""
    return list(
        Collection.objects.filter(
            _listable_q(viewer),
            _shown_collections(viewer),
            connections__item=item,
            connections__status=ConnectionStatus.APPROVED,
        )
        .select_related("cover")
        .order_by("-updated_at", "-id")[:50]
    )


def collections_to_connect(*, viewer: Viewer, item: Item) -> list[Collection]:
    """Where the viewer may add or submit an item: their own and those they contribute to, less
    those already holding it."""
    viewer_id = _viewer_id(viewer)
    return [
        collection
        for collection in collections_of_member(viewer=viewer).exclude(connections__item=item)[:100]
        # A contributor adds nothing while the owner keeps the collection to themselves.
        if collection.owner_id == viewer_id or collection.policy != ContributionPolicy.ONLY_ME
    ]


def pending_connections(*, collection: Collection) -> list[Connection]:
    return list(
        connections_with_relations(
            Connection.objects.filter(
                collection=collection,
                status=ConnectionStatus.PENDING,
                item__hidden_at__isnull=True,
            )
        ).order_by("created_at", "id")
    )


def connections_hidden_from_owner(*, collection: Collection) -> list[Connection]:
    """Items the moderators hid from the owner (others' items; their own once deleted by the
    moderators): the owner sees only that they are there, to take them out (issue 6 item 8)."""
    return list(
        Connection.objects.filter(collection=collection, item__hidden_at__isnull=False)
        # Their own hidden item the owner still reads, with its notice, in the grid.
        .exclude(item__author_id=collection.owner_id, item__hidden_removed=False)
        .select_related("item", "added_by")
        .order_by("-item__hidden_at", "-id")
    )


def pending_connections_count(*, collection: Collection) -> int:
    return Connection.objects.filter(
        collection=collection, status=ConnectionStatus.PENDING, item__hidden_at__isnull=True
    ).count()


def contributors_of(*, collection: Collection) -> list[Contributor]:
    return list(
        Contributor.objects.filter(collection=collection)
        .select_related("user__avatar")
        .order_by("created_at", "id")
    )


def contributor_invitations_pending(*, collection: Collection) -> list[ContributorInvitation]:
    return list(
        ContributorInvitation.objects.filter(
            collection=collection, status=RequestStatus.PENDING
        ).select_related("invitee")
    )


def contribution_requests_pending(*, collection: Collection) -> list[ContributionRequest]:
    return list(
        ContributionRequest.objects.filter(
            collection=collection, status=RequestStatus.PENDING
        ).select_related("requester__avatar")
    )


def contribution_request_of(*, collection: Collection, user: User) -> ContributionRequest | None:
    return ContributionRequest.objects.filter(
        collection=collection, requester=user, status=RequestStatus.PENDING
    ).first()


def invitations_pending_for(*, user: User) -> list[ContributorInvitation]:
    return list(
        ContributorInvitation.objects.filter(
            invitee=user, status=RequestStatus.PENDING
        ).select_related("collection", "inviter")
    )


def feed_connections(*, collection: Collection, size: int = 50) -> list[Connection]:
    """The latest published items of a collection, newest first (none hidden by the
    moderators: a feed reader is anybody)."""
    return list(
        connections_with_relations(
            Connection.objects.filter(
                collection=collection,
                status=ConnectionStatus.APPROVED,
                item__published_at__isnull=False,
                item__hidden_at__isnull=True,
            )
        ).order_by("-id")[:size]
    )
