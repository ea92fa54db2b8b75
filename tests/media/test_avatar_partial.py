import pytest
from django.template import Context, Template

from perchoir.accounts.services import profile_avatar_set
from perchoir.media.models import Image
from perchoir.media.services import image_thumbnails_make
from tests.factories import UserFactory

from .images import image_bytes, upload

pytestmark = pytest.mark.django_db


def _render(person, options: str = "") -> str:
    template = Template("{% load perchoir_media %}{% avatar person " + options + " %}")
    return template.render(Context({"person": person}))


def test_person_without_avatar_gets_initials_named_for_screen_readers():
    html = _render(UserFactory(display_name="marie curie"), '"small"')
    assert html.strip().startswith('<span class="avatar avatar--initials avatar--small"')
    assert 'role="img" aria-label="Avatar of marie curie"' in html
    assert ">MC</span>" in html


def test_handle_gives_the_initial_when_there_is_no_display_name():
    assert ">Z</span>" in _render(UserFactory(handle="zed", display_name=""))


def test_avatar_shows_the_original_then_the_thumbnail_once_ready():
    person = UserFactory(display_name="Pix")
    profile_avatar_set(user=person, file=upload(image_bytes("PNG", size=(900, 900))))
    image = Image.objects.get()

    html = _render(person, '"large"')
    assert f'src="/media/{image.file.name}"' in html
    assert 'alt="Avatar of Pix"' in html
    assert 'width="128" height="128"' in html

    image_thumbnails_make(image_id=image.id)
    image.refresh_from_db()
    person.refresh_from_db()
    assert f'src="/media/{image.thumbnails["256"]}"' in _render(person, '"large"')
    assert f'src="/media/{image.thumbnails["64"]}"' in _render(person, '"small"')


def test_decorative_avatar_is_hidden_from_screen_readers():
    html = _render(UserFactory(display_name="Deco"), '"small" decorative=True')
    assert 'aria-hidden="true"' in html
    assert "aria-label" not in html


def test_initials_are_letters_only():
    assert ">OB</span>" in _render(UserFactory(display_name="O'Brien <b>"))
