from datetime import datetime

from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from ninja import File, Router, Schema, Status, UploadedFile

from perchoir.api.errors import ErrorOut
from perchoir.core.types import AuthenticatedRequest
from perchoir.media.models import Image
from perchoir.media.selectors import image_thumbnail_urls, image_url

from . import identities, permissions, selectors, services
from .models import User

router = Router(tags=["people"])


class AvatarOut(Schema):
    status: str
    width: int
    height: int
    url: str
    # Width in pixels → address; empty until the thumbnails are ready.
    thumbnails: dict[str, str]


class ProfileOut(Schema):
    handle: str
    display_name: str
    name: str
    bio: str
    bio_html: str
    avatar: AvatarOut | None
    role: str | None
    invited_by: str | None
    date_joined: datetime
    profile_url: str


class MeOut(ProfileOut):
    id: int
    role: str
    email: str
    language: str
    theme: str


class MeIn(Schema):
    """Send only what changes."""

    display_name: str | None = None
    handle: str | None = None
    bio: str | None = None
    language: str | None = None
    theme: str | None = None


def _avatar(image: Image | None) -> dict[str, object] | None:
    if image is None:
        return None
    return {
        "status": image.status,
        "width": image.width,
        "height": image.height,
        "url": image_url(image),
        "thumbnails": image_thumbnail_urls(image),
    }


def _person(request: HttpRequest, person: User) -> dict[str, object]:
    inviter = person.invited_by
    return {
        "handle": person.handle,
        "display_name": person.display_name,
        "name": person.name,
        "bio": person.bio,
        "bio_html": person.bio_html,
        "avatar": _avatar(person.avatar),
        "role": person.role if permissions.can_see_role_badge(request.user, person) else None,
        "invited_by": inviter.handle if inviter is not None and inviter.is_active else None,
        "date_joined": person.date_joined,
        "profile_url": request.build_absolute_uri(
            reverse("accounts:profile", kwargs={"handle": person.handle})
        ),
    }


def _me(request: AuthenticatedRequest) -> dict[str, object]:
    user = selectors.profile_get_for_user(request.user)
    return {
        **_person(request, user),
        "id": user.id,
        "role": user.role,
        "email": user.email,
        "language": user.language,
        "theme": user.theme,
    }


@router.get("/me", response=MeOut, summary="My profile and preferences")
def me(request: AuthenticatedRequest) -> object:
    return _me(request)


@router.patch(
    "/me", response={200: MeOut, 400: ErrorOut}, summary="Change my profile or preferences"
)
def me_update(request: AuthenticatedRequest, payload: MeIn) -> object:
    user = selectors.profile_get_for_user(request.user)
    with transaction.atomic():
        if {"display_name", "handle", "bio"} & payload.model_fields_set:
            services.profile_update(
                user=user,
                display_name=(
                    payload.display_name if payload.display_name is not None else user.display_name
                ),
                handle=payload.handle if payload.handle is not None else user.handle,
                bio=payload.bio if payload.bio is not None else user.bio,
            )
        if {"language", "theme"} & payload.model_fields_set:
            services.preferences_update(
                user=user,
                language=payload.language if payload.language is not None else user.language,
                theme=payload.theme if payload.theme is not None else user.theme,
            )
    return _me(request)


@router.post(
    "/me/avatar",
    response={200: MeOut, 400: ErrorOut, 413: ErrorOut, 429: ErrorOut},
    summary="Upload a new avatar (multipart field `file`)",
)
def me_avatar_set(request: AuthenticatedRequest, file: UploadedFile = File(...)) -> object:  # noqa: B008
    services.profile_avatar_set(user=selectors.profile_get_for_user(request.user), file=file)
    return _me(request)


@router.delete("/me/avatar", response=MeOut, summary="Remove my avatar")
def me_avatar_remove(request: AuthenticatedRequest) -> object:
    services.profile_avatar_remove(user=selectors.profile_get_for_user(request.user))
    return _me(request)


class IdentityOut(Schema):
    id: int
    provider: str
    provider_name: str
    username: str
    profile_url: str
    shown_on_profile: bool


class IdentityIn(Schema):
    shown_on_profile: bool


@router.get("/me/identities", response=list[IdentityOut], summary="My linked accounts")
def me_identities(request: AuthenticatedRequest) -> object:
    return identities.identity_list_for_user(user=request.user)


@router.patch(
    "/me/identities/{identity_id}",
    response={200: IdentityOut, 400: ErrorOut, 404: ErrorOut},
    summary="Show or hide a linked account on my profile",
)
def me_identity_update(
    request: AuthenticatedRequest, identity_id: int, payload: IdentityIn
) -> object:
    return identities.identity_profile_visibility_set(
        user=request.user, identity_id=identity_id, shown=payload.shown_on_profile
    )


@router.delete(
    "/me/identities/{identity_id}",
    response={204: None, 404: ErrorOut, 409: ErrorOut},
    summary="Unlink an account (never the last way to sign in)",
)
def me_identity_unlink(request: AuthenticatedRequest, identity_id: int) -> object:
    identities.identity_unlink(user=request.user, identity_id=identity_id)
    return Status(204, None)


@router.get(
    "/people/{handle}",
    response={200: ProfileOut, 404: ErrorOut},
    auth=None,
    summary="A person's public profile",
)
def person_get(request: HttpRequest, handle: str) -> object:
    return _person(request, selectors.profile_get_by_handle(handle))
