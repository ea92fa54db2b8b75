"""Every write to collections: collections, items, order, approvals, contributors, follows."""

import hmac
import math
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import IO, TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from perchoir.accounts.models import User
from perchoir.core.errors import (
    ApplicationError,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
)
from perchoir.core.markdown import render_markdown
from perchoir.core.ratelimit import ratelimit_hit
from perchoir.core.text import text_clean
from perchoir.discovery.services import (
    search_documents_remove,
    search_index_collection,
    search_index_item,
)
from perchoir.follows.selectors import people_blocked_with
from perchoir.invitations.models import PendingInvitation, PendingInvitationTargetKind
from perchoir.invitations.services import InvitationTarget, pending_invitation_create
from perchoir.links.addresses import url_normalise
from perchoir.links.models import LinkPreview
from perchoir.links.services import link_preview_request
from perchoir.media.models import Image
from perchoir.media.services import image_delete, image_upload
from perchoir.moderation.log import log_append
from perchoir.notifications.models import NotificationKind
from perchoir.notifications.services import notification_send

from . import permissions
from .models import (
    ALT_TEXT_MAX_LENGTH,
    AUDIENCE_MAX_LENGTH,
    BODY_MAX_LENGTH,
    CAPTION_MAX_LENGTH,
    DESCRIPTION_MAX_LENGTH,
    PLACE_MAX_LENGTH,
    POSITION_GAP,
    PROGRAMME_MAX_SLOTS,
    REQUEST_MESSAGE_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Collection,
    CollectionFollow,
    Connection,
    ConnectionStatus,
    ContributionPolicy,
    ContributionRequest,
    Contributor,
    ContributorInvitation,
    Item,
    ItemKind,
    Recommendation,
    RequestStatus,
    Visibility,
)
from .selectors import (
    collection_get_for_manager,
    collection_get_for_viewer,
    connection_get_for_viewer,
)

if TYPE_CHECKING:
    from perchoir.conversations.models import Conversation

COLLECTION_CREATE_LIMIT = 20
COLLECTION_CREATE_PERIOD = 3600
ITEM_ADD_LIMIT = 60
ITEM_ADD_PERIOD = 3600
INVITE_LIMIT = 100
INVITE_PERIOD = 3600
REQUEST_LIMIT = 20
REQUEST_PERIOD = 3600
WORDS_PER_MINUTE = 230
TITLE_FROM_WORDS = 12
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


# --- Text ---------------------------------------------------------------------------------------


def _clean_title(title: str, *, required: bool = True, field_name: str = "title") -> str:
    title = " ".join(title.split())
    if required and not title:
        raise InvalidInput.for_field(field_name, _("Give it a title."))
    if len(title) > TITLE_MAX_LENGTH:
        raise InvalidInput.for_field(
            field_name,
            _("Keep the title under %(max)d characters.") % {"max": TITLE_MAX_LENGTH},
        )
    return title


def _clean_text(text: str, *, field_name: str, max_length: int) -> str:
    text = text.strip()
    if len(text) > max_length:
        raise InvalidInput.for_field(
            field_name,
            _("This is %(length)s characters long; the limit is %(max)s.")
            % {"length": f"{len(text):,}", "max": f"{max_length:,}"},
        )
    return text


def reading_minutes(body_html: str) -> int:
    """Minutes an average reader takes to read the text (at least one)."""
    words = len(strip_tags(body_html).split())
    return max(1, math.ceil(words / WORDS_PER_MINUTE))


def _clean_url(url: str, *, field_name: str) -> str:
    try:
        return url_normalise(url.strip())
    except InvalidInput as error:
        raise InvalidInput.for_field(field_name, error.message) from None


def _upload(file: IO[bytes], actor: User, *, field_name: str) -> Image:
    """Through the one media pipeline; its errors are named after this form's field."""
    try:
        return image_upload(uploaded_by=actor, file=file)
    except ApplicationError as error:
        error.fields = {field_name: [str(error.message)]}
        raise


# --- Collections --------------------------------------------------------------------------------


def _clean_choices(visibility: str, policy: str) -> None:
    if visibility not in Visibility.values:
        raise InvalidInput.for_field("visibility", _("Choose who can see the collection."))
    if policy not in ContributionPolicy.values:
        raise InvalidInput.for_field("policy", _("Choose who can add items."))


@transaction.atomic
def collection_create(
    *,
    owner: User,
    title: str,
    description: str = "",
    visibility: str = Visibility.PUBLIC,
    policy: str = ContributionPolicy.ONLY_ME,
    cover_file: IO[bytes] | None = None,
    client_token: str = "",
) -> Collection:
    """Create a collection (C1); the same client token twice gives back the first one."""
    if not permissions.is_member(owner):
        raise Forbidden()
    if client_token:
        existing = Collection.objects.filter(owner=owner, client_token=client_token).first()
        if existing is not None:
            return existing
    title = _clean_title(title)
    description = _clean_text(
        description, field_name="description", max_length=DESCRIPTION_MAX_LENGTH
    )
    _clean_choices(visibility, policy)
    ratelimit_hit(
        "collection-create",
        str(owner.pk),
        limit=COLLECTION_CREATE_LIMIT,
        period=COLLECTION_CREATE_PERIOD,
    )
    cover = _upload(cover_file, owner, field_name="cover") if cover_file is not None else None
    collection = Collection.objects.create(
        owner=owner,
        title=title,
        description=description,
        description_html=render_markdown(description) if description else "",
        visibility=visibility,
        policy=policy,
        cover=cover,
        client_token=client_token[:64],
    )
    search_index_collection(collection)
    return collection


def _collection_for_manager(actor: User, collection_id: int) -> Collection:
    collection, _standing = collection_get_for_manager(
        viewer=actor, collection_id=collection_id, for_update=True
    )
    return collection


@transaction.atomic
def collection_update(
    *,
    actor: User,
    collection_id: int,
    title: str,
    description: str,
    visibility: str,
    policy: str,
    cover_file: IO[bytes] | None = None,
    remove_cover: bool = False,
) -> Collection:
    """Only the owner changes a collection's settings (C3)."""
    collection = _collection_for_manager(actor, collection_id)
    collection.title = _clean_title(title)
    description = _clean_text(
        description, field_name="description", max_length=DESCRIPTION_MAX_LENGTH
    )
    _clean_choices(visibility, policy)
    if description != collection.description:
        collection.description = description
        collection.description_html = render_markdown(description) if description else ""
    collection.visibility = visibility
    collection.policy = policy
    if cover_file is not None:
        collection.cover = _upload(cover_file, actor, field_name="cover")
    elif remove_cover:
        collection.cover = None
    collection.save()
    search_index_collection(collection)
    return collection


@transaction.atomic
def collection_delete(*, actor: User, collection_id: int) -> None:
    """The owner deletes a collection; their own items that were only there go with it. Others'
    items are kept (their authors' words are theirs), to be found in their data export."""
    collection = _collection_for_manager(actor, collection_id)
    item_ids = list(collection.connections.values_list("item_id", flat=True))
    collection.delete()
    orphans = list(
        Item.objects.filter(pk__in=item_ids, author=actor)
        .annotate(held=Count("connections"))
        .filter(held=0)
        .values_list("pk", flat=True)
    )
    Item.objects.filter(pk__in=orphans).delete()
    search_documents_remove(kind="collection", object_ids=[collection_id])
    search_documents_remove(kind="item", object_ids=orphans)


@transaction.atomic
def items_of_author_remove(*, author: User) -> int:
    """Everything a person wrote or uploaded as items, out of every collection (their account is
    being deleted with its content); how many items were removed."""
    collection_ids = set(
        Connection.objects.filter(item__author=author).values_list("collection_id", flat=True)
    )
    item_ids = list(Item.objects.filter(author=author).values_list("pk", flat=True))
    removed, _rows = Item.objects.filter(pk__in=item_ids).delete()
    search_documents_remove(kind="item", object_ids=item_ids)
    for collection in Collection.objects.filter(pk__in=collection_ids):
        _recount(collection)
    return removed


@transaction.atomic
def participation_end(*, user: User) -> None:
    """A person leaves every collection they take part in: contributions, follows,
    recommendations, invitations and requests (their account is being deleted)."""
    now = timezone.now()
    Contributor.objects.filter(user=user).delete()
    ContributorInvitation.objects.filter(
        Q(invitee=user) | Q(inviter=user), status=RequestStatus.PENDING
    ).update(status=RequestStatus.DECLINED, decided_at=now)
    ContributionRequest.objects.filter(requester=user, status=RequestStatus.PENDING).update(
        status=RequestStatus.DECLINED, decided_at=now
    )
    followed = list(
        CollectionFollow.objects.filter(user=user).values_list("collection_id", flat=True)
    )
    CollectionFollow.objects.filter(user=user).delete()
    Collection.objects.filter(pk__in=followed).update(follower_count=F("follower_count") - 1)
    recommended = list(Recommendation.objects.filter(user=user).values_list("item_id", flat=True))
    Recommendation.objects.filter(user=user).delete()
    Item.objects.filter(pk__in=recommended).update(
        recommendation_count=F("recommendation_count") - 1
    )
    _items_changed(Connection.objects.filter(item_id__in=recommended).values("collection_id"))


@transaction.atomic
def ties_end_across_block(*, person: User, other: User) -> None:
    """Two people are across a block now: the pending invitations between them, and each one's
    requests and submitted items waiting in the other's collections, are declined (kept, as when
    someone leaves); each stops following the other's collections. Contributions stay."""
    now = timezone.now()
    invitations = Q()
    for one, two in ((person, other), (other, person)):
        invitations |= Q(invitee=one) & (Q(inviter=two) | Q(collection__owner=two))
    ContributorInvitation.objects.filter(invitations, status=RequestStatus.PENDING).update(
        status=RequestStatus.DECLINED, decided_at=now
    )
    ContributionRequest.objects.filter(
        Q(requester=person, collection__owner=other) | Q(requester=other, collection__owner=person),
        status=RequestStatus.PENDING,
    ).update(status=RequestStatus.DECLINED, decided_at=now)
    Connection.objects.filter(
        Q(added_by=person, collection__owner=other) | Q(added_by=other, collection__owner=person),
        status=ConnectionStatus.PENDING,
    ).update(status=ConnectionStatus.DECLINED, decided_at=now)
    follows = CollectionFollow.objects.filter(
        Q(user=person, collection__owner=other) | Q(user=other, collection__owner=person)
    )
    followed = list(follows.values_list("collection_id", flat=True))
    if followed:
        follows.delete()
        Collection.objects.filter(pk__in=followed).update(follower_count=F("follower_count") - 1)


def _log_power(
    collection: Collection,
    actor: User,
    verb: str,
    *,
    subject: User | None,
    reason: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """The owner's (or a moderator's) acts on others in a collection go to the one moderation
    log, with their reason, as a conversation starter's do in their room (D6, issue 6 item 8)."""
    log_append(
        actor=actor,
        actor_role="owner" if actor.pk == collection.owner_id else "moderator",
        verb=verb,
        subject=subject,
        target_kind="collection",
        target_id=collection.pk,
        reason=reason,
        before=before,
        after=after,
    )


def _recount(collection: Collection) -> None:
    """The collection's item count, from its published, approved items that the moderators
    did not hide (one UPDATE)."""
    count = (
        Connection.objects.filter(
            collection=OuterRef("pk"),
            status=ConnectionStatus.APPROVED,
            item__published_at__isnull=False,
            item__hidden_at__isnull=True,
        )
        .order_by()
        .values("collection")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Collection.objects.filter(pk=collection.pk).update(
        item_count=Coalesce(Subquery(count), 0),
        items_version=F("items_version") + 1,
        updated_at=timezone.now(),
    )


def _items_changed(collection_ids: "QuerySet[Any] | list[int]") -> None:
    """What the items' grid of these collections shows has changed: one UPDATE."""
    Collection.objects.filter(pk__in=collection_ids).update(items_version=F("items_version") + 1)


def item_hidden_changed(*, item: Item) -> None:
    """The moderators hid or restored an item: every collection holding it counts it anew and
    renders its grid again (perchoir.collections.moderation)."""
    for collection in Collection.objects.filter(connections__item=item).distinct():
        _recount(collection)


def collection_hidden_changed(*, collection: Collection) -> None:
    """The moderators hid or restored a collection: its rendered pages are stale."""
    _items_changed([collection.pk])


# --- Items --------------------------------------------------------------------------------------


@dataclass
class ProgrammeSlot:
    time: str
    title: str


@dataclass
class ItemFields:
    """What a person writes for an item; which fields count depends on its kind."""

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
    programme: list[dict[str, str]] = field(default_factory=list)


def item_fields_of(item: Item) -> ItemFields:
    """An item's fields as they are (to change only its image, for example)."""
    zone = ZoneInfo(item.time_zone) if item.time_zone else None
    return ItemFields(
        title=item.title,
        body=item.body,
        caption=item.caption,
        alt_text=item.alt_text,
        link_url=item.link_url,
        starts_at=item.starts_at.astimezone(zone) if item.starts_at and zone else item.starts_at,
        ends_at=item.ends_at.astimezone(zone) if item.ends_at and zone else item.ends_at,
        time_zone=item.time_zone,
        place=item.place,
        online_url=item.online_url,
        audience=item.audience,
        programme=list(item.programme),
    )


def _clean_time_zone(name: str) -> ZoneInfo:
    name = name.strip()
    if not name or name not in available_timezones():
        raise InvalidInput.for_field(
            "time_zone", _("Choose a time zone from the list, such as Europe/Paris.")
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput.for_field(
            "time_zone", _("Choose a time zone from the list, such as Europe/Paris.")
        ) from None


def _aware(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.replace(tzinfo=zone) if timezone.is_naive(moment) else moment


def _clean_programme(programme: list[dict[str, str]]) -> list[dict[str, str]]:
    if not isinstance(programme, list):
        raise InvalidInput.for_field("programme", _("The programme is a list of time slots."))
    if len(programme) > PROGRAMME_MAX_SLOTS:
        raise InvalidInput.for_field(
            "programme",
            _("A programme has at most %(max)d time slots.") % {"max": PROGRAMME_MAX_SLOTS},
        )
    slots = []
    for slot in programme:
        if not isinstance(slot, dict):
            raise InvalidInput.for_field("programme", _("The programme is a list of time slots."))
        clock = str(slot.get("time", "")).strip()
        title = " ".join(str(slot.get("title", "")).split())
        if not clock and not title:
            continue
        if not _CLOCK.match(clock):
            raise InvalidInput.for_field(
                "programme",
                _("Write each time as hours and minutes, like 09:30 (got “%(time)s”).")
                % {"time": clock[:20]},
            )
        if not title or len(title) > TITLE_MAX_LENGTH:
            raise InvalidInput.for_field(
                "programme",
                _("Give each time slot a title of at most %(max)d characters.")
                % {"max": TITLE_MAX_LENGTH},
            )
        hours, minutes = clock.split(":")
        slots.append({"time": f"{int(hours):02d}:{minutes}", "title": title})
    slots.sort(key=lambda s: time.fromisoformat(s["time"]))
    return slots


def _apply_fields(
    item: Item, kind: str, fields: ItemFields, *, actor: User, has_image: bool
) -> LinkPreview | None:
    """Validate `fields` for an item of `kind` and set them on `item`; the link preview to
    request, if any. Raises InvalidInput naming the field at fault."""
    item.title = _clean_title(fields.title, required=kind in (ItemKind.ARTICLE, ItemKind.EVENT))
    body = _clean_text(fields.body, field_name="body", max_length=BODY_MAX_LENGTH)
    if kind == ItemKind.ARTICLE and not body:
        raise InvalidInput.for_field("body", _("Write the article first."))
    item.body = body
    item.body_html = render_markdown(body) if body else ""
    item.reading_minutes = reading_minutes(item.body_html) if kind == ItemKind.ARTICLE else 0
    item.caption = _clean_text(fields.caption, field_name="caption", max_length=CAPTION_MAX_LENGTH)
    item.alt_text = _clean_text(
        fields.alt_text, field_name="alt_text", max_length=ALT_TEXT_MAX_LENGTH
    )
    preview = None
    if kind == ItemKind.IMAGE:
        if not has_image:
            raise InvalidInput.for_field("image", _("Choose an image to upload."))
        if not item.alt_text:
            raise InvalidInput.for_field(
                "alt_text",
                _("Describe the image in a few words for people who cannot see it."),
            )
    if kind == ItemKind.LINK:
        if not fields.link_url.strip():
            raise InvalidInput.for_field("link_url", _("Write the web address to share."))
        new_url = _clean_url(fields.link_url, field_name="link_url")
        if new_url != item.link_url or item.link_preview_id is None:
            item.link_url = new_url
            try:
                preview = link_preview_request(url=new_url, requested_by=actor)
            except RateLimited:
                preview = None  # past the fetch limit: a plain link
            item.link_preview = preview
    if kind == ItemKind.EVENT:
        _apply_event(item, fields)
    return preview


def _apply_event(item: Item, fields: ItemFields) -> None:
    zone = _clean_time_zone(fields.time_zone)
    if fields.starts_at is None:
        raise InvalidInput.for_field("starts_at", _("Say when the event starts."))
    starts = _aware(fields.starts_at, zone)
    ends = _aware(fields.ends_at, zone) if fields.ends_at is not None else None
    if ends is not None and ends < starts:
        raise InvalidInput.for_field(
            "ends_at", _("The event cannot end before it starts; check the dates and times.")
        )
    item.starts_at, item.ends_at, item.time_zone = starts, ends, zone.key
    item.place = _clean_text(fields.place, field_name="place", max_length=PLACE_MAX_LENGTH)
    item.online_url = (
        _clean_url(fields.online_url, field_name="online_url") if fields.online_url.strip() else ""
    )
    if not item.place and not item.online_url:
        raise InvalidInput.for_field(
            "place", _("Say where it takes place, or give the link to join online.")
        )
    item.audience = _clean_text(
        fields.audience, field_name="audience", max_length=AUDIENCE_MAX_LENGTH
    )
    item.programme = _clean_programme(fields.programme)


def _first_position(collection: Collection) -> int:
    """A position before every item: new items come first in the manual order."""
    first = Connection.objects.filter(
        collection=collection, status=ConnectionStatus.APPROVED
    ).aggregate(first=Min("position"))["first"]
    return (first if first is not None else 0) - POSITION_GAP


def contribution_status_for(
    actor: User, collection: Collection, standing: permissions.Standing
) -> str:
    """What an item the actor adds becomes (approved or pending); Forbidden, saying why, when
    they may not add to this collection at all."""
    if permissions.can_add(actor, collection, standing):
        return ConnectionStatus.APPROVED
    if permissions.can_submit(actor, collection, standing):
        return ConnectionStatus.PENDING
    if collection.policy == ContributionPolicy.ONLY_ME:
        raise Forbidden(_("Only its owner adds items to this collection."))
    if standing.blocked and permissions.is_member(actor):
        raise Forbidden(_("You cannot add items to this collection."))
    if collection.policy == ContributionPolicy.INVITED:
        raise Forbidden(
            _("Only invited contributors add items to this collection; you may ask to contribute.")
        )
    raise Forbidden(_("Sign in to add items to this collection."))


def _connect(
    *,
    collection: Collection,
    item: Item,
    actor: User,
    status: str,
) -> Connection:
    connection = Connection.objects.create(
        collection=collection,
        item=item,
        added_by=actor,
        status=status,
        position=_first_position(collection) if status == ConnectionStatus.APPROVED else 0,
    )
    connection.collection = collection
    if status == ConnectionStatus.PENDING:
        notification_send(
            recipient=collection.owner,
            kind=NotificationKind.COLLECTION_SUBMISSION,
            actor=actor,
            url=_queue_url(collection),
            params={"title": collection.title},
        )
    else:
        _recount(collection)
    return connection


def _queue_url(collection: Collection) -> str:
    return reverse("collections:queue", args=[collection.pk])


@transaction.atomic
def item_add(
    *,
    actor: User,
    collection_id: int,
    kind: str,
    fields: ItemFields,
    image_file: IO[bytes] | None = None,
    publish: bool = True,
    client_token: str = "",
) -> Connection:
    """Add an item of any kind to a collection (C2): at once for those who may add, for the
    owner's approval for those who may submit (C3). The same client token twice gives back
    the first item's connection."""
    collection, standing = collection_get_for_viewer(
        viewer=actor, collection_id=collection_id, for_update=True
    )
    status = contribution_status_for(actor, collection, standing)
    client_token = client_token.strip()[:64]
    if client_token:
        repeat = Connection.objects.filter(
            item__author=actor, item__client_token=client_token, collection=collection
        ).first()
        if repeat is not None:
            repeat.collection = collection
            return repeat
    if kind not in ItemKind.values:
        raise InvalidInput.for_field(
            "kind", _("Choose what to add: an article, an image, a link or an event.")
        )
    if not publish and kind != ItemKind.ARTICLE:
        raise InvalidInput.for_field("publish", _("Only articles can be kept as drafts."))
    if not publish and status == ConnectionStatus.PENDING:
        raise InvalidInput.for_field(
            "publish", _("Publish your article to submit it; drafts cannot wait for approval.")
        )
    item = Item(kind=kind, author=actor, client_token=client_token)
    _apply_fields(item, kind, fields, actor=actor, has_image=image_file is not None)
    ratelimit_hit("collection-item", str(actor.pk), limit=ITEM_ADD_LIMIT, period=ITEM_ADD_PERIOD)
    if image_file is not None:
        item.image = _upload(image_file, actor, field_name="image")
    item.published_at = timezone.now() if publish else None
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError:
        raise Conflict(_("This was already sent; reload the page.")) from None
    search_index_item(item)
    return _connect(collection=collection, item=item, actor=actor, status=status)


@transaction.atomic
def item_update(
    *,
    actor: User,
    collection_id: int,
    item_id: int,
    fields: ItemFields,
    image_file: IO[bytes] | None = None,
    publish: bool | None = None,
) -> Item:
    """Its author changes an item (and publishes a draft article)."""
    _collection, _standing, connection = connection_get_for_viewer(
        viewer=actor, collection_id=collection_id, item_id=item_id
    )
    item = Item.objects.select_for_update().get(pk=connection.item_id)
    if not permissions.can_edit_item(actor, item):
        raise Forbidden(_("Only its author changes an item."))
    has_image = image_file is not None or item.image_id is not None
    _apply_fields(item, item.kind, fields, actor=actor, has_image=has_image)
    if image_file is not None:
        item.image = _upload(image_file, actor, field_name="image")
    was_draft = item.is_draft
    if publish is True and was_draft:
        item.published_at = timezone.now()
    elif publish is False and not was_draft:
        if item.kind != ItemKind.ARTICLE:
            raise InvalidInput.for_field("publish", _("Only articles can be kept as drafts."))
        item.published_at = None
    item.save()
    search_index_item(item)
    if was_draft != item.is_draft:
        for held in Collection.objects.filter(connections__item=item):
            _recount(held)
    else:
        _items_changed(Connection.objects.filter(item=item).values("collection_id"))
    return item


@transaction.atomic
def item_connect(
    *, actor: User, collection_id: int, item_id: int, target_collection_id: int
) -> Connection:
    """Connect an item the actor can see to another collection, without copying it (C4)."""
    _collection, _standing, connection = connection_get_for_viewer(
        viewer=actor, collection_id=collection_id, item_id=item_id
    )
    item = connection.item
    if item.is_draft:
        raise InvalidInput.for_field("collection", _("Publish the article before connecting it."))
    target, standing = collection_get_for_viewer(
        viewer=actor, collection_id=target_collection_id, for_update=True
    )
    status = contribution_status_for(actor, target, standing)
    if Connection.objects.filter(collection=target, item=item).exists():
        raise Conflict(_("This item is already in “%(title)s”.") % {"title": target.title})
    return _connect(collection=target, item=item, actor=actor, status=status)


@transaction.atomic
def connection_remove(*, actor: User, collection_id: int, item_id: int, reason: str = "") -> None:
    """Take an item out of a collection: the owner or a moderator any, a contributor their own.
    Someone else's needs a reason: it is logged and the person who added it is told why, as a
    participant removed from a conversation is. An item its author removes from its last
    collection is deleted."""
    collection, standing, connection = connection_get_for_viewer(
        viewer=actor, collection_id=collection_id, item_id=item_id, for_removal=True
    )
    if not permissions.can_remove(actor, collection, standing, connection):
        raise Forbidden(_("Only the owner removes items that others added."))
    item = connection.item
    if connection.added_by_id != actor.pk:
        reason = text_clean(reason, required=True)
        _log_power(
            collection,
            actor,
            "collection.remove_item",
            subject=connection.added_by,
            reason=reason,
            before={"item": item.pk, "title": item.display_title, "author": item.author.handle},
        )
        # The moderators' hidden item keeps its title from whoever may not read it.
        shown = not item.hidden_from(connection.added_by)
        notification_send(
            recipient=connection.added_by,
            kind=NotificationKind.COLLECTION_ITEM_REMOVED,
            actor=actor,
            url=collection.get_absolute_url(),
            params={
                "title": collection.title,
                "item": (item.display_title or str(item.get_kind_display())) if shown else "",
                "reason": reason,
            },
        )
    connection.delete()
    if item.author_id == actor.pk and not Connection.objects.filter(item=item).exists():
        image = item.image
        search_documents_remove(kind="item", object_ids=[item.pk])
        item.delete()
        if image is not None:
            image_delete(image=image)  # its files go once this is committed
    _recount(collection)


@transaction.atomic
def connection_decide(
    *, actor: User, collection_id: int, connection_id: int, approve: bool
) -> Connection:
    """The owner approves or declines a submitted item; the submitter is told (C3)."""
    collection = _collection_for_manager(actor, collection_id)
    connection = (
        Connection.objects.select_for_update()
        .select_related("item", "added_by")
        .filter(pk=connection_id, collection=collection)
        .first()
    )
    if connection is None:
        raise NotFound()
    if connection.status != ConnectionStatus.PENDING:
        raise Conflict(_("This submission was already answered."))
    if approve and _across_block(connection.added_by, collection.owner_id):
        raise Forbidden(_("You cannot approve this submission."))
    connection.status = ConnectionStatus.APPROVED if approve else ConnectionStatus.DECLINED
    connection.decided_by = actor
    connection.decided_at = timezone.now()
    if approve:
        connection.position = _first_position(collection)
    connection.save(update_fields=["status", "decided_by", "decided_at", "position"])
    connection.collection = collection
    notification_send(
        recipient=connection.added_by,
        kind=(
            NotificationKind.COLLECTION_SUBMISSION_APPROVED
            if approve
            else NotificationKind.COLLECTION_SUBMISSION_DECLINED
        ),
        actor=actor,
        url=connection.get_absolute_url() if approve else collection.get_absolute_url(),
        params={"title": collection.title},
    )
    if approve:
        _recount(collection)
    return connection


# --- Manual order -------------------------------------------------------------------------------


class Move:
    UP = "up"
    DOWN = "down"
    TOP = "top"
    BOTTOM = "bottom"
    ALL = (UP, DOWN, TOP, BOTTOM)


def _approved(collection: Collection) -> QuerySet[Connection]:
    return Connection.objects.filter(collection=collection, status=ConnectionStatus.APPROVED)


def _renumber(collection: Collection) -> None:
    """Spread every position out again: the rare case where two neighbours touch."""
    rows = list(_approved(collection).order_by("position", "id").only("id", "position"))
    for index, row in enumerate(rows):
        row.position = (index + 1) * POSITION_GAP
    Connection.objects.bulk_update(rows, ["position"], batch_size=1000)


def _place_between(
    collection: Collection, moving: Connection, before: Connection | None, after: Connection | None
) -> None:
    """Put `moving` right after `before` and right before `after` (either may be None for the
    start or the end): one row written, unless the gap is used up."""
    low = before.position if before is not None else None
    high = after.position if after is not None else None
    if low is not None and high is not None and high - low < 2:
        _renumber(collection)
        ids = [c.pk for c in (before, after) if c is not None]
        fresh = dict(Connection.objects.filter(pk__in=ids).values_list("pk", "position"))
        low, high = fresh[before.pk], fresh[after.pk]  # type: ignore[union-attr]
    if low is None and high is None:
        position = 0
    elif low is None:
        assert high is not None
        position = high - POSITION_GAP
    elif high is None:
        position = low + POSITION_GAP
    else:
        position = (low + high) // 2
    moving.position = position
    Connection.objects.filter(pk=moving.pk).update(position=position)
    _items_changed([collection.pk])


def _connection_in(collection: Collection, item_id: int | None, *, field_name: str) -> Connection:
    connection = (
        _approved(collection).filter(item_id=item_id).first() if item_id is not None else None
    )
    if connection is None:
        # An id of another collection's item, or of nothing: the order cannot refer to it.
        raise InvalidInput.for_field(field_name, _("This item is not in the collection."))
    return connection


@transaction.atomic
def connection_move(
    *,
    actor: User,
    collection_id: int,
    item_id: int,
    after_item_id: int | None = None,
    before_item_id: int | None = None,
) -> Connection:
    """The owner puts an item right after `after_item_id` (None: at the start, unless
    `before_item_id` is given, then right before it). O(1) writes."""
    collection = _collection_for_manager(actor, collection_id)
    moving = _connection_in(collection, item_id, field_name="item")
    others = _approved(collection).exclude(pk=moving.pk)
    before: Connection | None
    after: Connection | None
    if after_item_id is not None:
        before = _connection_in(collection, after_item_id, field_name="after")
        if before.pk == moving.pk:
            return moving
        after = (
            others.filter(
                Q(position__gt=before.position) | Q(position=before.position, id__gt=before.pk)
            )
            .order_by("position", "id")
            .first()
        )
    elif before_item_id is not None:
        after = _connection_in(collection, before_item_id, field_name="before")
        if after.pk == moving.pk:
            return moving
        before = (
            others.filter(
                Q(position__lt=after.position) | Q(position=after.position, id__lt=after.pk)
            )
            .order_by("-position", "-id")
            .first()
        )
    else:
        before, after = None, others.order_by("position", "id").first()
    _place_between(collection, moving, before, after)
    return moving


@transaction.atomic
def connection_move_step(
    *, actor: User, collection_id: int, item_id: int, direction: str
) -> Connection:
    """Up, down, to the top or the bottom: the keyboard's and the no-script way to reorder."""
    if direction not in Move.ALL:
        raise InvalidInput.for_field("direction", _("Choose up, down, top or bottom."))
    collection = _collection_for_manager(actor, collection_id)
    moving = _connection_in(collection, item_id, field_name="item")
    others = _approved(collection).exclude(pk=moving.pk)
    earlier = others.filter(
        Q(position__lt=moving.position) | Q(position=moving.position, id__lt=moving.pk)
    ).order_by("-position", "-id")
    later = others.filter(
        Q(position__gt=moving.position) | Q(position=moving.position, id__gt=moving.pk)
    ).order_by("position", "id")
    if direction == Move.TOP:
        _place_between(collection, moving, None, others.order_by("position", "id").first())
    elif direction == Move.BOTTOM:
        _place_between(collection, moving, others.order_by("-position", "-id").first(), None)
    elif direction == Move.UP:
        two = list(earlier[:2])
        if two:
            _place_between(collection, moving, two[1] if len(two) > 1 else None, two[0])
    else:
        two = list(later[:2])
        if two:
            _place_between(collection, moving, two[0], two[1] if len(two) > 1 else None)
    return moving


@transaction.atomic
def connection_move_to(*, actor: User, collection_id: int, item_id: int, number: int) -> Connection:
    """Put an item at place `number` (1 is the first) of the manual order."""
    collection = _collection_for_manager(actor, collection_id)
    moving = _connection_in(collection, item_id, field_name="item")
    if number < 1:
        raise InvalidInput.for_field("number", _("Places start at 1."))
    others = _approved(collection).exclude(pk=moving.pk).order_by("position", "id")
    # The items that will sit just before and just after it: places number-1 and number.
    neighbours = list(others[max(0, number - 2) : number])
    before: Connection | None
    after: Connection | None
    if number == 1:
        before, after = None, neighbours[0] if neighbours else None
    elif not neighbours:
        before, after = others.last(), None
    else:
        before = neighbours[0]
        after = neighbours[1] if len(neighbours) > 1 else None
    _place_between(collection, moving, before, after)
    return moving


# --- Contributors -------------------------------------------------------------------------------


@dataclass
class InviteOutcome:
    invited: list[User] = field(default_factory=list)
    already_in: list[User] = field(default_factory=list)
    waiting: list[PendingInvitation] = field(default_factory=list)


@transaction.atomic
def contributor_invite(*, actor: User, collection_id: int, addresses: list[str]) -> InviteOutcome:
    """The owner invites contributors by handle, email address or provider:username; people
    without an account get a waiting invitation, claimed when they arrive."""
    # The conversations app's parsing of "who": handles, verified emails, linked identities.
    from perchoir.conversations.services import (
        _members_for,
        _refuse_across_blocks,
        _split_addresses,
    )

    collection = _collection_for_manager(actor, collection_id)
    if collection.policy == ContributionPolicy.ONLY_ME:
        raise Forbidden(
            _("Under “only me”, nobody else adds items: change who can add items first.")
        )
    words = _split_addresses(addresses)
    if not words:
        raise InvalidInput.for_field(
            "invitees", _("Write handles, email addresses or provider:username, one or more.")
        )
    ratelimit_hit("collection-invite", str(actor.pk), limit=INVITE_LIMIT, period=INVITE_PERIOD)
    members, others = _members_for(words)
    _refuse_across_blocks(members, inviter=actor, host_id=collection.owner_id)
    outcome = InviteOutcome()
    target = InvitationTarget(
        kind=PendingInvitationTargetKind.COLLECTION, id=collection.pk, title=collection.title
    )
    outcome.waiting = [
        pending_invitation_create(inviter=actor, address=word, target=target) for word in others
    ]
    contributors = set(
        Contributor.objects.filter(
            collection=collection, user__in=list(members.values())
        ).values_list("user_id", flat=True)
    )
    for person in members.values():
        if person.pk in contributors or person == actor:
            outcome.already_in.append(person)
        elif _invitation_open(collection=collection, invitee=person, inviter=actor):
            outcome.invited.append(person)
    return outcome


def _across_block(person: User, *others_ids: int) -> bool:
    return bool(people_blocked_with(people_ids={person.pk}, others_ids=set(others_ids)))


def _invitation_open(*, collection: Collection, invitee: User, inviter: User) -> bool:
    if ContributorInvitation.objects.filter(
        collection=collection, invitee=invitee, status=RequestStatus.PENDING
    ).exists():
        return False
    ContributorInvitation.objects.create(collection=collection, invitee=invitee, inviter=inviter)
    notification_send(
        recipient=invitee,
        kind=NotificationKind.COLLECTION_CONTRIBUTOR_INVITATION,
        actor=inviter,
        url=collection.get_absolute_url(),
        params={"title": collection.title},
    )
    return True


def pending_invitation_claimed(invitation: PendingInvitation, user: User) -> None:
    """Someone invited to contribute before they had an account has arrived."""
    if invitation.target_id is None:
        return
    collection = Collection.objects.filter(pk=invitation.target_id).first()
    if collection is None or Contributor.objects.filter(collection=collection, user=user).exists():
        return
    if _across_block(user, invitation.inviter_id, collection.owner_id):
        return  # claimed, but it leads nowhere while a block stands
    _invitation_open(collection=collection, invitee=user, inviter=invitation.inviter)


def _contributor_add(collection: Collection, user: User, added_by: User | None) -> Contributor:
    contributor, _created = Contributor.objects.get_or_create(
        collection=collection, user=user, defaults={"added_by": added_by}
    )
    now = timezone.now()
    ContributorInvitation.objects.filter(
        collection=collection, invitee=user, status=RequestStatus.PENDING
    ).update(status=RequestStatus.APPROVED, decided_at=now)
    ContributionRequest.objects.filter(
        collection=collection, requester=user, status=RequestStatus.PENDING
    ).update(status=RequestStatus.APPROVED, decided_at=now)
    return contributor


@transaction.atomic
def contributor_invitation_answer(
    *, user: User, collection_id: int, accept: bool
) -> Contributor | None:
    collection, standing = collection_get_for_viewer(
        viewer=user, collection_id=collection_id, for_update=True
    )
    invitation = (
        ContributorInvitation.objects.select_for_update()
        .filter(collection=collection, invitee=user, status=RequestStatus.PENDING)
        .first()
    )
    if invitation is None:
        raise Conflict(_("There is no invitation waiting for you in this collection."))
    if accept and (standing.blocked or _across_block(user, invitation.inviter_id)):
        raise Forbidden(_("You cannot accept this invitation."))
    if accept:
        return _contributor_add(collection, user, invitation.inviter)
    invitation.status = RequestStatus.DECLINED
    invitation.decided_at = timezone.now()
    invitation.save(update_fields=["status", "decided_at"])
    return None


@transaction.atomic
def collection_invite_link_reset(*, actor: User, collection_id: int, enable: bool = True) -> str:
    """A new invite link (the old one stops working), or none at all."""
    collection = _collection_for_manager(actor, collection_id)
    collection.invite_token = secrets.token_urlsafe(24) if enable else ""
    collection.save(update_fields=["invite_token", "updated_at"])
    return collection.invite_token


@transaction.atomic
def collection_join_by_link(*, user: User, collection_id: int, token: str) -> Contributor:
    """Whoever follows a valid invite link becomes a contributor (the link reveals a private
    collection to them, as an invitation would)."""
    collection = Collection.objects.select_for_update().filter(pk=collection_id).first()
    if (
        collection is None
        or not collection.invite_token
        or not hmac.compare_digest(collection.invite_token, token)
        or not permissions.is_member(user)
    ):
        raise NotFound(_("This invite link does not work any more; ask for a new one."))
    if collection.owner_id == user.pk:
        raise Conflict(_("This is your own collection."))
    if collection.policy == ContributionPolicy.ONLY_ME:
        raise Forbidden(_("For now, only its owner adds items to this collection."))
    if _across_block(user, collection.owner_id):
        raise Forbidden(_("You cannot contribute to this collection."))
    return _contributor_add(collection, user, collection.owner)


@transaction.atomic
def contribution_request_create(
    *, requester: User, collection_id: int, message: str = ""
) -> ContributionRequest:
    """Anyone who sees a collection open to invited contributors may ask to be one."""
    collection, standing = collection_get_for_viewer(
        viewer=requester, collection_id=collection_id, for_update=True
    )
    if not permissions.can_request_to_contribute(requester, collection, standing):
        if standing.is_contributor:
            raise Conflict(_("You already contribute to this collection."))
        if standing.blocked:
            raise Forbidden(_("You cannot ask to contribute to this collection."))
        raise Forbidden(_("This collection does not take requests to contribute."))
    message = _clean_text(message, field_name="message", max_length=REQUEST_MESSAGE_MAX_LENGTH)
    existing = ContributionRequest.objects.filter(
        collection=collection, requester=requester, status=RequestStatus.PENDING
    ).first()
    if existing is not None:
        return existing
    ratelimit_hit(
        "collection-request", str(requester.pk), limit=REQUEST_LIMIT, period=REQUEST_PERIOD
    )
    request = ContributionRequest.objects.create(
        collection=collection, requester=requester, message=message
    )
    notification_send(
        recipient=collection.owner,
        kind=NotificationKind.COLLECTION_CONTRIBUTION_REQUEST,
        actor=requester,
        url=reverse("collections:contributors", args=[collection.pk]),
        params={"title": collection.title},
    )
    return request


@transaction.atomic
def contribution_request_decide(
    *, actor: User, collection_id: int, request_id: int, approve: bool
) -> ContributionRequest:
    collection = _collection_for_manager(actor, collection_id)
    request = (
        ContributionRequest.objects.select_for_update()
        .select_related("requester")
        .filter(pk=request_id, collection=collection)
        .first()
    )
    if request is None:
        raise NotFound()
    if request.status != RequestStatus.PENDING:
        raise Conflict(_("This request was already answered."))
    if approve and _across_block(request.requester, actor.pk, collection.owner_id):
        raise Forbidden(_("You cannot approve this request."))
    if approve:
        _contributor_add(collection, request.requester, actor)
        request.status = RequestStatus.APPROVED
    else:
        request.status = RequestStatus.DECLINED
        request.decided_at = timezone.now()
        request.save(update_fields=["status", "decided_at"])
    notification_send(
        recipient=request.requester,
        kind=(
            NotificationKind.COLLECTION_CONTRIBUTION_APPROVED
            if approve
            else NotificationKind.COLLECTION_CONTRIBUTION_DECLINED
        ),
        actor=actor,
        url=collection.get_absolute_url(),
        params={"title": collection.title},
    )
    return request


@transaction.atomic
def contributor_remove(*, actor: User, collection_id: int, handle: str, reason: str = "") -> None:
    """The owner removes a contributor, with a reason that is logged and sent to them; or a
    contributor leaves (no reason, not logged). Their items stay."""
    collection, _standing = collection_get_for_viewer(
        viewer=actor, collection_id=collection_id, for_update=True
    )
    handle = handle.strip().lstrip("@")
    is_self = handle.lower() == actor.handle.lower()
    if not (is_self or permissions.can_manage(actor, collection)):
        raise Forbidden(_("Only the owner removes contributors."))
    if not is_self:
        reason = text_clean(reason, required=True)
    contributor = (
        Contributor.objects.select_related("user")
        .filter(collection=collection, user__handle__iexact=handle)
        .first()
    )
    if contributor is None:
        raise NotFound(
            _("@%(handle)s does not contribute to this collection.") % {"handle": handle}
        )
    contributor.delete()
    if not is_self:
        _log_power(
            collection,
            actor,
            "collection.remove_contributor",
            subject=contributor.user,
            reason=reason,
            before={"contributor": True},
            after={"contributor": False},
        )
        notification_send(
            recipient=contributor.user,
            kind=NotificationKind.COLLECTION_CONTRIBUTOR_REMOVED,
            actor=actor,
            # A private collection is out of their sight now: their list of collections instead.
            url=(
                collection.get_absolute_url()
                if permissions.can_view(contributor.user, collection, permissions.Standing())
                else reverse("collections:list")
            ),
            params={"title": collection.title, "reason": reason},
        )


# --- Recommending, following --------------------------------------------------------------------


@transaction.atomic
def item_recommend(*, user: User, collection_id: int, item_id: int, recommend: bool) -> Item:
    """Recommend an item once (C5), or take the recommendation back; repeats change nothing."""
    collection, standing, connection = connection_get_for_viewer(
        viewer=user, collection_id=collection_id, item_id=item_id
    )
    if not permissions.can_recommend(user, collection, standing):
        raise Forbidden(_("Sign in to recommend items."))
    item = connection.item
    if recommend:
        _row, created = Recommendation.objects.get_or_create(item=item, user=user)
        change = 1 if created else 0
    else:
        deleted, _rows = Recommendation.objects.filter(item=item, user=user).delete()
        change = -1 if deleted else 0
    if change:
        Item.objects.filter(pk=item.pk).update(
            recommendation_count=F("recommendation_count") + change
        )
        item.recommendation_count += change
        _items_changed(Connection.objects.filter(item=item).values("collection_id"))
    return item


@transaction.atomic
def collection_follow(*, user: User, collection_id: int, follow: bool) -> Collection:
    """Follow a collection (C6), or stop; repeats change nothing."""
    collection, standing = collection_get_for_viewer(
        viewer=user, collection_id=collection_id, for_update=True
    )
    if follow and not permissions.can_follow(user, collection, standing):
        if standing.blocked:
            raise Forbidden(_("You cannot follow this collection."))
        raise Forbidden(_("You cannot follow your own collection."))
    if follow:
        _row, created = CollectionFollow.objects.get_or_create(collection=collection, user=user)
        change = 1 if created else 0
    else:
        deleted, _rows = CollectionFollow.objects.filter(collection=collection, user=user).delete()
        change = -1 if deleted else 0
    if change:
        Collection.objects.filter(pk=collection.pk).update(
            follower_count=F("follower_count") + change
        )
        collection.follower_count += change
    return collection


# --- Events -------------------------------------------------------------------------------------


def event_organiser_contact(
    *, user: User, collection_id: int, item_id: int, message: str
) -> "Conversation":
    """Start a private conversation with an event's organiser about it."""
    from perchoir.conversations.models import InvitePolicy
    from perchoir.conversations.models import Visibility as ConversationVisibility
    from perchoir.conversations.services import conversation_start

    _collection, _standing, connection = connection_get_for_viewer(
        viewer=user, collection_id=collection_id, item_id=item_id
    )
    item = connection.item
    if item.kind != ItemKind.EVENT:
        raise InvalidInput.for_field("message", _("Only events have an organiser to contact."))
    if item.author_id == user.pk:
        raise InvalidInput.for_field("message", _("You organise this event."))
    if _across_block(user, item.author_id):
        raise InvalidInput.for_field(
            "message", _("You cannot contact the organiser of this event.")
        )
    if not message.strip():
        raise InvalidInput.for_field("message", _("Write your message to the organiser."))
    return conversation_start(
        starter=user,
        title=_("About “%(title)s”") % {"title": item.title},
        body=message,
        visibility=ConversationVisibility.PRIVATE,
        invite_policy=InvitePolicy.STARTER,
        invitees=["@" + item.author.handle],
    )
