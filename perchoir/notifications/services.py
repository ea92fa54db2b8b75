"""Notifying people (in the app and by email, as each chose), and reading and choosing.

Other apps call `notification_send` or `notification_send_many` inside their own transaction:
the notifications are written with it, and emails leave only once it commits.
"""

from collections.abc import Iterable, Mapping

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from perchoir.accounts.models import User
from perchoir.core.email import email_send
from perchoir.core.errors import InvalidInput
from perchoir.follows.selectors import blocked_among

from . import selectors
from .kinds import KIND_SPECS, notification_describe, notification_headline
from .models import Notification, NotificationKind, NotificationPreference
from .paths import is_local_path

# Params are a title or an excerpt, not the whole message: one line, clipped.
PARAM_MAX_LENGTH = 300
EMAIL_TEMPLATE = "notification_email"


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    if len(line) <= PARAM_MAX_LENGTH:
        return line
    return line[: PARAM_MAX_LENGTH - 1].rstrip() + "…"


def _clean_params(params: Mapping[str, str]) -> dict[str, str]:
    cleaned = {str(key): _one_line(str(value)) for key, value in params.items()}
    return {key: value for key, value in cleaned.items() if value}


def notification_send(
    *,
    recipient: User,
    kind: NotificationKind,
    actor: User | None,
    url: str,
    params: dict[str, str],
) -> Notification | None:
    """Tell `recipient` about `kind`; the in-app notification, or None when there is none
    (the recipient is the actor, is inactive, or turned this kind off on the site)."""
    created = _notify(recipients=[recipient], kind=kind, actor=actor, url=url, params=params)
    return created[0] if created else None


def notification_send_many(
    *,
    recipients: Iterable[User],
    kind: NotificationKind,
    actor: User | None,
    url: str,
    params: dict[str, str],
) -> int:
    """Tell each of `recipients` about the same event; how many in-app notifications were made.

    A constant number of queries: one for the preferences, one insert, one for email addresses.
    """
    return len(_notify(recipients=recipients, kind=kind, actor=actor, url=url, params=params))


def _notify(
    *,
    recipients: Iterable[User],
    kind: str,
    actor: User | None,
    url: str,
    params: Mapping[str, str],
) -> list[Notification]:
    # A wrong kind or an outside URL is a bug of the caller, not a mistake of the person.
    if kind not in KIND_SPECS:
        raise ValueError(f"Unknown notification kind: {kind!r}")
    if not is_local_path(url):
        raise ValueError(f"A notification opens a local path, not {url!r}")
    actor_id = actor.pk if actor is not None else None
    people = {
        person.pk: person
        for person in recipients
        if person.is_active and person.pk is not None and person.pk != actor_id
    }
    if actor is not None and people:
        # Nobody hears from someone they blocked, or who blocked them.
        for person_id in blocked_among(person=actor, people_ids=people):
            people.pop(person_id, None)
    if not people:
        return []
    choices = selectors.notification_choices(user_ids=people, kind=kind)
    now = timezone.now()
    cleaned = _clean_params(params)
    notifications = {
        person_id: Notification(
            recipient=person, kind=kind, actor=actor, url=url, params=cleaned, created_at=now
        )
        for person_id, person in people.items()
    }
    in_app = [notifications[pid] for pid in people if choices[pid].in_app]
    Notification.objects.bulk_create(in_app)
    by_email = [notifications[pid] for pid in people if choices[pid].email]
    if by_email:
        _email(by_email)
    return in_app


def _email(notifications: list[Notification]) -> None:
    """Mail each notification to its recipient's verified primary address, in their language."""
    addresses = selectors.verified_primary_emails(
        user_ids=[notification.recipient_id for notification in notifications]
    )
    for notification in notifications:
        address = addresses.get(notification.recipient_id)
        if address is None:
            continue
        language = notification.recipient.language or settings.LANGUAGE_CODE
        with translation.override(language):
            context = {
                "headline": notification_headline(notification),
                "sentence": notification_describe(notification),
                "link_url": settings.SITE_URL + notification.url,
                "preferences_url": settings.SITE_URL + reverse("notifications:preferences"),
            }
        email_send(to=[address], template=EMAIL_TEMPLATE, context=context, language=language)


def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of the person's notifications read (again is fine); others' are NotFound."""
    notification = selectors.notification_get_for_user(user=user, notification_id=notification_id)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(id=notification.id, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    """Mark all the person's notifications read; how many were unread."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notification_preferences_update(
    *, user: User, preferences: Mapping[str, tuple[bool, bool]]
) -> None:
    """Set, for each kind given, whether to notify on the site and by email: {kind: (in_app,
    email)}. Kinds not given keep their current choice."""
    unknown = sorted(kind for kind in preferences if kind not in KIND_SPECS)
    if unknown:
        raise InvalidInput.for_field(
            "kind",
            _("There is no kind of notification called %(kind)s.") % {"kind": unknown[0]},
        )
    NotificationPreference.objects.bulk_create(
        [
            NotificationPreference(user=user, kind=kind, in_app=bool(in_app), email=bool(email))
            for kind, (in_app, email) in preferences.items()
        ],
        update_conflicts=True,
        unique_fields=["user", "kind"],
        update_fields=["in_app", "email"],
    )
