"""Writes about people: their profile, their avatar, their preferences."""

import logging
from io import BytesIO
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from perchoir.core.errors import ApplicationError, InvalidInput
from perchoir.core.markdown import render_markdown
from perchoir.core.ratelimit import ratelimit_hit
from perchoir.links.fetch import safe_fetch
from perchoir.media.services import image_delete, image_upload

from .models import BIO_MAX_LENGTH, DISPLAY_NAME_MAX_LENGTH, Theme, User
from .validators import validate_handle

logger = logging.getLogger(__name__)

# Each avatar upload decodes an image: a person may change it this often.
AVATAR_UPLOADS_PER_HOUR = 10


def _handle_taken() -> str:
    return _("This handle is already taken; please choose another one.")


def _handle_errors(*, user: User, handle: str) -> list[str]:
    try:
        validate_handle(handle)
    except ValidationError as error:
        return [str(message) for message in error.messages]
    if User.objects.filter(handle__iexact=handle).exclude(id=user.id).exists():
        return [_handle_taken()]
    return []


@transaction.atomic
def profile_update(*, user: User, display_name: str, handle: str, bio: str) -> User:
    """Change what the profile page shows; every field is checked before anything is saved."""
    display_name = " ".join(display_name.split())
    handle = handle.strip().removeprefix("@")
    bio = bio.replace("\r\n", "\n").strip()

    fields: dict[str, list[str]] = {}
    if len(display_name) > DISPLAY_NAME_MAX_LENGTH:
        fields["display_name"] = [
            _("A display name has at most %(max)d characters.") % {"max": DISPLAY_NAME_MAX_LENGTH}
        ]
    if handle_errors := _handle_errors(user=user, handle=handle):
        fields["handle"] = handle_errors
    if len(bio) > BIO_MAX_LENGTH:
        fields["bio"] = [
            _("A bio has at most %(max)d characters; this one has %(count)d.")
            % {"max": BIO_MAX_LENGTH, "count": len(bio)}
        ]
    if fields:
        raise InvalidInput(fields=fields)

    user.display_name = display_name
    user.handle = handle
    if bio != user.bio or (bio and not user.bio_html):
        user.bio = bio
        user.bio_html = render_markdown(bio) if bio else ""
    try:
        with transaction.atomic():
            user.save(update_fields=["display_name", "handle", "bio", "bio_html"])
    except IntegrityError:  # someone took the handle between the check and the save
        user.refresh_from_db()
        raise InvalidInput(fields={"handle": [_handle_taken()]}) from None
    return user


@transaction.atomic
def profile_avatar_set(*, user: User, file: IO[bytes]) -> User:
    """Replace the avatar with an uploaded image (through the one media pipeline)."""
    ratelimit_hit("avatar-upload", str(user.id), limit=AVATAR_UPLOADS_PER_HOUR, period=3600)
    image = image_upload(uploaded_by=user, file=file)
    previous = user.avatar
    user.avatar = image
    user.save(update_fields=["avatar"])
    if previous is not None:
        image_delete(image=previous)
    return user


@transaction.atomic
def profile_avatar_remove(*, user: User) -> User:
    previous = user.avatar
    if previous is not None:
        user.avatar = None
        user.save(update_fields=["avatar"])
        image_delete(image=previous)
    return user


def profile_settings_save(
    *,
    user: User,
    display_name: str,
    handle: str,
    bio: str,
    avatar: IO[bytes] | None = None,
    remove_avatar: bool = False,
) -> User:
    """The profile settings page in one go: all of it is saved, or none of it."""
    try:
        with transaction.atomic():
            profile_update(user=user, display_name=display_name, handle=handle, bio=bio)
            if avatar is not None:
                profile_avatar_set(user=user, file=avatar)
            elif remove_avatar:
                profile_avatar_remove(user=user)
    except ApplicationError:
        # What was changed in memory before the failure is forgotten with the rolled-back rows.
        user.refresh_from_db()
        raise
    return user


def _language_codes() -> set[str]:
    return {code for code, _name in settings.LANGUAGES}


def _language_error() -> InvalidInput:
    return InvalidInput.for_field("language", _("Choose one of the languages offered."))


@transaction.atomic
def preferences_update(*, user: User, language: str, theme: str) -> User:
    """Language ("" follows the browser) and theme of the interface."""
    fields: dict[str, list[str]] = {}
    if language and language not in _language_codes():
        fields["language"] = [_("Choose one of the languages offered.")]
    if theme not in Theme.values:
        fields["theme"] = [_("Choose one of the themes offered.")]
    if fields:
        raise InvalidInput(fields=fields)
    user.language = language
    user.theme = theme
    user.save(update_fields=["language", "theme"])
    return user


def preferences_language_set(*, user: User, language: str) -> User:
    """The language switcher: keep the choice with the account."""
    if language not in _language_codes():
        raise _language_error()
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user


def profile_avatar_import(*, user_id: int, url: str) -> User | None:
    """Use the picture a sign-in provider gave for a new account as its avatar, through the safe
    fetcher and the one media pipeline. A person who chose an avatar meanwhile keeps theirs; a
    picture that cannot be fetched or read leaves the initials (the reason is logged)."""
    person = User.objects.filter(pk=user_id, avatar__isnull=True).first()
    if person is None:
        return None
    try:
        fetched = safe_fetch(url, max_bytes=settings.MEDIA_MAX_UPLOAD_BYTES)
        image = image_upload(uploaded_by=person, file=BytesIO(fetched.body))
    except ApplicationError as error:
        logger.info("Avatar %s of person %s not imported: %s", url, user_id, error.message)
        return None
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id, avatar__isnull=True).first()
        if user is None:  # they chose one meanwhile
            image_delete(image=image)
            return None
        user.avatar = image
        user.save(update_fields=["avatar"])
    return user
