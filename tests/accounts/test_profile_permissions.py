"""Who may do what with a profile, as a matrix of viewers, profile owners and actions."""

import pytest
from django.contrib.auth.models import AnonymousUser

from perchoir.accounts.models import Role, User
from perchoir.accounts.permissions import can_edit_profile, can_see_role_badge

pytestmark = pytest.mark.django_db

VIEWERS = ["anonymous", "member", "moderator", "admin", "inactive", "self"]
OWNER_ROLES = [Role.MEMBER, Role.MODERATOR, Role.ADMIN]


def _person(pk: int, role: str = Role.MEMBER, active: bool = True) -> User:
    # Pure predicates: unsaved people are enough, and no query may happen.
    return User(pk=pk, handle=f"p{pk}", role=role, is_active=active)


def _viewer(kind: str, owner: User) -> User | AnonymousUser:
    if kind == "anonymous":
        return AnonymousUser()
    if kind == "self":
        return owner
    if kind == "inactive":
        return _person(90, active=False)
    return _person(
        91, role={"member": Role.MEMBER, "moderator": Role.MODERATOR}.get(kind, Role.ADMIN)
    )


EDIT_EXPECTED = {kind: kind == "self" for kind in VIEWERS}


@pytest.mark.parametrize("owner_role", OWNER_ROLES)
@pytest.mark.parametrize("viewer_kind", VIEWERS)
def test_only_the_person_may_edit_their_profile(viewer_kind, owner_role, django_assert_num_queries):
    owner = _person(1, role=owner_role)
    with django_assert_num_queries(0):
        assert can_edit_profile(_viewer(viewer_kind, owner), owner) is EDIT_EXPECTED[viewer_kind]


def test_a_deactivated_person_cannot_edit_even_their_own_profile():
    owner = _person(1, active=False)
    assert can_edit_profile(owner, owner) is False


@pytest.mark.parametrize(
    ("owner_role", "badge"), [(Role.MEMBER, False), (Role.MODERATOR, True), (Role.ADMIN, True)]
)
@pytest.mark.parametrize("viewer_kind", VIEWERS)
def test_everyone_sees_who_moderates_and_members_carry_no_badge(viewer_kind, owner_role, badge):
    owner = _person(1, role=owner_role)
    assert can_see_role_badge(_viewer(viewer_kind, owner), owner) is badge
