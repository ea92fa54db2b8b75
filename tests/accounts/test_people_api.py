import pytest
from django.test import Client

from perchoir.accounts.models import Role
from perchoir.api.services import access_token_create
from perchoir.media.models import Image
from tests.factories import ModeratorFactory, UserFactory
from tests.media.images import image_bytes, upload

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"


@pytest.fixture
def bearer(member):
    _token, secret = access_token_create(user=member, name="tests")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_me_needs_authentication(client):
    response = client.get(ME)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_me_with_a_token_shows_profile_and_preferences(client, member, bearer):
    response = client.get(ME, **bearer)

    assert response.status_code == 200
    body = response.json()
    assert body["handle"] == member.handle
    assert body["email"] == member.email
    assert body["role"] == "member"
    assert body["avatar"] is None
    assert body["profile_url"] == f"http://testserver/@{member.handle}"


def test_patch_me_changes_only_what_is_sent(client, member, bearer):
    response = client.patch(
        ME,
        {"bio": "Hello **there**", "theme": "dark"},
        content_type="application/json",
        **bearer,
    )

    assert response.status_code == 200
    body = response.json()
    assert body["bio_html"] == "<p>Hello <strong>there</strong></p>\n"
    assert body["theme"] == "dark"
    assert body["handle"] == member.handle
    member.refresh_from_db()
    assert member.bio == "Hello **there**"


def test_patch_me_refuses_a_taken_handle_in_the_one_error_format(client, member, bearer):
    UserFactory(handle="Taken")
    response = client.patch(
        ME, {"handle": "TAKEN", "bio": "x"}, content_type="application/json", **bearer
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"]["handle"] == ["This handle is already taken; please choose another one."]
    member.refresh_from_db()
    assert member.bio == ""


def test_patch_me_refuses_a_reserved_handle_and_a_bad_language(client, bearer):
    response = client.patch(
        ME, {"handle": "admin", "language": "xx"}, content_type="application/json", **bearer
    )
    assert response.status_code == 400
    assert "is reserved" in response.json()["error"]["fields"]["handle"][0]


def test_patch_me_ignores_a_forged_role(client, member, bearer):
    response = client.patch(
        ME, {"role": "admin", "display_name": "Me"}, content_type="application/json", **bearer
    )
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.role == Role.MEMBER
    assert member.display_name == "Me"


def test_avatar_upload_and_removal_through_the_api(
    client, member, bearer, django_capture_on_commit_callbacks
):
    gif = image_bytes("GIF", size=(1, 1), mode="P")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{ME}/avatar", {"file": upload(gif, "me.png")}, **bearer)

    assert response.status_code == 200
    avatar = response.json()["avatar"]
    assert avatar["url"].endswith(".gif")
    assert (avatar["width"], avatar["height"]) == (1, 1)
    assert response.json()["avatar"]["status"] == "processing"
    ready = client.get(ME, **bearer).json()["avatar"]
    assert ready["status"] == "ready"
    assert set(ready["thumbnails"]) == {"64", "256", "800"}

    response = client.delete(f"{ME}/avatar", **bearer)
    assert response.status_code == 200
    assert response.json()["avatar"] is None
    assert not Image.objects.exists()


def test_avatar_upload_refuses_text_and_big_files_clearly(client, bearer, settings):
    response = client.post(
        f"{ME}/avatar", {"file": upload(b"plain text", "photo.jpg", "image/jpeg")}, **bearer
    )
    assert response.status_code == 400
    assert "not an image we can read" in response.json()["error"]["fields"]["file"][0]

    settings.MEDIA_MAX_UPLOAD_BYTES = 1024
    response = client.post(f"{ME}/avatar", {"file": upload(b"\0" * 2048, "a.png")}, **bearer)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"

    response = client.post(f"{ME}/avatar", {}, **bearer)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert not Image.objects.exists()


def test_session_calls_need_the_csrf_token(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    assert client.get(ME).status_code == 200  # reading needs no token

    refused = client.patch(ME, {"bio": "forged"}, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["error"]["message"]
    member.refresh_from_db()
    assert member.bio == ""

    client.get("/settings/profile/")  # any page with a form sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    accepted = client.patch(
        ME, {"bio": "mine"}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 200
    member.refresh_from_db()
    assert member.bio == "mine"


def test_public_profile_needs_no_authentication(client, django_assert_max_num_queries):
    inviter = UserFactory(handle="inviter")
    ModeratorFactory(handle="Modo", invited_by=inviter, bio="b")

    with django_assert_max_num_queries(2):
        response = client.get("/api/v1/people/modo")

    assert response.status_code == 200
    body = response.json()
    assert body["handle"] == "Modo"
    assert body["role"] == "moderator"
    assert body["invited_by"] == "inviter"
    assert "email" not in body


def test_public_profile_of_a_member_has_no_role_and_unknown_people_are_404(client):
    UserFactory(handle="plain")
    UserFactory(handle="gone", is_active=False)
    assert client.get("/api/v1/people/plain").json()["role"] is None
    response = client.get("/api/v1/people/gone")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
