import re

import pytest
from django.test import Client
from django.urls import reverse

from perchoir.accounts.models import BIO_MAX_LENGTH, Role, User
from perchoir.accounts.services import profile_avatar_set, profile_update
from perchoir.core.selectors import site_settings_get
from perchoir.media.models import Image
from perchoir.media.services import image_thumbnails_make
from tests.factories import ModeratorFactory, UserFactory
from tests.media.images import image_bytes, upload

pytestmark = pytest.mark.django_db

SETTINGS_PROFILE = "/settings/profile/"


def _form(user: User, /, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "display_name": user.display_name,
        "handle": user.handle,
        "bio": user.bio,
    }
    data.update(changes)
    return data


# --- The public page ------------------------------------------------------------------------------


def test_profile_page_is_public_and_shows_who_the_person_is(client, django_assert_max_num_queries):
    inviter = UserFactory(handle="grace", display_name="Grace Hopper")
    person = UserFactory(handle="Ada", display_name="Ada Lovelace", invited_by=inviter)
    profile_update(user=person, display_name=person.display_name, handle="Ada", bio="Hi *all*")
    site_settings_get()

    # The person, their avatar and their inviter in one query, the site's settings, their
    # identities, their conversations and their collections.
    with django_assert_max_num_queries(5):
        response = client.get("/@Ada")

    assert response.status_code == 200
    page = response.content.decode()
    assert '<h1 id="profile-name">Ada Lovelace</h1>' in page
    assert "@Ada" in page
    assert "<p>Hi <em>all</em></p>" in page
    assert 'href="/@grace"' in page
    assert "Grace Hopper" in page
    assert "Joined in" in page
    assert "No conversations yet" in page
    assert "No collections yet" in page
    # No avatar: the initials stand in, named for screen readers.
    assert 'aria-label="Avatar of Ada Lovelace">AL</span>' in page
    assert "Edit my profile" not in page
    assert reverse("accounts:profile", kwargs={"handle": "Ada"}) == "/@Ada"


def test_profile_page_redirects_to_the_canonical_casing(client):
    UserFactory(handle="CamelCase")
    response = client.get("/@camelcase")
    assert response.status_code == 302
    assert response["Location"] == "/@CamelCase"


def test_a_visitor_is_offered_to_sign_in_to_follow_and_comes_back(client):
    UserFactory(handle="ada", display_name="Ada")
    page = client.get("/@ada").content.decode()
    assert 'href="/accounts/login/?next=/%40ada"' in page
    assert "Sign in to follow Ada" in page
    client.force_login(UserFactory())
    signed_in = client.get("/@ada").content.decode()
    assert "Sign in to follow" not in signed_in
    assert f'action="{reverse("follows:follow", kwargs={"handle": "ada"})}"' in signed_in


def test_unknown_and_deactivated_people_have_no_page(client):
    UserFactory(handle="gone", is_active=False)
    assert client.get("/@gone").status_code == 404
    assert client.get("/@nobody").status_code == 404


def test_own_profile_page_offers_to_edit_it(member_client, member, django_assert_max_num_queries):
    profile_avatar_set(user=member, file=upload(image_bytes("PNG")))
    site_settings_get()
    # Session, viewer, person, linked identities shown, messages, their conversations, the
    # unread notifications counter, their collections.
    with django_assert_max_num_queries(9):
        response = member_client.get(f"/@{member.handle}")
    page = response.content.decode()
    assert "Edit my profile" in page
    assert "Your bio is empty" in page
    assert 'alt="Avatar of' in page


def test_moderators_carry_a_role_badge_members_do_not(client):
    ModeratorFactory(handle="modo")
    UserFactory(handle="plain")
    assert '<span class="badge">Moderator</span>' in client.get("/@modo").content.decode()
    assert 'class="badge"' not in client.get("/@plain").content.decode()


def test_script_in_a_bio_is_never_executed_on_the_page(client):
    person = UserFactory(handle="mallory")
    profile_update(
        user=person,
        display_name="<script>alert(1)</script>",
        handle="mallory",
        bio="<script>alert(2)</script>",
    )
    page = client.get("/@mallory").content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(2)" in page


def test_profile_page_shows_the_thumbnail_once_ready_and_the_original_before(client):
    person = UserFactory(handle="pic")
    profile_avatar_set(user=person, file=upload(image_bytes("PNG", size=(600, 600))))
    image = Image.objects.get()

    page = client.get("/@pic").content.decode()
    assert f'src="/media/{image.file.name}"' in page

    image_thumbnails_make(image_id=image.id)
    image.refresh_from_db()
    page = client.get("/@pic").content.decode()
    assert f'src="/media/{image.thumbnails["256"]}"' in page
    assert 'alt="Avatar of' in page


# --- Profile settings --------------------------------------------------------------------------


def test_profile_settings_require_signing_in(client):
    response = client.get(SETTINGS_PROFILE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_profile_settings_page_shows_the_form(member_client, django_assert_max_num_queries):
    site_settings_get()
    with django_assert_max_num_queries(5):
        response = member_client.get(SETTINGS_PROFILE)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="handle"' in page
    assert 'enctype="multipart/form-data"' in page
    assert "Markdown works" in page
    assert 'aria-current="page"' in page


def test_profile_settings_save_everything_including_the_avatar(
    member_client, member, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    data = _form(
        member,
        display_name="New Name",
        handle="New_Handle",
        bio="**Bold** bio",
        avatar=upload(image_bytes("GIF", size=(1, 1), mode="P"), "me.png"),
    )
    # 30, and 12 for the global write limits' two counters in the database cache.
    with django_capture_on_commit_callbacks(execute=True), django_assert_max_num_queries(42):
        response = member_client.post(SETTINGS_PROFILE, data)

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.handle == "New_Handle"
    assert member.display_name == "New Name"
    assert member.bio_html == "<p><strong>Bold</strong> bio</p>\n"
    assert member.avatar.format == "gif"
    assert member.avatar.status == "ready"
    assert "Your profile is saved." in member_client.get(SETTINGS_PROFILE).content.decode()


def test_avatar_can_be_removed_from_the_settings(member_client, member):
    profile_avatar_set(user=member, file=upload(image_bytes("PNG")))
    page = member_client.get(SETTINGS_PROFILE).content.decode()
    assert 'name="remove_avatar"' in page

    member_client.post(SETTINGS_PROFILE, _form(member, remove_avatar="on"))

    member.refresh_from_db()
    assert member.avatar is None
    assert not Image.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"handle": "admin"}, "handle", "is reserved"),
        ({"handle": "taken_ONE"}, "handle", "already taken"),
        ({"handle": "bad handle!"}, "handle", "only contain letters"),
        ({"handle": "h" * 40}, "handle", "between 2 and 30 characters"),
        ({"bio": "x" * (BIO_MAX_LENGTH + 1)}, "bio", f"at most {BIO_MAX_LENGTH} characters"),
        (
            {"avatar": upload(b"just text", "photo.jpg", "image/jpeg")},
            "avatar",
            "not an image we can read",
        ),
    ],
)
def test_bad_profile_input_is_shown_inline_and_nothing_is_saved(
    member_client, member, changes, field, message
):
    UserFactory(handle="Taken_one")
    before = User.objects.get(id=member.id)
    data = _form(member, display_name="Changed", bio="changed", **{"handle": "changed_too"})
    data.update(changes)

    response = member_client.post(SETTINGS_PROFILE, data)

    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    widget = re.search(rf'<(?:input|textarea)[^>]*name="{field}"[^>]*>', page)
    assert widget is not None
    assert 'aria-invalid="true"' in widget.group(0)  # the error sits next to its field
    after = User.objects.get(id=member.id)
    assert (after.handle, after.display_name, after.bio, after.avatar_id) == (
        before.handle,
        before.display_name,
        before.bio,
        before.avatar_id,
    )
    assert not Image.objects.exists()


def test_oversized_avatar_is_refused_inline_and_nothing_is_saved(member_client, member, settings):
    settings.MEDIA_MAX_UPLOAD_BYTES = 50 * 1024
    data = _form(member, handle="renamed", avatar=upload(b"\0" * (60 * 1024), "big.png"))

    response = member_client.post(SETTINGS_PROFILE, data)

    assert response.status_code == 200
    assert "This file is too large" in response.content.decode()
    member.refresh_from_db()
    assert member.handle != "renamed"


def test_forged_fields_change_nothing_but_the_persons_own_profile(member_client, member):
    other = UserFactory(handle="victim", display_name="Victim")
    data = _form(
        member,
        display_name="Mine",
        id=other.id,
        user=other.id,
        user_id=other.id,
        role=Role.ADMIN,
        is_superuser="on",
        email="forged@example.org",
    )

    member_client.post(SETTINGS_PROFILE, data)

    other.refresh_from_db()
    member.refresh_from_db()
    assert (other.handle, other.display_name) == ("victim", "Victim")
    assert member.display_name == "Mine"
    assert member.role == Role.MEMBER
    assert not member.is_superuser
    assert member.email != "forged@example.org"


def test_profile_settings_post_without_csrf_token_is_refused(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post(SETTINGS_PROFILE, _form(member, display_name="Forged"))
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.display_name != "Forged"
