"""The permissions matrix: every role by action, visibility and policy, as pure predicates
(no database), with the rules written out here independently of the code."""

import itertools

import pytest
from django.contrib.auth.models import AnonymousUser

from perchoir.accounts.models import Role, User
from perchoir.collections import permissions
from perchoir.collections.models import Collection, Connection, Item
from perchoir.collections.permissions import Standing

ROLES = ("anonymous", "stranger", "contributor", "owner", "moderator")
VISIBILITIES = ("public", "unlisted", "private")
POLICIES = ("only_me", "invited", "submit", "anyone")
OWNER_ID, CONTRIBUTOR_ID, STRANGER_ID, MODERATOR_ID = 1, 2, 3, 4


def person(role: str):
    if role == "anonymous":
        return AnonymousUser(), Standing()
    ids = {"owner": OWNER_ID, "contributor": CONTRIBUTOR_ID, "stranger": STRANGER_ID}
    user = User(
        pk=ids.get(role, MODERATOR_ID),
        handle=role,
        is_active=True,
        role=Role.MODERATOR if role == "moderator" else Role.MEMBER,
    )
    return user, Standing(is_contributor=role == "contributor")


def expected(role: str, visibility: str, policy: str) -> dict[str, bool]:
    member = role != "anonymous"
    sees = visibility != "private" or role in ("owner", "contributor")
    adds = sees and (
        role == "owner"
        or (role == "contributor" and policy != "only_me")
        or (member and policy == "anyone")
    )
    return {
        "view": sees,
        "add": adds,
        "submit": sees and member and policy == "submit" and not adds,
        "manage": role == "owner",
        "request": sees and role in ("stranger", "moderator") and policy in ("invited", "submit"),
        "follow": sees and member and role != "owner",
        "recommend": sees and member,
        "remove_others_item": sees and role in ("owner", "moderator"),
        "remove_own_item": sees and member,
        "leave": role == "contributor",
    }


MATRIX = list(itertools.product(ROLES, VISIBILITIES, POLICIES))


@pytest.mark.parametrize(("role", "visibility", "policy"), MATRIX)
def test_permissions_matrix(role, visibility, policy):
    viewer, standing = person(role)
    collection = Collection(pk=10, owner_id=OWNER_ID, visibility=visibility, policy=policy)
    viewer_id = getattr(viewer, "pk", None) or 99
    others = Connection(collection=collection, added_by_id=1000)
    own = Connection(collection=collection, added_by_id=viewer_id)
    actual = {
        "view": permissions.can_view(viewer, collection, standing),
        "add": permissions.can_add(viewer, collection, standing),
        "submit": permissions.can_submit(viewer, collection, standing),
        "manage": permissions.can_manage(viewer, collection),
        "request": permissions.can_request_to_contribute(viewer, collection, standing),
        "follow": permissions.can_follow(viewer, collection, standing),
        "recommend": permissions.can_recommend(viewer, collection, standing),
        "remove_others_item": permissions.can_remove(viewer, collection, standing, others),
        "remove_own_item": permissions.can_remove(viewer, collection, standing, own),
        "leave": permissions.can_leave(viewer, collection, standing),
    }
    assert actual == expected(role, visibility, policy)


def test_an_invited_person_sees_a_private_collection_before_accepting():
    viewer, _standing = person("stranger")
    collection = Collection(pk=10, owner_id=OWNER_ID, visibility="private", policy="invited")
    assert permissions.can_view(viewer, collection, Standing(invited=True))
    assert not permissions.can_add(viewer, collection, Standing(invited=True))


def test_an_inactive_account_does_nothing():
    user = User(pk=OWNER_ID, handle="gone", is_active=False)
    collection = Collection(pk=10, owner_id=OWNER_ID, visibility="public", policy="anyone")
    assert not permissions.can_add(user, collection, Standing())
    assert not permissions.can_manage(user, collection)


@pytest.mark.parametrize("role", ROLES)
def test_only_its_author_edits_an_item_and_sees_a_draft(role):
    viewer, _standing = person(role)
    draft = Item(author_id=CONTRIBUTOR_ID, published_at=None)
    assert permissions.can_edit_item(viewer, draft) is (role == "contributor")
    assert permissions.can_see_item(viewer, draft) is (role == "contributor")
