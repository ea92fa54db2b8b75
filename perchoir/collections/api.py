"""Collections over the API: the same services and selectors as the pages.

Each operation parses its input, calls one service or selector, and renders what it returns
(after a write, things are read again through the viewer-aware selectors). Private collections
do not exist for outsiders: 404, as on the site. Images are uploaded as multipart forms.
"""

import json
from datetime import datetime
from typing import Any, cast

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile

from perchoir.accounts.models import User
from perchoir.api.auth import OPTIONAL, OPTIONAL_SECURITY
from perchoir.api.errors import ErrorOut, error_responses
from perchoir.api.openapi import doc
from perchoir.api.pagination import NewestFirst
from perchoir.core.errors import InvalidInput, NotAuthenticated
from perchoir.core.types import AuthenticatedRequest
from perchoir.media.models import Image
from perchoir.media.selectors import image_thumbnail_urls, image_url

from . import permissions, selectors, services
from .models import (
    Collection,
    Connection,
    ContributionPolicy,
    ItemKind,
    Visibility,
)
from .selectors import Sort

router = Router(tags=["Collections"])

ID_MAX = 2**63 - 1
CARD_WIDTH = 256


# --- Output -------------------------------------------------------------------------------------


class CollectionPersonOut(Schema):
    handle: str
    name: str
    profile_url: str


class CollectionImageOut(Schema):
    url: str = Field(description=doc(gettext_lazy("The stored image, without metadata.")))
    width: int
    height: int
    thumbnails: dict[str, str] = Field(
        description=doc(gettext_lazy("Width → address; empty until made in the background."))
    )


class CollectionViewerOut(Schema):
    contributor: bool
    invited: bool
    following: bool
    can_add: bool
    can_submit: bool
    can_contribute: bool
    can_manage: bool
    can_moderate: bool
    can_request_to_contribute: bool
    can_follow: bool
    can_recommend: bool
    can_leave: bool


class CollectionSummaryOut(Schema):
    id: int
    title: str
    url: str
    feed_url: str | None = Field(description=doc(gettext_lazy("Atom; none when private.")))
    owner: CollectionPersonOut
    description: str = Field(description=doc(gettext_lazy("Markdown, as written.")))
    description_html: str
    cover: CollectionImageOut | None
    visibility: Visibility
    policy: ContributionPolicy
    item_count: int
    follower_count: int
    created_at: datetime
    updated_at: datetime
    hidden_reason: str = Field(
        default="",
        description=doc(
            gettext_lazy(
                "Hidden by the moderators, and why: then only its owner and the moderators "
                "read it; for anyone else it does not exist."
            )
        ),
    )


class CollectionOut(CollectionSummaryOut):
    viewer: CollectionViewerOut


class CollectionPageOut(Schema):
    next: str | None
    previous: str | None
    results: list[CollectionSummaryOut]


class ItemLinkPreviewOut(Schema):
    url: str
    status: str
    title: str
    description: str
    site_name: str
    image_url: str | None


class ProgrammeSlotOut(Schema):
    time: str
    title: str


class CollectionItemOut(Schema):
    id: int
    kind: ItemKind
    url: str = Field(description=doc(gettext_lazy("The item's page in this collection.")))
    author: CollectionPersonOut
    title: str
    body: str = Field(description=doc(gettext_lazy("Markdown, as written.")))
    body_html: str = Field(description=doc(gettext_lazy("Sanitised HTML, rendered once.")))
    image: CollectionImageOut | None = Field(
        description=doc(gettext_lazy("The image of an image item, or an article's cover."))
    )
    caption: str
    alt_text: str
    link_url: str
    link_preview: ItemLinkPreviewOut | None
    starts_at: datetime | None
    ends_at: datetime | None
    time_zone: str
    place: str
    online_url: str
    audience: str
    programme: list[ProgrammeSlotOut]
    draft: bool
    published_at: datetime | None
    reading_minutes: int
    recommendation_count: int
    created_at: datetime
    updated_at: datetime
    hidden_reason: str = Field(
        default="",
        description=doc(
            gettext_lazy(
                "Hidden by the moderators, and why: then only its author and the moderators "
                "read it; for anyone else it does not exist."
            )
        ),
    )


class CollectionConnectionOut(Schema):
    id: int = Field(description=doc(gettext_lazy("The connection: this item in this collection.")))
    collection_id: int
    status: str = Field(description=doc(gettext_lazy("approved, pending or declined.")))
    added_by: CollectionPersonOut
    position: int = Field(description=doc(gettext_lazy("Sorts the manual order, ascending.")))
    created_at: datetime
    item: CollectionItemOut


class CollectionHiddenItemOut(Schema):
    item_id: int = Field(description=doc(gettext_lazy("Take it out with DELETE on the item.")))
    added_by: CollectionPersonOut
    hidden_at: datetime
    hidden_reason: str = Field(description=doc(gettext_lazy("The moderators' reason.")))


class CollectionItemsPageOut(Schema):
    results: list[CollectionConnectionOut]
    next_cursor: str | None = Field(
        description=doc(gettext_lazy("Pass as `cursor` for the next page; empty on the last."))
    )
    sort: str


class CollectionItemDetailOut(CollectionConnectionOut):
    recommended: bool = Field(description=doc(gettext_lazy("You recommend it.")))
    collections: list[CollectionSummaryOut] = Field(
        description=doc(gettext_lazy("The collections holding it that you may see."))
    )


class CollectionContributorOut(Schema):
    person: CollectionPersonOut
    since: datetime


class ContributorInviteOutcomeOut(Schema):
    invited: list[str]
    already_in: list[str]
    waiting: list[str]


class ContributionRequestOut(Schema):
    id: int
    requester: CollectionPersonOut
    message: str
    status: str
    created_at: datetime


class CollectionInviteLinkOut(Schema):
    url: str | None


def _absolute(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


def _person(request: HttpRequest, person: User) -> dict[str, object]:
    return {
        "handle": person.handle,
        "name": person.name,
        "profile_url": _absolute(request, reverse("accounts:profile", args=[person.handle])),
    }


def _image(request: HttpRequest, image: Image | None) -> dict[str, object] | None:
    if image is None:
        return None
    return {
        "url": _absolute(request, image_url(image)),
        "width": image.width,
        "height": image.height,
        "thumbnails": {
            width: _absolute(request, address)
            for width, address in image_thumbnail_urls(image).items()
        },
    }


def _summary(request: HttpRequest, collection: Collection) -> dict[str, object]:
    return {
        "id": collection.pk,
        "title": collection.title,
        "url": _absolute(request, collection.get_absolute_url()),
        "feed_url": (
            _absolute(request, reverse("collections:feed", args=[collection.pk]))
            if collection.visibility != Visibility.PRIVATE
            else None
        ),
        "owner": _person(request, collection.owner),
        "description": collection.description,
        "description_html": collection.description_html,
        "cover": _image(request, collection.cover),
        "visibility": collection.visibility,
        "policy": collection.policy,
        "item_count": collection.item_count,
        "follower_count": collection.follower_count,
        "created_at": collection.created_at,
        "updated_at": collection.updated_at,
        "hidden_reason": collection.hidden_reason if collection.is_hidden else "",
    }


def _collection_out(request: HttpRequest, collection_id: int) -> dict[str, object]:
    collection, standing = selectors.collection_get_for_viewer(
        viewer=request.user, collection_id=collection_id
    )
    return {
        **_summary(request, collection),
        "viewer": {
            "contributor": standing.is_contributor,
            "invited": standing.invited,
            "following": standing.following,
            **permissions.capabilities(request.user, collection, standing),
        },
    }


def _connection(request: HttpRequest, connection: Connection) -> dict[str, object]:
    item = connection.item
    preview = item.link_preview
    return {
        "id": connection.pk,
        "collection_id": connection.collection_id,
        "status": connection.status,
        "added_by": _person(request, connection.added_by),
        "position": connection.position,
        "created_at": connection.created_at,
        "item": {
            "id": item.pk,
            "kind": item.kind,
            "url": _absolute(request, connection.get_absolute_url()),
            "author": _person(request, item.author),
            "title": item.title,
            "body": item.body,
            "body_html": item.body_html,
            "image": _image(request, item.image),
            "caption": item.caption,
            "alt_text": item.alt_text,
            "link_url": item.link_url,
            "link_preview": (
                {
                    "url": preview.url,
                    "status": preview.status,
                    "title": preview.title,
                    "description": preview.description,
                    "site_name": preview.site_name,
                    "image_url": (
                        _absolute(request, image_url(preview.image, width=CARD_WIDTH))
                        if preview.image
                        else None
                    ),
                }
                if preview is not None
                else None
            ),
            "starts_at": item.starts_at,
            "ends_at": item.ends_at,
            "time_zone": item.time_zone,
            "place": item.place,
            "online_url": item.online_url,
            "audience": item.audience,
            "programme": item.programme,
            "draft": item.is_draft,
            "published_at": item.published_at,
            "reading_minutes": item.reading_minutes,
            "recommendation_count": item.recommendation_count,
            "created_at": item.created_at,
            "updated_at": item.updated_at,
            "hidden_reason": item.hidden_reason if item.is_hidden else "",
        },
    }


def _item_out(request: HttpRequest, collection_id: int, item_id: int) -> dict[str, object]:
    _collection, _standing, connection = selectors.connection_get_for_viewer(
        viewer=request.user, collection_id=collection_id, item_id=item_id
    )
    return {
        **_connection(request, connection),
        "recommended": bool(
            selectors.recommended_item_ids(viewer=request.user, items=[connection.item])
        ),
        "collections": [
            _summary(request, c)
            for c in selectors.collections_holding(item=connection.item, viewer=request.user)
        ],
    }


# --- Input --------------------------------------------------------------------------------------


class CollectionIn(Schema):
    title: str
    description: str = Field("", description=doc(gettext_lazy("Markdown.")))
    visibility: Visibility = Visibility.PUBLIC
    policy: ContributionPolicy = ContributionPolicy.ONLY_ME
    client_token: str = Field(
        "",
        max_length=64,
        description=doc(gettext_lazy("Any unique string: sending it again gives the same one.")),
    )


class CollectionUpdateIn(Schema):
    title: str
    description: str = ""
    visibility: Visibility
    policy: ContributionPolicy
    remove_cover: bool = False


class ProgrammeSlotIn(Schema):
    time: str = Field(description=doc(gettext_lazy("HH:MM, in the event's time zone.")))
    title: str


class CollectionItemFieldsIn(Schema):
    title: str = ""
    body: str = Field("", description=doc(gettext_lazy("Markdown: an article's text, or notes.")))
    caption: str = ""
    alt_text: str = Field("", description=doc(gettext_lazy("Required for an image.")))
    link_url: str = Field("", description=doc(gettext_lazy("Required for a link.")))
    starts_at: datetime | None = Field(
        None,
        description=doc(
            gettext_lazy("Events: without an offset, read in `time_zone` (e.g. 2026-12-01T09:30).")
        ),
    )
    ends_at: datetime | None = None
    time_zone: str = Field("", description=doc(gettext_lazy("Events: e.g. Europe/Paris.")))
    place: str = ""
    online_url: str = ""
    audience: str = ""
    programme: list[ProgrammeSlotIn] = []

    def fields(self) -> services.ItemFields:
        return services.ItemFields(
            title=self.title,
            body=self.body,
            caption=self.caption,
            alt_text=self.alt_text,
            link_url=self.link_url,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            time_zone=self.time_zone,
            place=self.place,
            online_url=self.online_url,
            audience=self.audience,
            programme=[slot.dict() for slot in self.programme],
        )


class CollectionItemIn(CollectionItemFieldsIn):
    kind: ItemKind
    publish: bool = Field(True, description=doc(gettext_lazy("False keeps an article a draft.")))
    client_token: str = Field("", max_length=64)


class CollectionItemFormIn(Schema):
    """The same fields as a multipart form, with `programme` as a JSON list."""

    kind: ItemKind
    title: str = ""
    body: str = ""
    caption: str = ""
    alt_text: str = ""
    link_url: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    time_zone: str = ""
    place: str = ""
    online_url: str = ""
    audience: str = ""
    programme: str = Field(
        "", description=doc(gettext_lazy('JSON: [{"time":"09:30","title":"…"}]'))
    )
    publish: bool = True
    client_token: str = Field("", max_length=64)


class CollectionItemUpdateIn(CollectionItemFieldsIn):
    publish: bool | None = Field(
        None, description=doc(gettext_lazy("True publishes a draft; False makes it a draft again."))
    )


class CollectionMoveIn(Schema):
    after_item_id: int | None = Field(None, le=ID_MAX)
    before_item_id: int | None = Field(None, le=ID_MAX)
    direction: str | None = Field(None, description=doc(gettext_lazy("up, down, top or bottom.")))
    number: int | None = Field(
        None, ge=1, le=ID_MAX, description=doc(gettext_lazy("A place, 1 being the first."))
    )


class CollectionConnectIn(Schema):
    collection_id: int = Field(le=ID_MAX, description=doc(gettext_lazy("Where to add it.")))


class CollectionDecisionIn(Schema):
    approve: bool


class CollectionAnswerIn(Schema):
    accept: bool


class CollectionRemoveIn(Schema):
    reason: str = Field(
        "",
        description=doc(
            gettext_lazy(
                "Required to take out someone else's item or to remove a contributor: it is "
                "logged and sent to the person. Not needed for your own item, nor to leave."
            )
        ),
    )


class ContributorInviteIn(Schema):
    addresses: list[str]


class ContributionRequestIn(Schema):
    message: str = ""


class CollectionJoinIn(Schema):
    token: str = Field(max_length=200)


class InviteLinkIn(Schema):
    enable: bool = True


class OrganiserContactIn(Schema):
    message: str


class OrganiserConversationOut(Schema):
    id: int
    url: str


# --- Collections --------------------------------------------------------------------------------


@router.get(
    "",
    response={200: CollectionPageOut, **error_responses(400, 401)},
    auth=OPTIONAL,
    openapi_extra=OPTIONAL_SECURITY,
    summary=doc(gettext_lazy("Public collections, or yours, most recently updated first")),
)
def collection_list(
    request: HttpRequest, pagination: Query[NewestFirst.Input], mine: bool = False
) -> object:
    if mine and not permissions.is_member(request.user):
        raise NotAuthenticated()
    collections = (
        selectors.collections_of_member(viewer=request.user)
        if mine
        else selectors.collections_listed(viewer=request.user)
    )
    page = cast(
        dict[str, Any],
        NewestFirst(ordering=("-updated_at", "-id")).paginate_queryset(
            collections, pagination, request
        ),
    )
    page["results"] = [_summary(request, c) for c in page["results"]]
    return page


@router.post(
    "",
    response={201: CollectionOut, 200: CollectionOut, **error_responses(400, 403, 429)},
    summary=doc(gettext_lazy("Create a collection")),
)
def collection_create(request: AuthenticatedRequest, payload: CollectionIn) -> object:
    collection = services.collection_create(
        owner=request.user,
        title=payload.title,
        description=payload.description,
        visibility=payload.visibility,
        policy=payload.policy,
        client_token=payload.client_token,
    )
    return Status(201, _collection_out(request, collection.pk))


@router.get(
    "/{collection_id}",
    response={200: CollectionOut, 404: ErrorOut},
    auth=OPTIONAL,
    openapi_extra=OPTIONAL_SECURITY,
    summary=doc(gettext_lazy("A collection, and what you may do in it")),
)
def collection_get(request: HttpRequest, collection_id: int) -> object:
    return _collection_out(request, collection_id)


@router.put(
    "/{collection_id}",
    response={200: CollectionOut, **error_responses(400, 403, 404)},
    summary=doc(gettext_lazy("Change a collection's settings (its owner)")),
)
def collection_update(
    request: AuthenticatedRequest, collection_id: int, payload: CollectionUpdateIn
) -> object:
    services.collection_update(
        actor=request.user,
        collection_id=collection_id,
        title=payload.title,
        description=payload.description,
        visibility=payload.visibility,
        policy=payload.policy,
        remove_cover=payload.remove_cover,
    )
    return _collection_out(request, collection_id)


@router.post(
    "/{collection_id}/cover",
    response={200: CollectionOut, **error_responses(400, 403, 404, 413, 429)},
    summary=doc(gettext_lazy("Upload a cover image (multipart field `file`)")),
)
def collection_cover(
    request: AuthenticatedRequest,
    collection_id: int,
    file: File[UploadedFile],
) -> object:
    collection, _standing = selectors.collection_get_for_viewer(
        viewer=request.user, collection_id=collection_id
    )
    services.collection_update(
        actor=request.user,
        collection_id=collection_id,
        title=collection.title,
        description=collection.description,
        visibility=collection.visibility,
        policy=collection.policy,
        cover_file=file,
    )
    return _collection_out(request, collection_id)


@router.delete(
    "/{collection_id}",
    response={204: None, **error_responses(403, 404)},
    summary=doc(gettext_lazy("Delete a collection (its owner)")),
)
def collection_delete(request: AuthenticatedRequest, collection_id: int) -> object:
    services.collection_delete(actor=request.user, collection_id=collection_id)
    return Status(204, None)


# --- Items --------------------------------------------------------------------------------------


@router.get(
    "/{collection_id}/items",
    response={200: CollectionItemsPageOut, **error_responses(400, 404)},
    auth=OPTIONAL,
    openapi_extra=OPTIONAL_SECURITY,
    summary=doc(gettext_lazy("A page of a collection's items")),
    description=doc(gettext_lazy("`sort`: manual (default), newest or recommended.")),
)
def items_list(
    request: HttpRequest,
    collection_id: int,
    sort: str = Sort.MANUAL,
    cursor: str = "",
    page_size: int = Query(selectors.PAGE_SIZE, ge=1, le=selectors.MAX_PAGE_SIZE),
) -> object:
    if sort not in Sort.ALL:
        raise InvalidInput.for_field("sort", _("Sort by manual, newest or recommended."))
    collection, _standing = selectors.collection_get_for_viewer(
        viewer=request.user, collection_id=collection_id
    )
    page = selectors.collection_items_page(
        collection=collection, viewer=request.user, sort=sort, cursor=cursor[:80], size=page_size
    )
    return {
        "results": [_connection(request, c) for c in page.connections],
        "next_cursor": page.next_cursor,
        "sort": page.sort,
    }


def _add(
    request: AuthenticatedRequest,
    collection_id: int,
    *,
    kind: str,
    fields: services.ItemFields,
    publish: bool,
    client_token: str,
    file: UploadedFile | None,
) -> object:
    connection = services.item_add(
        actor=request.user,
        collection_id=collection_id,
        kind=kind,
        fields=fields,
        image_file=file,
        publish=publish,
        client_token=client_token,
    )
    return Status(201, _item_out(request, collection_id, connection.item_id))


@router.post(
    "/{collection_id}/items",
    response={201: CollectionItemDetailOut, **error_responses(400, 403, 404, 409, 429)},
    summary=doc(gettext_lazy("Add (or submit) an article, link or event")),
    description=doc(
        gettext_lazy(
            "Added at once where you may add, submitted for approval where you may submit "
            "(status pending). Images: use the multipart operation."
        )
    ),
)
def item_add(
    request: AuthenticatedRequest, collection_id: int, payload: CollectionItemIn
) -> object:
    return _add(
        request,
        collection_id,
        kind=payload.kind,
        fields=payload.fields(),
        publish=payload.publish,
        client_token=payload.client_token,
        file=None,
    )


@router.post(
    "/{collection_id}/items/upload",
    response={201: CollectionItemDetailOut, **error_responses(400, 403, 404, 409, 413, 429)},
    summary=doc(gettext_lazy("Add (or submit) an item with an image, as a multipart form")),
    description=doc(
        gettext_lazy(
            "The image (field `image`) of an image item or an article's cover, and the item's "
            "fields as form fields."
        )
    ),
)
def item_add_upload(
    request: AuthenticatedRequest,
    collection_id: int,
    payload: Form[CollectionItemFormIn],
    image: UploadedFile | None = File(None),  # noqa: B008
) -> object:
    try:
        programme = json.loads(payload.programme) if payload.programme.strip() else []
    except ValueError:
        raise InvalidInput.for_field(
            "programme", _("The programme is a list of time slots.")
        ) from None
    fields = services.ItemFields(
        title=payload.title,
        body=payload.body,
        caption=payload.caption,
        alt_text=payload.alt_text,
        link_url=payload.link_url,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        time_zone=payload.time_zone,
        place=payload.place,
        online_url=payload.online_url,
        audience=payload.audience,
        programme=programme,
    )
    return _add(
        request,
        collection_id,
        kind=payload.kind,
        fields=fields,
        publish=payload.publish,
        client_token=payload.client_token,
        file=image,
    )


@router.get(
    "/{collection_id}/items/{item_id}",
    response={200: CollectionItemDetailOut, 404: ErrorOut},
    auth=OPTIONAL,
    openapi_extra=OPTIONAL_SECURITY,
    summary=doc(gettext_lazy("An item as it sits in a collection")),
)
def item_get(request: HttpRequest, collection_id: int, item_id: int) -> object:
    return _item_out(request, collection_id, item_id)


@router.put(
    "/{collection_id}/items/{item_id}",
    response={200: CollectionItemDetailOut, **error_responses(400, 403, 404)},
    summary=doc(gettext_lazy("Change an item (its author); publish a draft")),
)
def item_update(
    request: AuthenticatedRequest, collection_id: int, item_id: int, payload: CollectionItemUpdateIn
) -> object:
    services.item_update(
        actor=request.user,
        collection_id=collection_id,
        item_id=item_id,
        fields=payload.fields(),
        publish=payload.publish,
    )
    return _item_out(request, collection_id, item_id)


@router.post(
    "/{collection_id}/items/{item_id}/image",
    response={200: CollectionItemDetailOut, **error_responses(400, 403, 404, 413, 429)},
    summary=doc(gettext_lazy("Replace an item's image or an article's cover (multipart `file`)")),
)
def item_image(
    request: AuthenticatedRequest, collection_id: int, item_id: int, file: File[UploadedFile]
) -> object:
    _collection, _standing, connection = selectors.connection_get_for_viewer(
        viewer=request.user, collection_id=collection_id, item_id=item_id
    )
    item = connection.item
    services.item_update(
        actor=request.user,
        collection_id=collection_id,
        item_id=item_id,
        fields=services.item_fields_of(item),
        image_file=file,
    )
    return _item_out(request, collection_id, item_id)


@router.delete(
    "/{collection_id}/items/{item_id}",
    response={204: None, **error_responses(400, 403, 404)},
    summary=doc(gettext_lazy("Take an item out of a collection")),
    description=doc(
        gettext_lazy(
            "The owner (or a moderator) takes out anyone's item, with a `reason` in the body "
            "for someone else's; a contributor their own."
        )
    ),
)
def item_remove(
    request: AuthenticatedRequest,
    collection_id: int,
    item_id: int,
    payload: CollectionRemoveIn | None = None,
) -> object:
    services.connection_remove(
        actor=request.user,
        collection_id=collection_id,
        item_id=item_id,
        reason=payload.reason if payload is not None else "",
    )
    return Status(204, None)


@router.post(
    "/{collection_id}/items/{item_id}/move",
    response={200: CollectionConnectionOut, **error_responses(400, 403, 404)},
    summary=doc(gettext_lazy("Reorder: move an item (the owner)")),
    description=doc(
        gettext_lazy(
            "One of: `after_item_id` or `before_item_id` (drag and drop), `direction` (up, down, "
            "top, bottom), or `number` (a place). A few writes, whatever the collection's size."
        )
    ),
)
def item_move(
    request: AuthenticatedRequest, collection_id: int, item_id: int, payload: CollectionMoveIn
) -> object:
    if payload.number is not None:
        connection = services.connection_move_to(
            actor=request.user, collection_id=collection_id, item_id=item_id, number=payload.number
        )
    elif payload.direction is not None:
        connection = services.connection_move_step(
            actor=request.user,
            collection_id=collection_id,
            item_id=item_id,
            direction=payload.direction,
        )
    else:
        connection = services.connection_move(
            actor=request.user,
            collection_id=collection_id,
            item_id=item_id,
            after_item_id=payload.after_item_id,
            before_item_id=payload.before_item_id,
        )
    _collection, _standing, fresh = selectors.connection_get_for_viewer(
        viewer=request.user, collection_id=collection_id, item_id=connection.item_id
    )
    return _connection(request, fresh)


@router.post(
    "/{collection_id}/items/{item_id}/connect",
    response={201: CollectionConnectionOut, **error_responses(400, 403, 404, 409)},
    summary=doc(gettext_lazy("Add an item to another collection, without copying it")),
)
def item_connect(
    request: AuthenticatedRequest, collection_id: int, item_id: int, payload: CollectionConnectIn
) -> object:
    connection = services.item_connect(
        actor=request.user,
        collection_id=collection_id,
        item_id=item_id,
        target_collection_id=payload.collection_id,
    )
    connection = selectors.connections_with_relations(
        Connection.objects.filter(pk=connection.pk)
    ).get()
    return Status(201, _connection(request, connection))


@router.post(
    "/{collection_id}/items/{item_id}/recommendation",
    response={200: CollectionItemDetailOut, **error_responses(403, 404)},
    summary=doc(gettext_lazy("Recommend an item (once per person)")),
)
def item_recommend(request: AuthenticatedRequest, collection_id: int, item_id: int) -> object:
    services.item_recommend(
        user=request.user, collection_id=collection_id, item_id=item_id, recommend=True
    )
    return _item_out(request, collection_id, item_id)


@router.delete(
    "/{collection_id}/items/{item_id}/recommendation",
    response={200: CollectionItemDetailOut, **error_responses(403, 404)},
    summary=doc(gettext_lazy("Take back a recommendation")),
)
def item_unrecommend(request: AuthenticatedRequest, collection_id: int, item_id: int) -> object:
    services.item_recommend(
        user=request.user, collection_id=collection_id, item_id=item_id, recommend=False
    )
    return _item_out(request, collection_id, item_id)


@router.post(
    "/{collection_id}/items/{item_id}/contact",
    response={201: OrganiserConversationOut, **error_responses(400, 404, 429)},
    summary=doc(gettext_lazy("Contact an event's organiser (starts a private conversation)")),
)
def event_contact(
    request: AuthenticatedRequest, collection_id: int, item_id: int, payload: OrganiserContactIn
) -> object:
    conversation = services.event_organiser_contact(
        user=request.user, collection_id=collection_id, item_id=item_id, message=payload.message
    )
    return Status(
        201,
        {"id": conversation.pk, "url": _absolute(request, conversation.get_absolute_url())},
    )


# --- Approvals ----------------------------------------------------------------------------------


@router.get(
    "/{collection_id}/submissions",
    response={200: list[CollectionConnectionOut], **error_responses(403, 404)},
    summary=doc(gettext_lazy("Items waiting for the owner's approval")),
)
def submissions(request: AuthenticatedRequest, collection_id: int) -> object:
    collection, _standing = selectors.collection_get_for_manager(
        viewer=request.user, collection_id=collection_id
    )
    return [_connection(request, c) for c in selectors.pending_connections(collection=collection)]


@router.get(
    "/{collection_id}/hidden-items",
    response={200: list[CollectionHiddenItemOut], **error_responses(403, 404)},
    summary=doc(gettext_lazy("Items hidden from the owner by the moderators (the owner)")),
    description=doc(
        gettext_lazy("Not their content, only that they are there, for the owner to take out.")
    ),
)
def hidden_items(request: AuthenticatedRequest, collection_id: int) -> object:
    collection, _standing = selectors.collection_get_for_manager(
        viewer=request.user, collection_id=collection_id
    )
    return [
        {
            "item_id": connection.item_id,
            "added_by": _person(request, connection.added_by),
            "hidden_at": connection.item.hidden_at,
            "hidden_reason": connection.item.hidden_reason,
        }
        for connection in selectors.connections_hidden_from_owner(collection=collection)
    ]


@router.post(
    "/{collection_id}/submissions/{connection_id}",
    response={200: CollectionConnectionOut, **error_responses(403, 404, 409)},
    summary=doc(gettext_lazy("Approve or decline a submitted item")),
)
def submission_decide(
    request: AuthenticatedRequest,
    collection_id: int,
    connection_id: int,
    payload: CollectionDecisionIn,
) -> object:
    connection = services.connection_decide(
        actor=request.user,
        collection_id=collection_id,
        connection_id=connection_id,
        approve=payload.approve,
    )
    connection = selectors.connections_with_relations(
        Connection.objects.filter(pk=connection.pk)
    ).get()
    return _connection(request, connection)


# --- Contributors, requests, following ----------------------------------------------------------


@router.get(
    "/{collection_id}/contributors",
    response={200: list[CollectionContributorOut], 404: ErrorOut},
    auth=OPTIONAL,
    openapi_extra=OPTIONAL_SECURITY,
    summary=doc(gettext_lazy("Who contributes to a collection")),
)
def contributors(request: HttpRequest, collection_id: int) -> object:
    collection, _standing = selectors.collection_get_for_viewer(
        viewer=request.user, collection_id=collection_id
    )
    return [
        {"person": _person(request, c.user), "since": c.created_at}
        for c in selectors.contributors_of(collection=collection)
    ]


@router.post(
    "/{collection_id}/contributors",
    response={200: ContributorInviteOutcomeOut, **error_responses(400, 403, 404, 429)},
    summary=doc(gettext_lazy("Invite contributors by handle, email or provider:username")),
)
def contributors_invite(
    request: AuthenticatedRequest, collection_id: int, payload: ContributorInviteIn
) -> object:
    outcome = services.contributor_invite(
        actor=request.user, collection_id=collection_id, addresses=payload.addresses
    )
    return {
        "invited": [p.handle for p in outcome.invited],
        "already_in": [p.handle for p in outcome.already_in],
        "waiting": [w.address for w in outcome.waiting],
    }


@router.delete(
    "/{collection_id}/contributors/{handle}",
    response={204: None, **error_responses(400, 403, 404)},
    summary=doc(gettext_lazy("Remove a contributor (the owner), or leave (yourself)")),
    description=doc(
        gettext_lazy("The owner gives a `reason` in the body: it is logged and sent to the person.")
    ),
)
def contributor_remove(
    request: AuthenticatedRequest,
    collection_id: int,
    handle: str,
    payload: CollectionRemoveIn | None = None,
) -> object:
    services.contributor_remove(
        actor=request.user,
        collection_id=collection_id,
        handle=handle,
        reason=payload.reason if payload is not None else "",
    )
    return Status(204, None)


@router.post(
    "/{collection_id}/invitation",
    response={200: CollectionOut, **error_responses(403, 404, 409)},
    summary=doc(gettext_lazy("Accept or decline an invitation to contribute")),
)
def invitation_answer(
    request: AuthenticatedRequest, collection_id: int, payload: CollectionAnswerIn
) -> object:
    services.contributor_invitation_answer(
        user=request.user, collection_id=collection_id, accept=payload.accept
    )
    return _collection_out(request, collection_id)


@router.post(
    "/{collection_id}/invite-link",
    response={200: CollectionInviteLinkOut, **error_responses(403, 404)},
    summary=doc(gettext_lazy("Make a new invite link, or turn it off")),
)
def invite_link(request: AuthenticatedRequest, collection_id: int, payload: InviteLinkIn) -> object:
    token = services.collection_invite_link_reset(
        actor=request.user, collection_id=collection_id, enable=payload.enable
    )
    url = reverse("collections:join", args=[collection_id, token]) if token else None
    return {"url": _absolute(request, url) if url else None}


@router.post(
    "/{collection_id}/join",
    response={200: CollectionOut, **error_responses(403, 404, 409)},
    summary=doc(gettext_lazy("Become a contributor with an invite link's token")),
)
def join(request: AuthenticatedRequest, collection_id: int, payload: CollectionJoinIn) -> object:
    services.collection_join_by_link(
        user=request.user, collection_id=collection_id, token=payload.token
    )
    return _collection_out(request, collection_id)


@router.get(
    "/{collection_id}/requests",
    response={200: list[ContributionRequestOut], **error_responses(403, 404)},
    summary=doc(gettext_lazy("Requests to contribute, waiting for the owner")),
)
def requests_list(request: AuthenticatedRequest, collection_id: int) -> object:
    collection, _standing = selectors.collection_get_for_manager(
        viewer=request.user, collection_id=collection_id
    )
    return [
        {
            "id": r.pk,
            "requester": _person(request, r.requester),
            "message": r.message,
            "status": r.status,
            "created_at": r.created_at,
        }
        for r in selectors.contribution_requests_pending(collection=collection)
    ]


@router.post(
    "/{collection_id}/requests",
    response={201: ContributionRequestOut, **error_responses(400, 403, 404, 409, 429)},
    summary=doc(gettext_lazy("Ask to contribute")),
)
def request_create(
    request: AuthenticatedRequest, collection_id: int, payload: ContributionRequestIn
) -> object:
    created = services.contribution_request_create(
        requester=request.user, collection_id=collection_id, message=payload.message
    )
    return Status(
        201,
        {
            "id": created.pk,
            "requester": _person(request, request.user),
            "message": created.message,
            "status": created.status,
            "created_at": created.created_at,
        },
    )


@router.post(
    "/{collection_id}/requests/{request_id}",
    response={200: ContributionRequestOut, **error_responses(403, 404, 409)},
    summary=doc(gettext_lazy("Accept or decline a request to contribute")),
)
def request_decide(
    request: AuthenticatedRequest,
    collection_id: int,
    request_id: int,
    payload: CollectionDecisionIn,
) -> object:
    decided = services.contribution_request_decide(
        actor=request.user,
        collection_id=collection_id,
        request_id=request_id,
        approve=payload.approve,
    )
    return {
        "id": decided.pk,
        "requester": _person(request, decided.requester),
        "message": decided.message,
        "status": decided.status,
        "created_at": decided.created_at,
    }


@router.post(
    "/{collection_id}/follow",
    response={200: CollectionOut, **error_responses(403, 404)},
    summary=doc(gettext_lazy("Follow a collection")),
)
def follow(request: AuthenticatedRequest, collection_id: int) -> object:
    services.collection_follow(user=request.user, collection_id=collection_id, follow=True)
    return _collection_out(request, collection_id)


@router.delete(
    "/{collection_id}/follow",
    response={200: CollectionOut, **error_responses(403, 404)},
    summary=doc(gettext_lazy("Stop following a collection")),
)
def unfollow(request: AuthenticatedRequest, collection_id: int) -> object:
    services.collection_follow(user=request.user, collection_id=collection_id, follow=False)
    return _collection_out(request, collection_id)
