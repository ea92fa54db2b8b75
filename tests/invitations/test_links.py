"""Members create, list and revoke their invite links; quotas and rules hold."""

from datetime import timedelta

import pytest
from django.utils import timezone

from perchoir.core.errors import Forbidden, InvalidInput, NotFound, RateLimited
from perchoir.invitations import services
from perchoir.invitations.models import InviteLink
from tests.factories import InviteLinkFactory, ModeratorFactory, UserFactory
from tests.invitations.helpers import site_set

pytestmark = pytest.mark.django_db

LINKS = "/invitations/"


def test_member_creates_a_link_and_sees_it_with_a_copyable_address(
    member_client, member, django_assert_max_num_queries
):
    response = member_client.post(LINKS, {"note": "For Grace", "days": 3, "max_uses": 2})
    assert response.status_code == 302
    link = InviteLink.objects.get(created_by=member)
    assert (link.note, link.max_uses, link.uses_count) == ("For Grace", 2, 0)
    assert timedelta(days=2, hours=23) < link.expires_at - timezone.now() <= timedelta(days=3)

    with django_assert_max_num_queries(12):
        page = member_client.get(LINKS)
    body = page.content.decode()
    assert page.status_code == 200
    assert "For Grace" in body
    assert f"http://testserver/invitations/join/{link.code}/" in body
    assert "readonly" in body
    assert "perchoir/js/copy.js" in body
    assert 'aria-current="page"' in body


def test_links_page_lists_who_joined_with_a_constant_number_of_queries(
    member_client, member, django_assert_max_num_queries
):
    for _ in range(6):
        link = InviteLinkFactory(created_by=member, max_uses=5, uses_count=3)
        for _ in range(3):
            UserFactory(invited_by=member, joined_via=link)
    with django_assert_max_num_queries(12):
        page = member_client.get(LINKS)
    body = page.content.decode()
    joined = member.invitees.first()
    assert f"@{joined.handle}" in body
    assert "3 of 5 people joined" in body


def test_link_statuses_are_shown(member_client, member):
    now = timezone.now()
    InviteLinkFactory(created_by=member, note="live one")
    InviteLinkFactory(created_by=member, note="old one", expires_at=now - timedelta(days=1))
    InviteLinkFactory(created_by=member, note="full one", max_uses=1, uses_count=1)
    InviteLinkFactory(created_by=member, note="stopped one", revoked_at=now)
    body = member_client.get(LINKS).content.decode()
    for label in ("Active", "Expired", "Used up", "Revoked"):
        assert label in body


def test_links_page_asks_anonymous_people_to_sign_in(client):
    response = client.get(LINKS)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"days": 0, "max_uses": 1}, "days", "greater than or equal to 1"),
        ({"days": 31, "max_uses": 1}, "days", "less than or equal to 30"),
        ({"days": 3, "max_uses": 26}, "max_uses", "less than or equal to 25"),
        ({"days": "soon", "max_uses": 1}, "days", "Enter a whole number"),
        ({"days": 3, "max_uses": 1, "note": "x" * 121}, "note", "at most 120 characters"),
    ],
)
def test_bad_link_input_is_explained_and_saves_nothing(member_client, data, field, message):
    response = member_client.post(LINKS, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not InviteLink.objects.exists()


def test_member_over_quota_is_told_how_many_are_left(member_client, member):
    site_set(invite_quota=5)
    InviteLinkFactory(created_by=member, max_uses=3)
    response = member_client.post(LINKS, {"days": 3, "max_uses": 3})
    assert response.status_code == 400
    assert "You have 2 invitations left" in response.content.decode()
    assert InviteLink.objects.count() == 1


def test_member_with_no_invitation_left_is_told_seats_come_back(member_client, member):
    site_set(invite_quota=2)
    InviteLinkFactory(created_by=member, max_uses=2)
    response = member_client.post(LINKS, {"days": 3, "max_uses": 1})
    assert "You have used all your invitations (2)" in response.content.decode()


def test_unused_seats_of_expired_and_revoked_links_come_back(member):
    site_set(invite_quota=5)
    now = timezone.now()
    InviteLinkFactory(created_by=member, max_uses=3, uses_count=1, revoked_at=now)
    InviteLinkFactory(created_by=member, max_uses=3, uses_count=1, expires_at=now)
    # 1 + 1 seats taken; 3 left.
    link = services.invite_link_create(user=member, days=1, max_uses=3)
    assert link.max_uses == 3
    with pytest.raises(InvalidInput, match="used all your invitations"):
        services.invite_link_create(user=member, days=1, max_uses=1)


def test_moderators_have_no_quota():
    site_set(invite_quota=1)
    moderator = ModeratorFactory()
    services.invite_link_create(user=moderator, days=1, max_uses=20)
    services.invite_link_create(user=moderator, days=1, max_uses=20)
    assert InviteLink.objects.filter(created_by=moderator).count() == 2


def test_members_cannot_create_links_when_invites_are_disabled(member_client, member):
    site_set(members_may_invite=False)
    page = member_client.get(LINKS)
    assert "only moderators and administrators create invite links" in page.content.decode()
    response = member_client.post(LINKS, {"days": 3, "max_uses": 1})
    assert response.status_code == 400
    assert "only moderators and administrators" in response.content.decode()
    assert not InviteLink.objects.exists()
    with pytest.raises(Forbidden):
        services.invite_link_create(user=member, days=1, max_uses=1)


def test_moderators_create_links_even_when_members_may_not(client):
    site_set(members_may_invite=False)
    moderator = ModeratorFactory()
    client.force_login(moderator)
    client.post(LINKS, {"days": 3, "max_uses": 1})
    assert InviteLink.objects.filter(created_by=moderator).exists()


def test_creating_links_is_rate_limited(member, settings):
    site_set(invite_quota=1000)
    for _ in range(services.INVITE_LINK_CREATE_LIMIT):
        services.invite_link_create(user=member, days=1, max_uses=1)
    with pytest.raises(RateLimited):
        services.invite_link_create(user=member, days=1, max_uses=1)


def test_member_revokes_own_link(member_client, member):
    link = InviteLinkFactory(created_by=member)
    response = member_client.post(f"/invitations/links/{link.id}/revoke/")
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert "Revoked" in member_client.get(LINKS).content.decode()


def test_member_cannot_revoke_someone_elses_link(member_client):
    link = InviteLinkFactory()
    response = member_client.post(f"/invitations/links/{link.id}/revoke/")
    assert response.status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None


def test_revoke_needs_post(member_client, member):
    link = InviteLinkFactory(created_by=member)
    assert member_client.get(f"/invitations/links/{link.id}/revoke/").status_code == 405
    link.refresh_from_db()
    assert link.revoked_at is None


def test_forms_without_csrf_token_are_refused(client, member):
    link = InviteLinkFactory(created_by=member)
    client.handler.enforce_csrf_checks = True
    client.force_login(member)
    assert client.post(LINKS, {"days": 3, "max_uses": 1}).status_code == 403
    assert client.post(f"/invitations/links/{link.id}/revoke/").status_code == 403
    assert InviteLink.objects.count() == 1
    link.refresh_from_db()
    assert link.revoked_at is None


def test_revoking_an_unknown_link_is_not_found(member):
    with pytest.raises(NotFound):
        services.invite_link_revoke(user=member, link_id=999_999)
