"""Media and data exports in a real S3-compatible bucket (SeaweedFS), configured as an operator
would, by PERCHOIR_S3_* variables only."""

import io
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from perchoir.accounts.services import profile_avatar_set
from perchoir.collections.services import ItemFields, collection_create, item_add
from perchoir.media.models import ImageStatus
from perchoir.media.selectors import image_url
from perchoir.media.services import THUMBNAIL_WIDTHS, image_upload
from perchoir.privacy.models import DataExport, ExportStatus
from perchoir.privacy.services import data_export_expire
from tests.factories import UserFactory
from tests.media.images import image_bytes, upload
from tests.media.worker import worker_run

from .seaweedfs import bucket_keys


def _served(client: Client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, url
    return b"".join(response.streaming_content)


@pytest.mark.django_db(transaction=True)
def test_an_upload_and_the_thumbnails_the_worker_makes_land_in_the_bucket_and_are_served(
    settings, client, object_storage, s3_server
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    bucket = object_storage["PERCHOIR_S3_BUCKET"]
    member = UserFactory()

    image = image_upload(
        uploaded_by=member, file=upload(image_bytes("JPEG", size=(1200, 900)), "big.jpg")
    )

    assert bucket_keys(s3_server, bucket) == {f"media/{image.file.name}"}
    # Until the worker has run, pages show the original, from the bucket, at this site's /media/.
    original = image_url(image, width=256)
    assert original == f"/media/{image.file.name}"
    assert _served(client, original)[:3] == b"\xff\xd8\xff"

    # A real worker process, configured by the same variables only.
    finished = worker_run(**object_storage)
    assert finished.returncode == 0, finished.stderr

    image.refresh_from_db()
    assert image.status == ImageStatus.READY, finished.stderr
    expected = {f"media/{image.file.name}"} | {
        f"media/{image.thumbnails[str(width)]}" for width in THUMBNAIL_WIDTHS
    }
    assert bucket_keys(s3_server, bucket) == expected
    thumbnail = image_url(image, width=256)
    assert thumbnail == f"/media/{image.thumbnails['256']}"
    response = client.get(thumbnail)
    assert response["Content-Type"] == "image/webp"
    stored = s3_server.client().get_object(Bucket=bucket, Key=f"media/{image.thumbnails['256']}")
    assert b"".join(response.streaming_content) == stored["Body"].read()


@pytest.mark.django_db
def test_an_avatar_shows_on_the_profile_from_the_bucket(object_storage, s3_server):
    member = UserFactory(handle="ada")
    profile_avatar_set(user=member, file=upload(image_bytes("PNG"), "me.png"))
    name = member.avatar.file.name

    page = Client().get("/@ada")

    assert f'src="/media/{name}"' in page.content.decode()
    assert f"media/{name}" in bucket_keys(s3_server, object_storage["PERCHOIR_S3_BUCKET"])
    assert _served(Client(), f"/media/{name}")[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.django_db
def test_a_collection_cover_and_an_image_item_live_in_the_bucket(object_storage, s3_server):
    owner = UserFactory()
    collection = collection_create(
        owner=owner, title="Marsh birds", cover_file=upload(image_bytes("PNG"), "cover.png")
    )
    connection = item_add(
        actor=owner,
        collection_id=collection.pk,
        kind="image",
        fields=ItemFields(title="Heron", alt_text="A grey heron"),
        image_file=upload(image_bytes("JPEG"), "heron.jpg", "image/jpeg"),
    )
    names = {collection.cover.file.name, connection.item.image.file.name}

    page = Client().get(collection.get_absolute_url()).content.decode()

    assert {f"media/{name}" for name in names} <= bucket_keys(
        s3_server, object_storage["PERCHOIR_S3_BUCKET"]
    )
    for name in names:
        assert f'src="/media/{name}"' in page
        assert _served(Client(), f"/media/{name}")


@pytest.mark.django_db
def test_a_public_url_sends_browsers_to_the_proxy_or_cdn_in_front_of_the_bucket(
    settings, object_storage
):
    settings.MEDIA_URL = "https://media.example.org/perchoir/"
    image = image_upload(uploaded_by=None, file=upload(image_bytes("PNG"), "p.png"))

    assert image_url(image) == f"https://media.example.org/perchoir/{image.file.name}"
    assert "X-Amz-Signature" not in image_url(image)


@pytest.mark.django_db
def test_the_data_export_is_built_into_the_bucket_never_in_public_media(
    client, object_storage, s3_server, django_capture_on_commit_callbacks
):
    bucket = object_storage["PERCHOIR_S3_BUCKET"]
    member = UserFactory(handle="ada")
    profile_avatar_set(user=member, file=upload(image_bytes("PNG"), "me.png"))
    client.force_login(member)

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/settings/data/export/").status_code == 302
    export = DataExport.objects.get()
    assert export.status == ExportStatus.READY

    key = f"exports/{export.file_name}"
    assert key in bucket_keys(s3_server, bucket)
    download = client.get(f"/settings/data/exports/{export.pk}/download/")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    # The avatar was read from the bucket into the archive.
    assert any(name.startswith("media/") and name.endswith(".png") for name in archive.namelist())
    assert archive.read("account.json")
    # The media address never reaches the archive, however its name is written.
    for trick in (f"/media/../exports/{export.file_name}", f"/media/%2e%2e/{key}"):
        assert client.get(trick).status_code == 404

    export.expires_at = export.created_at
    export.save()
    data_export_expire(export_id=export.pk)
    assert key not in bucket_keys(s3_server, bucket)


@pytest.mark.django_db
def test_readyz_says_when_the_storage_cannot_be_reached(
    settings, client, object_storage, s3_bucket, monkeypatch
):
    from perchoir.settings import s3_storages

    assert client.get("/readyz").json()["checks"]["storage"] == "ok"

    # Nothing listens there any more: as when the storage server is down.
    monkeypatch.setenv("PERCHOIR_S3_ENDPOINT_URL", "http://127.0.0.1:9")
    settings.STORAGES = {**settings.STORAGES, **s3_storages(s3_bucket)}
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == "error: EndpointConnectionError"
    assert response.json()["checks"]["database"] == "ok"


@pytest.mark.django_db
def test_readyz_says_when_the_storage_refuses_the_credentials(
    settings, client, object_storage, s3_bucket, monkeypatch
):
    from perchoir.settings import s3_storages

    monkeypatch.setenv("PERCHOIR_S3_SECRET_ACCESS_KEY", "not-the-secret")
    settings.STORAGES = {**settings.STORAGES, **s3_storages(s3_bucket)}
    assert default_storage.__class__.__name__ == "MediaStorage"

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == "error: ClientError"
