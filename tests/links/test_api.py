"""Link previews over the API: ask, then read until ready; only what you asked for is visible."""

import pytest
from django.test import Client

from perchoir.api.services import access_token_create
from perchoir.links import services
from perchoir.links.models import LinkPreview
from tests.factories import UserFactory
from tests.media.images import image_bytes

from .test_previews import ARTICLE

pytestmark = pytest.mark.django_db


@pytest.fixture
def bearer(member):
    _, secret = access_token_create(user=member, name="Script")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_asking_for_a_preview_then_reading_it_when_ready(
    site, bearer, django_capture_on_commit_callbacks
):
    site.page("/cover.png", image_bytes("PNG", size=(600, 315)), content_type="image/png")
    url = site.page("/herons", ARTICLE)

    with django_capture_on_commit_callbacks(execute=True):
        response = bearer.post(
            "/api/v1/links/previews", {"url": url}, content_type="application/json"
        )

    assert response.status_code == 200
    asked = response.json()
    assert asked["status"] == "pending"
    assert asked["url"] == url
    assert asked["image_url"] is None

    ready = bearer.get(f"/api/v1/links/previews/{asked['id']}").json()
    assert ready["status"] == "ready"
    assert ready["title"] == "Herons of the Loire"
    assert ready["description"] == "Where to watch them, and when."
    assert ready["site_name"] == "River Notes"
    assert ready["image_url"].startswith("http://testserver/media/thumbnails/")
    assert ready["fetched_at"]


def test_an_invalid_address_is_refused_in_the_error_format(bearer):
    response = bearer.post(
        "/api/v1/links/previews", {"url": "file:///etc/passwd"}, content_type="application/json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert "http:// or https://" in error["fields"]["url"][0]
    assert not LinkPreview.objects.exists()


def test_a_missing_address_is_refused(bearer):
    response = bearer.post("/api/v1/links/previews", {}, content_type="application/json")
    assert response.status_code == 400
    assert "url" in response.json()["error"]["fields"]


def test_asking_too_often_is_rate_limited(bearer, monkeypatch):
    monkeypatch.setattr(services, "FETCH_LIMIT", 1)
    for number, expected in ((1, 200), (2, 429)):
        response = bearer.post(
            "/api/v1/links/previews",
            {"url": f"https://example.org/{number}"},
            content_type="application/json",
        )
        assert response.status_code == expected
    assert response.json()["error"]["code"] == "rate_limited"
    assert response.headers["Retry-After"]


def test_a_preview_someone_else_asked_for_is_not_found(bearer):
    other = UserFactory()
    private = services.link_preview_request(
        url="https://example.org/private-doc", requested_by=other
    )

    response = bearer.get(f"/api/v1/links/previews/{private.id}")

    assert response.status_code == 404
    assert "private-doc" not in response.content.decode()
    assert bearer.get("/api/v1/links/previews/999999").status_code == 404


def test_asking_for_the_same_address_makes_it_visible_to_you_too(bearer):
    other = UserFactory()
    shared = services.link_preview_request(url="https://example.org/shared", requested_by=other)

    asked = bearer.post(
        "/api/v1/links/previews",
        {"url": "https://example.org/shared"},
        content_type="application/json",
    ).json()

    assert asked["id"] == shared.id
    assert bearer.get(f"/api/v1/links/previews/{shared.id}").status_code == 200


def test_previews_need_an_account(client):
    response = client.post(
        "/api/v1/links/previews", {"url": "https://example.org/"}, content_type="application/json"
    )
    assert response.status_code == 401
    assert client.get("/api/v1/links/previews/1").status_code == 401
