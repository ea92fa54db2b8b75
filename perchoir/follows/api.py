"""Follows and follow-list imports over the API: the same services as the pages."""

import json
from datetime import datetime
from typing import cast

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from perchoir.accounts.models import User
from perchoir.accounts.selectors import profile_get_by_handle
from perchoir.api.errors import ErrorOut
from perchoir.api.openapi import doc
from perchoir.api.pagination import NewestFirst
from perchoir.core.errors import InvalidInput
from perchoir.core.types import AuthenticatedRequest
from perchoir.invitations.api import PendingInvitationOut

from . import selectors, services
from .models import Block, Follow
from .parsing import FIELD

router = Router(tags=["follows"])
MATCHES_MAX = 1000


class FollowStateOut(Schema):
    handle: str
    following: bool
    followers_count: int


class FollowPersonOut(Schema):
    handle: str
    name: str
    profile_url: str
    since: datetime


class ImportIn(Schema):
    text: str


class MatchOut(Schema):
    address: str
    kind: str
    handle: str
    name: str
    following: bool


class NotHereOut(Schema):
    """A line that matched nobody here. An identity (`provider:username`) can be invited."""

    id: int
    address: str
    invitable: bool


class ImportOut(Schema):
    id: int
    status: str
    total: int
    processed: int
    percent: int
    found: int
    probable: int
    missing: int
    created_at: datetime
    finished_at: datetime | None
    matches: list[MatchOut]
    matches_truncated: bool
    not_here: list[NotHereOut]
    not_here_truncated: bool


def _state(request: AuthenticatedRequest, handle: str) -> dict[str, object]:
    person = profile_get_by_handle(handle)
    summary = selectors.follow_summary(person=person, viewer=request.user)
    return {
        "handle": person.handle,
        "following": summary.viewer_follows,
        "followers_count": summary.followers,
    }


@router.post(
    "/people/{handle}/follow",
    response={200: FollowStateOut, 400: ErrorOut, 404: ErrorOut, 429: ErrorOut},
    summary=doc(gettext_lazy("Follow a person (following again changes nothing)")),
)
def follow(request: AuthenticatedRequest, handle: str) -> object:
    services.follow_create(follower=request.user, handle=handle)
    return _state(request, handle)


@router.delete(
    "/people/{handle}/follow",
    response={200: FollowStateOut, 404: ErrorOut},
    summary=doc(gettext_lazy("Stop following a person")),
)
def unfollow(request: AuthenticatedRequest, handle: str) -> object:
    services.follow_delete(follower=request.user, handle=handle)
    return _state(request, handle)


class BlockStateOut(Schema):
    handle: str
    blocked: bool = Field(description=doc(gettext_lazy("Whether you block this person.")))


def _block_state(request: AuthenticatedRequest, handle: str) -> dict[str, object]:
    person = profile_get_by_handle(handle)
    summary = selectors.follow_summary(person=person, viewer=request.user)
    return {"handle": person.handle, "blocked": summary.viewer_blocks}


@router.post(
    "/people/{handle}/block",
    response={200: BlockStateOut, 400: ErrorOut, 404: ErrorOut, 429: ErrorOut},
    summary=doc(gettext_lazy("Block a person (blocking again changes nothing)")),
    description=doc(
        gettext_lazy(
            "The follows between you end both ways, of each other and of each other's "
            "collections, and so do the invitations and requests waiting between you; neither "
            "of you can follow, invite or ask the other again, nor sees the other's content in "
            "home, explore or search. They are not told."
        )
    ),
)
def block(request: AuthenticatedRequest, handle: str) -> object:
    services.block_create(blocker=request.user, handle=handle)
    return _block_state(request, handle)


@router.delete(
    "/people/{handle}/block",
    response={200: BlockStateOut, 404: ErrorOut},
    summary=doc(gettext_lazy("Unblock a person")),
)
def unblock(request: AuthenticatedRequest, handle: str) -> object:
    services.block_delete(blocker=request.user, handle=handle)
    return _block_state(request, handle)


def _profile_url(request: HttpRequest, person: User) -> str:
    return request.build_absolute_uri(reverse("accounts:profile", kwargs={"handle": person.handle}))


# Ninja resolvers are static: each list's schema gets its own, made once for the relation that
# names the person in its rows (`follower` of a Follow, `blocked` of a Block...).
PersonRow = Follow | Block


def _person_resolvers(
    relation: str,
) -> tuple[
    "staticmethod[[PersonRow], str]",
    "staticmethod[[PersonRow], str]",
    "staticmethod[[PersonRow, dict[str, HttpRequest]], str]",
    "staticmethod[[PersonRow], datetime]",
]:
    """The resolvers of a FollowPersonOut whose rows name the person in `relation`."""

    def person(row: PersonRow) -> User:
        return cast(User, getattr(row, relation))

    def handle(row: PersonRow) -> str:
        return person(row).handle

    def name(row: PersonRow) -> str:
        return person(row).name

    def profile_url(row: PersonRow, context: dict[str, HttpRequest]) -> str:
        return _profile_url(context["request"], person(row))

    def since(row: PersonRow) -> datetime:
        return row.created_at

    return staticmethod(handle), staticmethod(name), staticmethod(profile_url), staticmethod(since)


class FollowerOut(FollowPersonOut):
    """Someone who follows the person, and since when."""

    resolve_handle, resolve_name, resolve_profile_url, resolve_since = _person_resolvers("follower")


class FollowedOut(FollowPersonOut):
    """Someone the person follows, and since when."""

    resolve_handle, resolve_name, resolve_profile_url, resolve_since = _person_resolvers("followed")


class BlockedOut(FollowPersonOut):
    """Someone you block, and since when."""

    resolve_handle, resolve_name, resolve_profile_url, resolve_since = _person_resolvers("blocked")


@router.get(
    "/people/{handle}/followers",
    response={200: list[FollowerOut], 404: ErrorOut},
    auth=None,
    summary=doc(gettext_lazy("People who follow this person, newest first")),
)
@paginate(NewestFirst)
def followers(request: HttpRequest, handle: str) -> object:
    return selectors.followers_list(person=profile_get_by_handle(handle))


@router.get(
    "/people/{handle}/following",
    response={200: list[FollowedOut], 404: ErrorOut},
    auth=None,
    summary=doc(gettext_lazy("People this person follows, newest first")),
)
@paginate(NewestFirst)
def following(request: HttpRequest, handle: str) -> object:
    return selectors.following_list(person=profile_get_by_handle(handle))


@router.get(
    "/me/blocks",
    response={200: list[BlockedOut]},
    summary=doc(gettext_lazy("The people I block, the latest first")),
)
@paginate(NewestFirst)
def blocks(request: AuthenticatedRequest) -> object:
    return selectors.blocks_of(user=request.user)


# --- Imports --------------------------------------------------------------------------------


def _import_out(request: AuthenticatedRequest, import_id: int) -> dict[str, object]:
    follow_import = selectors.follow_import_get_for_user(user=request.user, import_id=import_id)
    entries = list(selectors.follow_import_matches(follow_import=follow_import)[: MATCHES_MAX + 1])
    not_here = list(selectors.follow_import_missing(follow_import=follow_import)[: MATCHES_MAX + 1])
    followed_ids = selectors.following_ids_among(
        viewer=request.user, people_ids=[entry.person_id for entry in entries[:MATCHES_MAX]]
    )
    return {
        "id": follow_import.id,
        "status": follow_import.status,
        "total": follow_import.total,
        "processed": follow_import.processed,
        "percent": follow_import.percent,
        "found": follow_import.found,
        "probable": follow_import.probable,
        "missing": follow_import.missing,
        "created_at": follow_import.created_at,
        "finished_at": follow_import.finished_at,
        "matches": [
            {
                "address": entry.address,
                "kind": entry.kind,
                "handle": entry.person.handle,
                "name": entry.person.name,
                "following": entry.person_id in followed_ids,
            }
            for entry in entries[:MATCHES_MAX]
            if entry.person is not None
        ],
        "matches_truncated": len(entries) > MATCHES_MAX,
        "not_here": [
            {"id": entry.id, "address": entry.address, "invitable": entry.is_identity}
            for entry in not_here[:MATCHES_MAX]
        ],
        "not_here_truncated": len(not_here) > MATCHES_MAX,
    }


def _import_text(request: HttpRequest) -> str:
    """The list from a JSON body {"text": …}, a multipart `file`, or a form field `text`."""
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except ValueError as error:
            raise InvalidInput(_("The request body is not valid JSON.")) from error
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str):
            raise InvalidInput.for_field("text", _("This field is required."))
        return text
    upload = request.FILES.get("file")
    if upload is not None:
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise InvalidInput.for_field(
                "file", _("This file is not a text file (UTF-8) we can read.")
            ) from error
    text = request.POST.get("text", "")
    if not text.strip():
        raise InvalidInput.for_field("text", _("Send the list as `text` or as a `file`."))
    return text


IMPORT_BODY = {
    "requestBody": {
        "content": {
            "application/json": {
                "schema": {"type": "object", "properties": {"text": {"type": "string"}}}
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "text": {"type": "string"},
                    },
                }
            },
        }
    }
}


@router.post(
    "/me/imports",
    response={201: ImportOut, 400: ErrorOut, 429: ErrorOut},
    summary=doc(gettext_lazy("Import a follow list (matched in the background)")),
    description=doc(
        gettext_lazy(
            "Mastodon's following CSV or one @handle, Mastodon address or provider:username a "
            'line, as JSON {"text": …} or as a multipart `file`. Poll the import for progress.'
        )
    ),
    openapi_extra=IMPORT_BODY,
)
def import_create(request: AuthenticatedRequest) -> object:
    text = _import_text(request)
    try:
        follow_import = services.follow_import_create(user=request.user, text=text)
    except InvalidInput as error:
        if FIELD in error.fields:
            error.fields = {"text": error.fields.pop(FIELD), **error.fields}
        raise
    return Status(201, _import_out(request, follow_import.id))


@router.get(
    "/me/imports/{import_id}",
    response={200: ImportOut, 404: ErrorOut},
    summary=doc(gettext_lazy("An import's progress and the people it found")),
)
def import_get(request: AuthenticatedRequest, import_id: int) -> object:
    return _import_out(request, import_id)


@router.post(
    "/me/imports/{import_id}/not-here/{entry_id}/invite",
    response={
        201: PendingInvitationOut,
        400: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        429: ErrorOut,
    },
    summary=doc(gettext_lazy("Invite someone of an import who is not here yet")),
    description=doc(
        gettext_lazy(
            "A waiting invitation to their `provider:username`, claimed when they first sign in "
            "with that account; the same as POST /invitations/pending with that address."
        )
    ),
)
def import_invite(request: AuthenticatedRequest, import_id: int, entry_id: int) -> object:
    invitation = services.follow_import_invite(
        user=request.user, import_id=import_id, entry_id=entry_id
    )
    return Status(201, invitation)


class FollowAllOut(Schema):
    followed: int = Field(description=doc(gettext_lazy("How many people were newly followed.")))


@router.post(
    "/me/imports/{import_id}/follow-all",
    response={200: FollowAllOut, 404: ErrorOut, 429: ErrorOut},
    summary=doc(gettext_lazy("Follow everyone an import found for sure")),
)
def import_follow_all(request: AuthenticatedRequest, import_id: int) -> object:
    count = services.follow_import_follow_all(user=request.user, import_id=import_id)
    return {"followed": count}
