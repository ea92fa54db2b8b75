"""Writes of the search index. Called by the services that write what is searched, inside their
transaction: the document commits or rolls back with the message (docs/decisions/0010)."""

from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from perchoir.accounts.models import User
from perchoir.conversations.models import Conversation, Message
from perchoir.core.email import email_send
from perchoir.core.errors import InvalidInput

from .backends import search_backend
from .models import DigestFrequency, DigestSubscription, HomeVisit, SearchDocument
from .text import detect_language, plain_text


def search_document_put(
    *,
    kind: str,
    object_id: int,
    title: str,
    body: str,
    author: User | None,
    created_at: datetime,
    language: str = "",
) -> SearchDocument:
    """Index (or index again) one thing; the language is detected unless given."""
    language = language or detect_language(
        f"{title}\n{body}", getattr(author, "language", "") or ""
    )
    document, _created = SearchDocument.objects.update_or_create(
        kind=kind,
        object_id=object_id,
        defaults={
            "title": title,
            "body": body,
            "author": author,
            "created_at": created_at,
            "language": language,
        },
    )
    search_backend().write(document)
    return document


def search_document_remove(*, kind: str, object_id: int) -> None:
    document = SearchDocument.objects.filter(kind=kind, object_id=object_id).first()
    if document is not None:
        search_backend().delete(document.pk)
        document.delete()


def search_index_message(message: Message) -> None:
    search_document_put(
        kind="message",
        object_id=message.pk,
        title="",
        body=plain_text(message.body_html),
        author=message.author,
        created_at=message.created_at,
    )


def search_index_conversation(conversation: Conversation) -> None:
    search_document_put(
        kind="conversation",
        object_id=conversation.pk,
        title=conversation.title,
        body=conversation.branched_passage,
        author=conversation.starter,
        created_at=conversation.created_at,
    )


def _document(
    kind: str, object_id: int, title: str, body: str, author: User, created_at: datetime
) -> SearchDocument:
    return SearchDocument(
        kind=kind,
        object_id=object_id,
        title=title,
        body=body,
        author_id=author.pk,
        created_at=created_at,
        language=detect_language(f"{title}\n{body}", author.language),
    )


def _put_many(documents: list[SearchDocument]) -> None:
    if documents:
        search_backend().write_many(SearchDocument.objects.bulk_create(documents))


@transaction.atomic
def search_index_rebuild(*, batch_size: int = 2000) -> int:
    """Index every conversation and message afresh (after an import, a restore, or data
    written in bulk like the bench dataset), in batches: a few statements per batch."""
    backend = search_backend()
    old = SearchDocument.objects.filter(kind__in=["conversation", "message"])
    backend.delete_many(list(old.values_list("pk", flat=True)))
    old.delete()
    count = 0
    batch: list[SearchDocument] = []
    conversations = Conversation.objects.select_related("starter").order_by("pk")
    for conversation in conversations.iterator(batch_size):
        batch.append(
            _document(
                "conversation",
                conversation.pk,
                conversation.title,
                conversation.branched_passage,
                conversation.starter,
                conversation.created_at,
            )
        )
        if len(batch) == batch_size:
            _put_many(batch)
            count, batch = count + len(batch), []
    messages = Message.objects.select_related("author").order_by("pk")
    for message in messages.iterator(batch_size):
        batch.append(
            _document(
                "message",
                message.pk,
                "",
                plain_text(message.body_html),
                message.author,
                message.created_at,
            )
        )
        if len(batch) == batch_size:
            _put_many(batch)
            count, batch = count + len(batch), []
    _put_many(batch)
    return count + len(batch)


def home_mark_seen(*, user: User, seen_at: datetime) -> None:
    """Everything on home up to `seen_at` is read; never moves back in time."""
    if HomeVisit.objects.filter(user=user, seen_at__lt=seen_at).update(seen_at=seen_at):
        return
    HomeVisit.objects.get_or_create(user=user, defaults={"seen_at": seen_at})


# --- Digest -------------------------------------------------------------------------------------

DIGEST_PERIODS = {
    DigestFrequency.DAILY: timedelta(days=1),
    DigestFrequency.WEEKLY: timedelta(days=7),
}
DIGEST_MAX_EVENTS = 30
UNSUBSCRIBE_SALT = "perchoir.discovery.digest-unsubscribe"


def digest_unsubscribe_token(user: User) -> str:
    return signing.dumps(user.pk, salt=UNSUBSCRIBE_SALT, compress=True)


def digest_unsubscribe_url(user: User) -> str:
    return settings.SITE_URL + reverse(
        "discovery:digest-unsubscribe", args=[digest_unsubscribe_token(user)]
    )


def _enqueue_digest(subscription: DigestSubscription) -> None:
    """Queue the next digest for its time where the backend can wait; elsewhere the
    `digest_send_due` command (run by cron) sends what is due."""
    from .tasks import digest_send_task

    if subscription.next_due_at is None or not digest_send_task.get_backend().supports_defer:
        return
    subscription_id, run_after = subscription.pk, subscription.next_due_at
    transaction.on_commit(
        lambda: digest_send_task.using(run_after=run_after).enqueue(subscription_id)
    )


@transaction.atomic
def digest_preference_set(*, user: User, frequency: str) -> DigestSubscription:
    """Choose a daily or weekly digest of home by email, or none."""
    if frequency not in DigestFrequency.values:
        raise InvalidInput.for_field("frequency", _("Choose how often, or never."))
    period = DIGEST_PERIODS.get(DigestFrequency(frequency))
    subscription, _created = DigestSubscription.objects.get_or_create(user=user)
    if subscription.frequency == frequency:
        return subscription
    subscription.frequency = frequency
    subscription.next_due_at = timezone.now() + period if period else None
    subscription.save(update_fields=["frequency", "next_due_at"])
    _enqueue_digest(subscription)
    return subscription


def digest_unsubscribe(*, token: str) -> User:
    """One click from the email: no more digests, without signing in."""
    try:
        user_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        raise InvalidInput(_("This unsubscribe link is not valid.")) from None
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise InvalidInput(_("This unsubscribe link is not valid."))
    DigestSubscription.objects.filter(user=user).update(
        frequency=DigestFrequency.OFF, next_due_at=None
    )
    return user


def digest_send(*, subscription_id: int, now: datetime | None = None) -> bool:
    """Send one person's digest if it is due (claimed atomically: never twice); schedule the
    next. Nothing new since the last one: no email. Returns whether an email went."""
    from .home import home_feed

    now = now or timezone.now()
    subscription = (
        DigestSubscription.objects.select_related("user").filter(pk=subscription_id).first()
    )
    if subscription is None or subscription.frequency == DigestFrequency.OFF:
        return False
    period = DIGEST_PERIODS[DigestFrequency(subscription.frequency)]
    claimed = DigestSubscription.objects.filter(
        pk=subscription.pk, frequency=subscription.frequency, next_due_at__lte=now
    ).update(next_due_at=now + period)
    if not claimed:
        return False
    # Since the last digest, or since the period began (when the person chose it).
    since = subscription.last_sent_at or (subscription.next_due_at or now) - period
    subscription.next_due_at = now + period
    DigestSubscription.objects.filter(pk=subscription.pk).update(last_sent_at=now)
    _enqueue_digest(subscription)
    user = subscription.user
    if not user.is_active:
        return False
    events = [
        event for event in home_feed(viewer=user, size=DIGEST_MAX_EVENTS).events if event.at > since
    ]
    address = (
        EmailAddress.objects.filter(user=user, primary=True, verified=True)
        .values_list("email", flat=True)
        .first()
    )
    if not events or address is None:
        return False
    language = user.language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "weekly": subscription.frequency == DigestFrequency.WEEKLY,
            "events": [
                {
                    "actor": event.actor.name if event.actor else "",
                    "summary": str(event.summary),
                    "count": event.count,
                    "title": event.title,
                    "url": settings.SITE_URL + event.url,
                }
                for event in events
            ],
            "home_url": settings.SITE_URL + reverse("discovery:home"),
            "settings_url": settings.SITE_URL + reverse("discovery:digest-settings"),
            "unsubscribe_url": digest_unsubscribe_url(user),
        }
    email_send(to=[address], template="digest", context=context, language=language)
    return True


def digests_send_due(*, now: datetime | None = None) -> int:
    """Send every digest that is due (the cron path, and a catch-up after downtime)."""
    now = now or timezone.now()
    due = DigestSubscription.objects.exclude(frequency=DigestFrequency.OFF).filter(
        next_due_at__lte=now
    )
    return sum(digest_send(subscription_id=pk, now=now) for pk in due.values_list("pk", flat=True))
