"""Who may call the API: sessions with CSRF for the site's pages, bearer tokens for programs."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from perchoir.api.models import AccessToken
from perchoir.api.services import access_token_revoke

pytestmark = pytest.mark.django_db


def csrf_client(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    # Any page of the site sets the CSRF cookie, as a browser would have it.
    client.get("/settings/tokens/")
    return client


def test_session_write_without_csrf_token_is_refused_with_a_clear_403(member):
    client = csrf_client(member)
    response = client.post("/api/v1/tokens", {"name": "x"}, content_type="application/json")
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "csrf_failed"
    assert "CSRF" in error["message"]
    assert not AccessToken.objects.filter(user=member).exists()


def test_session_write_with_csrf_token_is_accepted(member):
    client = csrf_client(member)
    response = client.post(
        "/api/v1/tokens",
        {"name": "From the page"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )
    assert response.status_code == 201
    assert AccessToken.objects.get(user=member).name == "From the page"


def test_session_read_needs_no_csrf_token(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    assert client.get("/api/v1/tokens").status_code == 200


def test_valid_bearer_token_needs_no_csrf_and_acts_as_its_owner(member, make_token):
    _, secret = make_token(member)
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = client.post("/api/v1/tokens", {"name": "second"}, content_type="application/json")
    assert response.status_code == 201
    listed = client.get("/api/v1/tokens").json()
    assert {token["name"] for token in listed} == {"Script", "second"}


def test_bearer_token_records_when_it_was_last_used(member, make_token):
    token, secret = make_token(member)
    assert token.last_used_at is None
    Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/tokens")
    token.refresh_from_db()
    assert token.last_used_at is not None


def assert_refused(secret):
    response = Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/tokens")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_revoked_token_is_refused(member, make_token):
    token, secret = make_token(member)
    access_token_revoke(user=member, token_id=token.id)
    assert_refused(secret)


def test_expired_token_is_refused(member, make_token):
    token, secret = make_token(member, expires_at=timezone.now() + timedelta(days=1))
    AccessToken.objects.filter(id=token.id).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_refused(secret)


@pytest.mark.parametrize("header", ["Bearer garbage", "Bearer ", "Bearer pch_", "Token abc"])
def test_garbage_token_is_refused(member, header):
    response = Client(HTTP_AUTHORIZATION=header).get("/api/v1/tokens")
    assert response.status_code == 401


def test_garbage_token_write_is_a_401_not_a_csrf_error(member):
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION="Bearer garbage")
    response = client.post("/api/v1/tokens", {"name": "x"}, content_type="application/json")
    assert response.status_code == 401
    assert not AccessToken.objects.exists()


def test_bad_token_does_not_fall_back_to_the_session(member):
    client = Client(HTTP_AUTHORIZATION="Bearer garbage")
    client.force_login(member)
    assert client.get("/api/v1/tokens").status_code == 401


def test_suspended_persons_token_is_refused(member, make_token):
    _, secret = make_token(member)
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert_refused(secret)


def test_suspended_persons_session_is_refused(member, client):
    client.force_login(member)
    member.is_active = False
    member.save(update_fields=["is_active"])
    response = client.get("/api/v1/tokens")
    assert response.status_code == 401


def test_tokens_are_stored_hashed(member, make_token):
    token, secret = make_token(member)
    stored = AccessToken.objects.get(id=token.id)
    assert secret not in {stored.digest, stored.prefix, stored.name}
    assert secret.startswith(stored.prefix)
    assert len(stored.digest) == 64


def test_token_list_api_query_count_does_not_grow(
    member, make_token, django_assert_max_num_queries
):
    secrets = [make_token(member, name=f"t{i}")[1] for i in range(5)]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secrets[0]}")
    client.get("/api/v1/tokens")  # records last use
    with django_assert_max_num_queries(2):
        response = client.get("/api/v1/tokens")
    assert len(response.json()) == 5
