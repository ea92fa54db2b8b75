"""Administrators choose the site mode and the invitation rules."""

import pytest

from perchoir.core.errors import InvalidInput, NotFound
from perchoir.core.models import SiteMode
from perchoir.core.selectors import site_settings_get
from perchoir.core.services import site_settings_update

pytestmark = pytest.mark.django_db

RULES = "/invitations/rules/"
VALID = {
    "mode": SiteMode.CLOSED,
    "members_may_invite": "",
    "invite_quota": 3,
    "invite_max_days": 14,
    "invite_max_uses": 5,
}


def test_admin_changes_the_mode_and_rules(client, admin_user, django_assert_max_num_queries):
    client.force_login(admin_user)
    with django_assert_max_num_queries(10):
        page = client.get(RULES)
    assert page.status_code == 200
    assert "Invite-only" in page.content.decode()
    response = client.post(RULES, VALID)
    assert response.status_code == 302
    site = site_settings_get()
    assert site.mode == SiteMode.CLOSED
    assert site.members_may_invite is False
    assert (site.invite_quota, site.invite_max_days, site.invite_max_uses) == (3, 14, 5)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("mode", "everyone", "Select a valid choice"),
        ("invite_max_days", 0, "greater than or equal to 1"),
        ("invite_max_uses", 100_000, "less than or equal to 1000"),
        ("invite_quota", -1, "greater than or equal to 0"),
    ],
)
def test_bad_rules_are_explained_and_nothing_changes(client, admin_user, field, value, message):
    client.force_login(admin_user)
    response = client.post(RULES, {**VALID, field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert site_settings_get().mode == SiteMode.INVITE_ONLY


@pytest.mark.parametrize("role", ["anonymous", "member", "moderator"])
def test_only_administrators_find_the_rules(client, member, moderator, role):
    if role != "anonymous":
        client.force_login(member if role == "member" else moderator)
    assert client.get(RULES).status_code == 404
    assert client.post(RULES, VALID).status_code == 404
    assert site_settings_get().mode == SiteMode.INVITE_ONLY


def test_the_service_refuses_non_administrators_and_bad_values(member, admin_user):
    with pytest.raises(NotFound):
        site_settings_update(actor=member, mode=SiteMode.OPEN)
    with pytest.raises(InvalidInput) as error:
        site_settings_update(actor=admin_user, mode="sideways", invite_max_days=0)
    assert set(error.value.fields) == {"mode", "invite_max_days"}
    assert site_settings_get().mode == SiteMode.INVITE_ONLY


def test_rules_without_csrf_token_are_refused(client, admin_user):
    client.handler.enforce_csrf_checks = True
    client.force_login(admin_user)
    assert client.post(RULES, VALID).status_code == 403
    assert site_settings_get().mode == SiteMode.INVITE_ONLY
