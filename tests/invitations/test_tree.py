"""The invite tree, for moderators."""

import re

import pytest

from perchoir.core.errors import NotFound
from perchoir.invitations.selectors import invite_tree
from tests.factories import InviteLinkFactory, ModeratorFactory, UserFactory

pytestmark = pytest.mark.django_db

TREE = "/invitations/tree/"


def build_family() -> dict[str, object]:
    root = UserFactory(handle="root_one")
    link = InviteLinkFactory(created_by=root, note="for the kids")
    child = UserFactory(handle="child_one", invited_by=root, joined_via=link)
    grandchild = UserFactory(handle="grandchild", invited_by=child)
    sibling = UserFactory(handle="child_two", invited_by=root, joined_via=link)
    loner = UserFactory(handle="loner")
    return {
        "root": root,
        "child": child,
        "grandchild": grandchild,
        "sibling": sibling,
        "loner": loner,
    }


def test_tree_orders_people_depth_first_under_who_invited_them(moderator):
    family = build_family()
    entries = [(entry.user.handle, entry.depth) for entry in invite_tree(viewer=moderator)]
    assert entries.index(("root_one", 0)) < entries.index(("child_one", 1))
    assert entries.index(("child_one", 1)) < entries.index(("grandchild", 2))
    assert entries.index(("grandchild", 2)) < entries.index(("child_two", 1))
    assert ("loner", 0) in entries
    assert family["loner"] is not None


def test_moderator_sees_nested_lists_with_join_dates_and_links(
    client, moderator, django_assert_max_num_queries
):
    build_family()
    client.force_login(moderator)
    with django_assert_max_num_queries(10):
        response = client.get(TREE)
    page = response.content.decode()
    body = page[page.index("<main") : page.index("</main>")]
    assert response.status_code == 200
    assert "joined on" in body
    assert "for the kids" in body
    # root_one > child_one > grandchild: three lists deep.
    nested = re.search(r"@root_one.*?<ul>.*?@child_one.*?<ul>.*?@grandchild", body, re.S)
    assert nested is not None
    assert body.count("<ul") == body.count("</ul>")
    assert body.count("<li>") == body.count("</li>") == 6


def test_tree_queries_do_not_grow_with_the_number_of_people(
    client, moderator, django_assert_max_num_queries
):
    parent = moderator
    for _ in range(30):
        parent = UserFactory(invited_by=parent, joined_via=InviteLinkFactory(created_by=parent))
    client.force_login(moderator)
    with django_assert_max_num_queries(10):
        response = client.get(TREE)
    assert response.content.decode().count("<ul") == response.content.decode().count("</ul>")


def test_administrators_see_the_tree(client, admin_user):
    client.force_login(admin_user)
    assert client.get(TREE).status_code == 200


@pytest.mark.parametrize("signed_in", [False, True])
def test_members_and_visitors_find_no_tree(client, signed_in):
    if signed_in:
        client.force_login(UserFactory())
    response = client.get(TREE)
    assert response.status_code == 404
    assert "Invite tree" not in response.content.decode()


def test_tree_selector_hides_it_from_members(member):
    with pytest.raises(NotFound):
        invite_tree(viewer=member)


def test_a_cycle_in_the_data_still_shows_everyone_once():
    moderator = ModeratorFactory()
    first = UserFactory(handle="cycle_a")
    second = UserFactory(handle="cycle_b", invited_by=first)
    first.invited_by = second
    first.save()
    handles = [entry.user.handle for entry in invite_tree(viewer=moderator)]
    assert handles.count("cycle_a") == 1
    assert handles.count("cycle_b") == 1
