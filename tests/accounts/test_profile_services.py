import pytest
from django.core.files.storage import default_storage

from perchoir.accounts import selectors, services
from perchoir.accounts.models import BIO_MAX_LENGTH, User
from perchoir.core.errors import InvalidInput, NotFound, RateLimited, TooLarge
from perchoir.media.models import Image
from tests.factories import UserFactory
from tests.media.images import image_bytes, upload

pytestmark = pytest.mark.django_db


def _update(user, **changes):
    values = {"display_name": user.display_name, "handle": user.handle, "bio": user.bio}
    values.update(changes)
    return services.profile_update(user=user, **values)


def test_profile_update_saves_name_handle_and_rendered_bio(member):
    _update(member, display_name="  Ada   Lovelace ", handle="@ada_L", bio="I *love* engines.")

    member.refresh_from_db()
    assert member.display_name == "Ada Lovelace"
    assert member.handle == "ada_L"
    assert member.bio == "I *love* engines."
    assert member.bio_html == "<p>I <em>love</em> engines.</p>\n"


def test_handle_taken_in_another_case_is_refused(member):
    UserFactory(handle="Alice")

    with pytest.raises(InvalidInput) as caught:
        _update(member, handle="aLICE", bio="new bio")

    assert caught.value.fields["handle"] == [
        "This handle is already taken; please choose another one."
    ]
    member.refresh_from_db()
    assert member.handle != "aLICE"
    assert member.bio == ""  # nothing half-saved


def test_changing_only_the_casing_of_ones_own_handle_is_fine():
    person = UserFactory(handle="bob")
    _update(person, handle="Bob")
    person.refresh_from_db()
    assert person.handle == "Bob"


@pytest.mark.parametrize(
    ("handle", "message"),
    [
        ("admin", "is reserved"),
        ("Settings", "is reserved"),
        ("no spaces", "only contain letters, digits and underscores"),
        ("émile", "only contain letters, digits and underscores"),
        ("x", "between 2 and 30 characters"),
        ("a" * 31, "between 2 and 30 characters"),
    ],
)
def test_bad_handles_are_refused_with_a_clear_message(member, handle, message):
    original = member.handle
    with pytest.raises(InvalidInput) as caught:
        _update(member, handle=handle)
    assert message in caught.value.fields["handle"][0]
    member.refresh_from_db()
    assert member.handle == original


def test_oversized_bio_is_refused_and_every_error_is_reported_at_once(member):
    with pytest.raises(InvalidInput) as caught:
        _update(member, handle="root", bio="b" * (BIO_MAX_LENGTH + 1), display_name="n" * 81)

    assert caught.value.fields["bio"] == [
        f"A bio has at most {BIO_MAX_LENGTH} characters; this one has {BIO_MAX_LENGTH + 1}."
    ]
    assert "handle" in caught.value.fields
    assert "display_name" in caught.value.fields
    member.refresh_from_db()
    assert member.bio == ""


def test_bio_at_the_limit_is_accepted(member):
    _update(member, bio="b" * BIO_MAX_LENGTH)
    member.refresh_from_db()
    assert len(member.bio) == BIO_MAX_LENGTH


def test_html_and_script_in_the_bio_are_shown_as_text_never_run(member):
    bio = (
        '<script>alert("x")</script> <img src=x onerror=alert(1)> '
        "[click](javascript:alert(1)) <b>bold</b>"
    )
    _update(member, bio=bio)

    member.refresh_from_db()
    assert member.bio == bio  # what the person typed is kept as typed
    assert "<script" not in member.bio_html
    assert "<img" not in member.bio_html
    assert "<b>" not in member.bio_html
    assert 'href="javascript' not in member.bio_html
    assert "&lt;script&gt;" in member.bio_html


def test_profile_selector_ignores_case_and_hides_inactive_people():
    person = UserFactory(handle="CamelCase")
    assert selectors.profile_get_by_handle("camelcase") == person
    assert selectors.profile_get_by_handle("@CAMELCASE") == person

    person.is_active = False
    person.save()
    with pytest.raises(NotFound):
        selectors.profile_get_by_handle("CamelCase")
    with pytest.raises(NotFound):
        selectors.profile_get_by_handle("nobody_here")


def test_avatar_set_replaces_the_previous_one_and_removes_its_files(
    member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.profile_avatar_set(user=member, file=upload(image_bytes("PNG")))
    first = Image.objects.get()
    first_files = [first.file.name, *first.thumbnails.values()]
    assert all(default_storage.exists(name) for name in first_files)

    with django_capture_on_commit_callbacks(execute=True):
        services.profile_avatar_set(user=member, file=upload(image_bytes("JPEG"), "b.jpg"))

    member.refresh_from_db()
    assert member.avatar is not None
    assert member.avatar.format == "jpeg"
    assert Image.objects.count() == 1
    assert not any(default_storage.exists(name) for name in first_files)


def test_bad_avatar_keeps_the_current_one(member):
    services.profile_avatar_set(user=member, file=upload(image_bytes("PNG")))
    current = member.avatar

    with pytest.raises(InvalidInput):
        services.profile_avatar_set(user=member, file=upload(b"text", "a.jpg"))

    member.refresh_from_db()
    assert member.avatar == current


def test_avatar_uploads_are_rate_limited(member):
    for _ in range(services.AVATAR_UPLOADS_PER_HOUR):
        services.profile_avatar_set(user=member, file=upload(image_bytes("PNG", size=(4, 4))))
    with pytest.raises(RateLimited):
        services.profile_avatar_set(user=member, file=upload(image_bytes("PNG", size=(4, 4))))


def test_avatar_remove_deletes_the_image(member, django_capture_on_commit_callbacks):
    services.profile_avatar_set(user=member, file=upload(image_bytes("PNG")))
    name = member.avatar.file.name

    with django_capture_on_commit_callbacks(execute=True):
        services.profile_avatar_remove(user=member)

    member.refresh_from_db()
    assert member.avatar is None
    assert not Image.objects.exists()
    assert not default_storage.exists(name)
    services.profile_avatar_remove(user=member)  # removing nothing is fine


def test_settings_save_rolls_back_the_profile_when_the_avatar_is_refused(member):
    original = (member.handle, member.display_name)
    with pytest.raises(TooLarge):
        services.profile_settings_save(
            user=member,
            display_name="New name",
            handle="new_handle",
            bio="New bio",
            avatar=upload(b"\0" * (10 * 1024 * 1024 + 1), "big.png"),
        )
    assert (member.handle, member.display_name) == original  # forgotten in memory too
    member.refresh_from_db()
    assert (member.handle, member.display_name, member.bio) == (*original, "")


def test_preferences_update_checks_language_and_theme(member):
    services.preferences_update(user=member, language="fr", theme="dark")
    member.refresh_from_db()
    assert (member.language, member.theme) == ("fr", "dark")

    services.preferences_update(user=member, language="", theme="auto")
    member.refresh_from_db()
    assert (member.language, member.theme) == ("", "auto")

    with pytest.raises(InvalidInput) as caught:
        services.preferences_update(user=member, language="xx", theme="neon")
    assert set(caught.value.fields) == {"language", "theme"}
    assert User.objects.get(id=member.id).theme == "auto"
