"""Reads: a person's notifications, their unread count and their preferences."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from allauth.account.models import EmailAddress
from django.db.models import Q, QuerySet

from perchoir.accounts.models import User
from perchoir.core.errors import NotFound

from .kinds import KIND_SPECS, kind_label, kind_spec
from .models import Notification, NotificationPreference


@dataclass(frozen=True)
class Choice:
    """How one person wants to hear about one kind."""

    in_app: bool
    email: bool


@dataclass(frozen=True)
class Preference(Choice):
    kind: str
    label: str


def kind_default(kind: str) -> Choice:
    spec = kind_spec(kind)
    return Choice(in_app=spec.in_app_default, email=spec.email_default)


def notification_choices(*, user_ids: Iterable[int], kind: str) -> dict[int, Choice]:
    """Each person's choice for `kind` (their own, or the default), in one query."""
    ids = list(user_ids)
    default = kind_default(kind)
    chosen = {
        user_id: Choice(in_app=in_app, email=email)
        for user_id, in_app, email in NotificationPreference.objects.filter(
            user_id__in=ids, kind=kind
        ).values_list("user_id", "in_app", "email")
    }
    return {user_id: chosen.get(user_id, default) for user_id in ids}


def notification_preferences_get(*, user: User) -> list[Preference]:
    """Every kind with the person's choice, in the order of `KIND_SPECS`, in one query."""
    chosen = {
        row.kind: Choice(in_app=row.in_app, email=row.email)
        for row in NotificationPreference.objects.filter(user=user)
    }
    preferences = []
    for kind in KIND_SPECS:
        choice = chosen.get(kind, kind_default(kind))
        preferences.append(
            Preference(kind=kind, label=kind_label(kind), in_app=choice.in_app, email=choice.email)
        )
    return preferences


def verified_primary_emails(*, user_ids: Iterable[int]) -> dict[int, str]:
    """The primary address of each person, when it is verified (never mail an unproven one)."""
    return dict(
        EmailAddress.objects.filter(
            user_id__in=list(user_ids), primary=True, verified=True
        ).values_list("user_id", "email")
    )


def notification_list_for_user(*, user: User) -> QuerySet[Notification]:
    """The person's notifications, newest first, with who did what."""
    return (
        Notification.objects.filter(recipient=user)
        .select_related("actor__avatar")
        .order_by("-created_at", "-id")
    )


def notification_page_for_user(
    *, user: User, before: tuple[datetime, int] | None, size: int
) -> tuple[list[Notification], bool]:
    """One page of the person's notifications older than `before` (keyset), and whether more
    remain: one query, however deep the page."""
    rows = notification_list_for_user(user=user)
    if before is not None:
        created_at, notification_id = before
        rows = rows.filter(
            Q(created_at__lt=created_at) | Q(created_at=created_at, id__lt=notification_id)
        )
    page = list(rows[: size + 1])
    return page[:size], len(page) > size


def notification_unread_count(*, user: User, limit: int | None = None) -> int:
    """How many notifications the person has not read; counting stops at `limit` if given."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if limit is not None:
        unread = unread.order_by()[:limit]
    return unread.count()


def notification_get_for_user(*, user: User, notification_id: int) -> Notification:
    """One of the person's own notifications; anyone else's is absent."""
    notification = (
        Notification.objects.select_related("actor")
        .filter(id=notification_id, recipient=user)
        .first()
    )
    if notification is None:
        raise NotFound()
    return notification
