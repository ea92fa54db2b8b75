"""Who may do what with invitations, as a matrix of roles and actions."""

import pytest
from django.contrib.auth.models import AnonymousUser

from perchoir.accounts.models import Role, User
from perchoir.core.models import SiteMode, SiteSettings
from perchoir.invitations import permissions
from perchoir.invitations.models import InviteLink

# The shared fixtures clear the cache (a database table) after each test.
pytestmark = pytest.mark.django_db


def person(role: str | None, user_id: int = 1) -> User | AnonymousUser:
    if role is None:
        return AnonymousUser()
    return User(id=user_id, handle=f"p{user_id}", role=role)


ROLES = [None, Role.MEMBER, Role.MODERATOR, Role.ADMIN]


@pytest.mark.parametrize(
    ("role", "members_may_invite", "expected"),
    [
        (None, True, False),
        (None, False, False),
        (Role.MEMBER, True, True),
        (Role.MEMBER, False, False),
        (Role.MODERATOR, True, True),
        (Role.MODERATOR, False, True),
        (Role.ADMIN, True, True),
        (Role.ADMIN, False, True),
    ],
)
def test_who_may_create_an_invite_link(role, members_may_invite, expected):
    site = SiteSettings(members_may_invite=members_may_invite)
    assert permissions.can_create_invite_link(person(role), site) is expected


@pytest.mark.parametrize(
    ("role", "own", "expected"),
    [
        (None, False, False),
        (Role.MEMBER, True, True),
        (Role.MEMBER, False, False),
        (Role.MODERATOR, True, True),
        (Role.MODERATOR, False, True),
        (Role.ADMIN, True, True),
        (Role.ADMIN, False, True),
    ],
)
def test_who_may_revoke_an_invite_link(role, own, expected):
    link = InviteLink(created_by_id=1 if own else 2)
    assert permissions.can_revoke_invite_link(person(role, user_id=1), link) is expected


@pytest.mark.parametrize(
    ("role", "tree", "review", "rules", "quota"),
    [
        (None, False, False, False, True),
        (Role.MEMBER, False, False, False, True),
        (Role.MODERATOR, True, False, False, False),
        (Role.ADMIN, True, True, True, False),
    ],
)
def test_tree_review_rules_and_quota_by_role(role, tree, review, rules, quota):
    viewer = person(role)
    assert permissions.can_view_invite_tree(viewer) is tree
    assert permissions.can_review_invite_requests(viewer) is review
    assert permissions.can_change_site_rules(viewer) is rules
    assert permissions.invite_quota_applies(viewer) is quota


def test_a_superuser_counts_as_an_administrator_whatever_the_role():
    viewer = User(id=1, handle="root_person", role=Role.MEMBER, is_superuser=True)
    assert permissions.can_change_site_rules(viewer)
    assert permissions.can_view_invite_tree(viewer)


def test_a_deactivated_administrator_may_do_nothing():
    viewer = User(id=1, handle="gone", role=Role.ADMIN, is_active=False)
    assert not permissions.can_change_site_rules(viewer)
    assert not permissions.can_create_invite_link(viewer, SiteSettings())


@pytest.mark.parametrize(
    ("role", "mode", "expected"),
    [
        (None, SiteMode.INVITE_ONLY, True),
        (None, SiteMode.OPEN, False),
        (None, SiteMode.CLOSED, False),
        (Role.MEMBER, SiteMode.INVITE_ONLY, False),
        (Role.ADMIN, SiteMode.INVITE_ONLY, False),
    ],
)
def test_only_people_without_an_account_request_invitations_on_invite_only_sites(
    role, mode, expected
):
    assert permissions.can_request_invitation(person(role), SiteSettings(mode=mode)) is expected
