"""Invitations through /api/v1/invitations: the same rules as the pages."""

from types import SimpleNamespace

import pytest
from django.core import mail
from django.test import Client

from perchoir.api.services import access_token_create
from perchoir.core.models import SiteMode
from perchoir.core.selectors import site_settings_get
from perchoir.invitations.models import InviteLink, InviteRequest, InviteRequestStatus
from tests.factories import InviteLinkFactory, UserFactory
from tests.invitations.helpers import site_set

pytestmark = pytest.mark.django_db

API = "/api/v1/invitations"


def bearer(user) -> dict[str, str]:
    _, secret = access_token_create(user=user, name="tests")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_member_creates_lists_and_revokes_links(client, member, django_assert_max_num_queries):
    auth = bearer(member)
    response = client.post(
        f"{API}/links",
        {"note": "for Ada", "days": 5, "max_uses": 2},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 201
    created = response.json()
    assert created["status"] == "active"
    assert created["url"] == f"http://testserver/invitations/join/{created['code']}/"
    assert created["joined"] == []

    UserFactory(invited_by=member, joined_via=InviteLink.objects.get(id=created["id"]))
    with django_assert_max_num_queries(6):
        listing = client.get(f"{API}/links", **auth).json()
    assert [link["id"] for link in listing["results"]] == [created["id"]]
    assert len(listing["results"][0]["joined"]) == 1

    response = client.delete(f"{API}/links/{created['id']}", **auth)
    assert response.status_code == 204
    assert InviteLink.objects.get(id=created["id"]).revoked_at is not None


def test_link_listing_pages_with_a_cursor_and_queries_stay_flat(
    client, member, django_assert_max_num_queries
):
    links = [InviteLinkFactory(created_by=member) for _ in range(5)]
    for link in links:
        UserFactory(invited_by=member, joined_via=link)
    InviteLinkFactory()  # someone else's: never listed
    auth = bearer(member)
    seen: list[int] = []
    url: str | None = f"{API}/links?page_size=2"
    pages = 0
    while url:
        with django_assert_max_num_queries(6):
            page = client.get(url, **auth).json()
        seen.extend(link["id"] for link in page["results"])
        url = page["next"]
        pages += 1
    assert pages == 3
    assert seen == [link.id for link in reversed(links)]


def test_link_creation_errors_use_the_one_error_format(client, member):
    site_set(invite_quota=2)
    auth = bearer(member)
    response = client.post(
        f"{API}/links", {"days": 99, "max_uses": 1}, content_type="application/json", **auth
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["days"] == ["Choose between 1 and 30 days."]

    response = client.post(
        f"{API}/links", {"days": 1, "max_uses": 3}, content_type="application/json", **auth
    )
    assert response.status_code == 400
    assert "You have 2 invitations left" in response.json()["error"]["message"]

    site_set(members_may_invite=False)
    response = client.post(
        f"{API}/links", {"days": 1, "max_uses": 1}, content_type="application/json", **auth
    )
    assert response.status_code == 403
    assert "only moderators and administrators" in response.json()["error"]["message"]
    assert not InviteLink.objects.exists()


def test_revoking_someone_elses_link_is_not_found(client, member):
    link = InviteLinkFactory()
    response = client.delete(f"{API}/links/{link.id}", **bearer(member))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    link.refresh_from_db()
    assert link.revoked_at is None


def test_session_posts_without_csrf_token_are_refused(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post(
        f"{API}/links", {"days": 1, "max_uses": 1}, content_type="application/json"
    )
    assert response.status_code == 403
    assert not InviteLink.objects.exists()


def test_anyone_requests_an_invitation_without_an_account(client):
    response = client.post(
        f"{API}/requests",
        {"email": "visitor@example.org", "message": "I draw maps."},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 202
    assert "Les administrateurs vont lire votre demande" in response.json()["detail"]
    again = client.post(
        f"{API}/requests",
        {"email": "VISITOR@example.org", "message": "Me again."},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert again.status_code == 202
    assert again.json() == response.json()
    saved = InviteRequest.objects.get()
    assert saved.language == "fr"


def test_requesting_on_an_open_site_is_refused_clearly(client):
    site_set(mode=SiteMode.OPEN)
    response = client.post(
        f"{API}/requests",
        {"email": "visitor@example.org", "message": "Hi."},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "not taking invitation requests" in response.json()["error"]["message"]


def test_bad_request_input_is_explained(client):
    response = client.post(
        f"{API}/requests", {"email": "nope", "message": ""}, content_type="application/json"
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"email", "message"}
    assert not InviteRequest.objects.exists()


def test_admin_reviews_requests(
    client, admin_user, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    first = InviteRequest.objects.create(email="a@example.org", message="Hi.")
    second = InviteRequest.objects.create(email="b@example.org", message="Hi.", language="fr")
    auth = bearer(admin_user)
    with django_assert_max_num_queries(6):
        listing = client.get(f"{API}/requests?status=pending", **auth).json()
    assert {item["email"] for item in listing["results"]} == {"a@example.org", "b@example.org"}

    with django_capture_on_commit_callbacks(execute=True):
        approved = client.post(f"{API}/requests/{first.id}/approve", **auth)
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    assert approved.json()["decided_by"]["handle"] == admin_user.handle
    link = InviteLink.objects.get(id=approved.json()["invite_link_id"])
    assert mail.outbox[0].to == ["a@example.org"]
    assert link.code in mail.outbox[0].body

    with django_capture_on_commit_callbacks(execute=True):
        declined = client.post(f"{API}/requests/{second.id}/decline", **auth)
    assert declined.json()["status"] == "declined"
    assert mail.outbox[1].to == ["b@example.org"]

    twice = client.post(f"{API}/requests/{first.id}/decline", **auth)
    assert twice.status_code == 409
    assert "already been approved" in twice.json()["error"]["message"]
    first.refresh_from_db()
    assert first.status == InviteRequestStatus.APPROVED


def test_members_do_not_find_requests_rules_or_tree(client, member):
    request = InviteRequest.objects.create(email="a@example.org", message="Hi.")
    auth = bearer(member)
    assert client.get(f"{API}/requests", **auth).status_code == 404
    assert client.post(f"{API}/requests/{request.id}/approve", **auth).status_code == 404
    assert client.get(f"{API}/rules", **auth).status_code == 404
    response = client.patch(
        f"{API}/rules", {"mode": "open"}, content_type="application/json", **auth
    )
    assert response.status_code == 404
    assert client.get(f"{API}/tree", **auth).status_code == 404
    assert site_settings_get().mode == SiteMode.INVITE_ONLY


def test_admin_reads_and_changes_rules(client, admin_user):
    auth = bearer(admin_user)
    assert client.get(f"{API}/rules", **auth).json()["mode"] == "invite_only"
    response = client.patch(
        f"{API}/rules",
        {"mode": "open", "invite_quota": 4},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 200
    assert response.json()["mode"] == "open"
    assert response.json()["invite_quota"] == 4
    assert site_settings_get().invite_max_days == 30  # untouched

    bad = client.patch(
        f"{API}/rules", {"invite_max_uses": 0}, content_type="application/json", **auth
    )
    assert bad.status_code == 400
    assert "invite_max_uses" in bad.json()["error"]["fields"]


def test_moderator_reads_the_tree(client, moderator, django_assert_max_num_queries):
    invitee = UserFactory(invited_by=moderator, joined_via=InviteLinkFactory(created_by=moderator))
    auth = bearer(moderator)
    with django_assert_max_num_queries(6):
        nodes = client.get(f"{API}/tree", **auth).json()
    by_handle = {node["handle"]: SimpleNamespace(**node) for node in nodes}
    assert by_handle[invitee.handle].invited_by_id == moderator.id
    assert by_handle[invitee.handle].depth == 1
    assert by_handle[invitee.handle].joined_via_code == invitee.joined_via.code
    assert by_handle[moderator.handle].depth == 0


def test_anonymous_callers_must_authenticate_for_links(client):
    response = client.get(f"{API}/links")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
