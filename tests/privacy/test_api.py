"""Your data over the API: request an export, follow its status, download it; delete the
account with the password; cancel with the emailed token."""

import io
import json
import re
import zipfile
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from perchoir.privacy.models import AccountDeletion, DataExport, DeletionStatus
from tests.factories import PASSWORD

from .conftest import API, api_post

pytestmark = pytest.mark.django_db


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_export_through_the_api_with_a_token(world, django_capture_on_commit_callbacks):
    client = Client()
    auth = bearer(world.token_secret)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_post(client, "/exports", **auth)

    assert response.status_code == 202
    export_id = response.json()["id"]
    assert response.json()["status"] == "pending"

    status = client.get(f"{API}/exports/{export_id}", **auth).json()
    assert status["status"] == "ready"
    assert status["download_url"] == f"http://testserver{API}/exports/{export_id}/download"
    listed = client.get(f"{API}/exports", **auth).json()
    assert [item["id"] for item in listed] == [export_id]

    download = client.get(f"{API}/exports/{export_id}/download", **auth)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert json.loads(archive.read("account.json"))["profile"]["handle"] == "alice"


def test_a_second_export_while_one_is_prepared_is_a_conflict(world):
    client = Client()
    auth = bearer(world.token_secret)
    assert api_post(client, "/exports", **auth).status_code == 202

    response = api_post(client, "/exports", **auth)

    assert response.status_code == 409
    assert "already being prepared" in response.json()["error"]["message"]


def test_someone_elses_export_does_not_exist(world, signed_in, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        export_id = api_post(signed_in(world.member), "/exports").json()["id"]
    other = signed_in(world.friend)

    assert other.get(f"{API}/exports/{export_id}").status_code == 404
    assert other.get(f"{API}/exports/{export_id}/download").status_code == 404
    assert Client().get(f"{API}/exports/{export_id}/download").status_code == 401


def test_an_expired_export_is_not_downloadable(
    world, signed_in, django_capture_on_commit_callbacks
):
    client = signed_in(world.member)
    with django_capture_on_commit_callbacks(execute=True):
        export_id = api_post(client, "/exports").json()["id"]
    DataExport.objects.filter(pk=export_id).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert client.get(f"{API}/exports/{export_id}").json()["download_url"] is None
    response = client.get(f"{API}/exports/{export_id}/download")
    assert response.status_code == 404
    assert "expired" in response.json()["error"]["message"]


def test_deletion_needs_the_password(world):
    client = Client()
    auth = bearer(world.token_secret)

    response = api_post(client, "/deletion", {"mode": "remove", "password": "wrong"}, **auth)

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["password"] == ["This is not your password."]
    assert not AccountDeletion.objects.exists()
    unknown = api_post(client, "/deletion", {"mode": "vanish", "password": PASSWORD}, **auth)
    assert unknown.status_code == 400


def test_deletion_through_the_api_then_cancelled_with_the_emailed_token(
    world, django_capture_on_commit_callbacks
):
    client = Client()
    auth = bearer(world.token_secret)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_post(client, "/deletion", {"mode": "remove", "password": PASSWORD}, **auth)

    assert response.status_code == 202
    assert response.json()["status"] == "pending"
    assert response.json()["mode"] == "remove"
    # The account is hidden at once: its token no longer works.
    assert client.get(f"{API}/exports", **auth).status_code == 401
    (email,) = [m for m in mail.outbox if "will be deleted" in m.subject]
    token = re.search(r"/cancel/([^/\s]+)/", email.body).group(1)

    assert api_post(client, "/deletion/cancel", {"token": "wrong"}).status_code == 404
    cancelled = api_post(client, "/deletion/cancel", {"token": token})

    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == DeletionStatus.CANCELLED
    assert client.get(f"{API}/exports", **auth).status_code == 200


def test_a_few_exports_a_day_then_429(world, signed_in, django_capture_on_commit_callbacks):
    client = signed_in(world.member)
    for _ in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            assert api_post(client, "/exports").status_code == 202

    response = api_post(client, "/exports")

    assert response.status_code == 429
    assert "Retry-After" in response
    assert DataExport.objects.filter(user=world.member).count() == 5
