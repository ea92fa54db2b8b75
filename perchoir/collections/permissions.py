"""Who may do what in a collection: pure predicates, no queries.

`Standing` says where the viewer stands (contributor, invited, across a block from the owner);
selectors fetch it with the collection. Moderators do not see private collections (they are the
owner's and contributors'), but they may take any item out of a collection they can see.
"""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser

from perchoir.accounts.models import Role, User

from .models import Collection, Connection, ContributionPolicy, Item, Visibility

Viewer = User | AnonymousUser

# Policies under which invited contributors add items directly.
CONTRIBUTOR_POLICIES = (
    ContributionPolicy.INVITED,
    ContributionPolicy.SUBMIT,
    ContributionPolicy.ANYONE,
)


@dataclass(frozen=True)
class Standing:
    """Where the viewer stands in one collection."""

    is_contributor: bool = False
    invited: bool = False
    following: bool = False
    # The viewer and the owner blocked one another (either way): no asking in, no following.
    blocked: bool = False


def is_member(viewer: Viewer) -> bool:
    return bool(viewer.is_authenticated and viewer.is_active)


def is_moderator(viewer: Viewer) -> bool:
    return is_member(viewer) and getattr(viewer, "role", None) in (Role.MODERATOR, Role.ADMIN)


def is_owner(viewer: Viewer, collection: Collection) -> bool:
    return is_member(viewer) and collection.owner_id == viewer.pk


def is_contributor(viewer: Viewer, collection: Collection, standing: Standing) -> bool:
    """A contributor counts while the policy lets contributors in (not under "only me")."""
    return (
        is_member(viewer) and standing.is_contributor and collection.policy in CONTRIBUTOR_POLICIES
    )


def can_view(viewer: Viewer, collection: Collection, standing: Standing) -> bool:
    """Public and unlisted: anyone with the address. Private: the owner, its contributors and the
    people invited to contribute; for anyone else it does not exist."""
    if collection.visibility != Visibility.PRIVATE:
        return True
    return is_owner(viewer, collection) or (
        is_member(viewer) and (standing.is_contributor or standing.invited)
    )


def can_add(viewer: Viewer, collection: Collection, standing: Standing) -> bool:
    """Add an item directly (it shows at once)."""
    if not can_view(viewer, collection, standing):
        return False
    if is_owner(viewer, collection):
        return True
    if is_contributor(viewer, collection, standing):
        return True
    return (
        is_member(viewer)
        and collection.policy == ContributionPolicy.ANYONE
        and not standing.blocked
    )


def can_submit(viewer: Viewer, collection: Collection, standing: Standing) -> bool:
    """Submit an item for the owner's approval (it shows once approved)."""
    return (
        is_member(viewer)
        and collection.policy == ContributionPolicy.SUBMIT
        and not standing.blocked
        and can_view(viewer, collection, standing)
        and not can_add(viewer, collection, standing)
    )


def can_contribute(viewer: Viewer, collection: Collection, standing: Standing) -> bool:
    return can_add(viewer, collection, standing) or can_submit(viewer, collection, standing)


def can_manage(viewer: Viewer, collection: Collection) -> bool:
    """Settings, order, approvals, contributors: the owner only."""
    return is_owner(viewer, collection)


def can_remove(
    viewer: Viewer, collection: Collection, standing: Standing, connection: Connection
) -> bool:
    """The owner and moderators remove any item; a contributor (or a submitter) their own."""
    if not can_view(viewer, collection, standing):
        return False
    if is_owner(viewer, collection) or is_moderator(viewer):
        return True
    return is_member(viewer) and connection.added_by_id == viewer.pk


def can_request_to_contribute(viewer: Viewer, collection: Collection, standing: Standing) -> bool:
    return (
        is_member(viewer)
        and not is_owner(viewer, collection)
        and not standing.is_contributor
        and not standing.invited
        and not standing.blocked
        and collection.policy in (ContributionPolicy.INVITED, ContributionPolicy.SUBMIT)
        and can_view(viewer, collection, standing)
    )


def can_follow(viewer: Viewer, collection: Collection, standing: Standing) -> bool:
    return (
        is_member(viewer)
        and not is_owner(viewer, collection)
        and not standing.blocked
        and can_view(viewer, collection, standing)
    )


def can_recommend(viewer: Viewer, collection: Collection, standing: Standing) -> bool:
    return is_member(viewer) and can_view(viewer, collection, standing)


def can_leave(viewer: Viewer, collection: Collection, standing: Standing) -> bool:
    return is_member(viewer) and standing.is_contributor and not is_owner(viewer, collection)


def can_edit_item(viewer: Viewer, item: Item) -> bool:
    return is_member(viewer) and item.author_id == viewer.pk


def can_see_item(viewer: Viewer, item: Item) -> bool:
    """A draft is its author's alone."""
    return not item.is_draft or can_edit_item(viewer, item)


def capabilities(viewer: Viewer, collection: Collection, standing: Standing) -> dict[str, bool]:
    """Everything the viewer may do in the collection, for pages and API answers alike."""
    return {
        "can_add": can_add(viewer, collection, standing),
        "can_submit": can_submit(viewer, collection, standing),
        "can_contribute": can_contribute(viewer, collection, standing),
        "can_manage": can_manage(viewer, collection),
        "can_moderate": is_moderator(viewer),
        "can_request_to_contribute": can_request_to_contribute(viewer, collection, standing),
        "can_follow": can_follow(viewer, collection, standing),
        "can_recommend": can_recommend(viewer, collection, standing),
        "can_leave": can_leave(viewer, collection, standing),
    }
