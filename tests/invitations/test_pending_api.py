"""Invitations to people who are not here yet, through /api/v1/invitations/pending."""

import pytest
from django.core import mail
from django.test import Client

from perchoir.api.services import access_token_create
from perchoir.invitations import services
from perchoir.invitations.models import PendingInvitation
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PENDING = "/api/v1/invitations/pending"


@pytest.fixture(autouse=True)
def _providers(settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"github": {"APPS": [{"client_id": "i", "secret": "s"}]}}


def bearer(user) -> dict[str, str]:
    _, secret = access_token_create(user=user, name="tests")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_member_invites_lists_and_revokes(
    client, member, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    auth = bearer(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            PENDING,
            {"address": "grace@example.org", "message": "Hello"},
            content_type="application/json",
            **auth,
        )
    assert response.status_code == 201
    created = response.json()
    assert created["address"] == "grace@example.org"
    assert created["address_kind"] == "email"
    assert created["status"] == "waiting"
    assert created["target_kind"] == "site"
    assert created["claimed_by"] is None
    assert mail.outbox[0].to == ["grace@example.org"]

    again = client.post(
        PENDING, {"address": "GRACE@example.org"}, content_type="application/json", **auth
    )
    assert again.status_code == 200
    assert again.json()["id"] == created["id"]

    identity = client.post(
        PENDING, {"address": "github:octocat"}, content_type="application/json", **auth
    )
    assert identity.status_code == 201
    services.pending_invitations_claim(user=UserFactory(), provider="github", username="octocat")
    for index in range(5):
        services.pending_invitation_create(inviter=member, address=f"friend{index}@example.org")

    with django_assert_max_num_queries(6):
        listed = client.get(PENDING, **auth)
    assert listed.status_code == 200
    items = listed.json()["results"]
    assert len(items) == 7
    claimed = next(item for item in items if item["address"] == "github:octocat")
    assert claimed["status"] == "claimed"
    assert claimed["claimed_by"]["handle"]

    deleted = client.delete(f"{PENDING}/{created['id']}", **auth)
    assert deleted.status_code == 204
    assert PendingInvitation.objects.get(id=created["id"]).revoked_at is not None


def test_bad_addresses_get_the_one_error_format(client, member):
    response = client.post(
        PENDING, {"address": "myspace:tom"}, content_type="application/json", **bearer(member)
    )
    assert response.status_code == 400
    error = response.json()
    assert "Known providers: github" in error["error"]["fields"]["address"][0]
    assert not PendingInvitation.objects.exists()


def test_someone_elses_invitation_is_not_found(client, member):
    theirs = services.pending_invitation_create(inviter=UserFactory(), address="github:x")
    response = client.delete(f"{PENDING}/{theirs.id}", **bearer(member))
    assert response.status_code == 404
    assert PendingInvitation.objects.get().revoked_at is None
    listed = client.get(PENDING, **bearer(member))
    assert listed.json()["results"] == []


def test_revoking_a_claimed_invitation_is_a_conflict(client, member):
    invitation = services.pending_invitation_create(inviter=member, address="github:x")
    services.pending_invitations_claim(user=UserFactory(), provider="github", username="x")
    response = client.delete(f"{PENDING}/{invitation.id}", **bearer(member))
    assert response.status_code == 409


def test_anonymous_callers_are_refused(client):
    assert client.get(PENDING).status_code == 401
    response = client.post(PENDING, {"address": "a@example.org"}, content_type="application/json")
    assert response.status_code == 401
    assert not PendingInvitation.objects.exists()


def test_a_session_post_without_csrf_token_is_refused(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post(PENDING, {"address": "github:octocat"}, content_type="application/json")
    assert response.status_code == 403
    assert not PendingInvitation.objects.exists()
