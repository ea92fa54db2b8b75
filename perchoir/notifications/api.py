"""Notifications and their preferences over the API: the same services as the pages."""

from datetime import datetime

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from perchoir.accounts.models import User
from perchoir.api.openapi import doc
from perchoir.api.pagination import NewestFirst
from perchoir.core.types import AuthenticatedRequest

from . import selectors, services
from .kinds import notification_describe
from .models import Notification, NotificationKind

router = Router(tags=["notifications"])


class ActorOut(Schema):
    handle: str
    name: str


class NotificationOut(Schema):
    id: int
    kind: str = Field(description=doc(_("What happened, for programs: message_reply, …")))
    text: str = Field(description=doc(_("What happened, in a sentence in the request's language.")))
    url: str = Field(description=doc(_("Where to see it on the site.")))
    actor: ActorOut | None = Field(
        description=doc(_("Who did it; empty when it was nobody in particular or they left."))
    )
    params: dict[str, str] = Field(
        description=doc(
            _("The words the sentence uses: title, item, excerpt, reason (any may be absent).")
        )
    )
    created_at: datetime
    read_at: datetime | None
    unread: bool

    @staticmethod
    def resolve_text(obj: Notification) -> str:
        return notification_describe(obj)

    @staticmethod
    def resolve_url(obj: Notification, context: dict[str, HttpRequest]) -> str:
        return context["request"].build_absolute_uri(obj.url)

    @staticmethod
    def resolve_actor(obj: Notification) -> User | None:
        return obj.actor

    @staticmethod
    def resolve_unread(obj: Notification) -> bool:
        return obj.is_unread


class UnreadCountOut(Schema):
    unread: int


class MarkedOut(Schema):
    marked: int = Field(description=doc(_("How many notifications were unread until now.")))


class PreferenceOut(Schema):
    kind: str
    label: str = Field(description=doc(_("The kind, in words, in the request's language.")))
    in_app: bool = Field(description=doc(_("Notify on this site.")))
    email: bool = Field(description=doc(_("Notify by email (to the verified primary address).")))


class PreferenceIn(Schema):
    kind: NotificationKind
    in_app: bool
    email: bool


class PreferencesIn(Schema):
    preferences: list[PreferenceIn] = Field(
        description=doc(_("The kinds to change; the others keep their current choice."))
    )


@router.get(
    "",
    response=list[NotificationOut],
    summary=doc(_("My notifications, newest first")),
)
@paginate(NewestFirst)
def notification_list(request: AuthenticatedRequest, unread: bool = False) -> object:
    notifications = selectors.notification_list_for_user(user=request.user)
    return notifications.filter(read_at__isnull=True) if unread else notifications


@router.get(
    "/unread-count",
    response=UnreadCountOut,
    summary=doc(_("How many of my notifications are unread")),
)
def unread_count(request: AuthenticatedRequest) -> object:
    return {"unread": selectors.notification_unread_count(user=request.user)}


@router.post(
    "/{notification_id}/read",
    response=NotificationOut,
    summary=doc(_("Mark one of my notifications as read")),
)
def mark_read(request: AuthenticatedRequest, notification_id: int) -> object:
    return services.notification_mark_read(user=request.user, notification_id=notification_id)


@router.post(
    "/read-all",
    response=MarkedOut,
    summary=doc(_("Mark all my notifications as read")),
)
def mark_all_read(request: AuthenticatedRequest) -> object:
    return {"marked": services.notifications_mark_all_read(user=request.user)}


@router.get(
    "/preferences",
    response=list[PreferenceOut],
    summary=doc(_("How I am notified of each kind of event")),
)
def preferences_get(request: AuthenticatedRequest) -> object:
    return selectors.notification_preferences_get(user=request.user)


@router.patch(
    "/preferences",
    response=list[PreferenceOut],
    summary=doc(_("Choose how I am notified of some kinds of event")),
)
def preferences_update(request: AuthenticatedRequest, payload: PreferencesIn) -> object:
    services.notification_preferences_update(
        user=request.user,
        preferences={item.kind: (item.in_app, item.email) for item in payload.preferences},
    )
    return selectors.notification_preferences_get(user=request.user)
