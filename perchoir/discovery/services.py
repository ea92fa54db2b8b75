"""Writes of the search index. Called by the services that write what is searched, inside their
transaction: the document commits or rolls back with the message (docs/decisions/0010)."""

from collections.abc import Iterator
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from perchoir.accounts.models import User
from perchoir.collections.models import Collection, Item
from perchoir.conversations.models import Conversation, Message
from perchoir.core.email import email_send
from perchoir.core.errors import InvalidInput

from .backends import search_backend
from .models import DigestFrequency, DigestSubscription, HomeVisit, SearchDocument
from .text import detect_language, plain_text

# What `search_index_rebuild` indexes afresh: every kind discovery registers.
SEARCHED_KINDS = ("conversation", "message", "collection", "item")


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
    search_documents_remove(kind=kind, object_ids=[object_id])


def search_documents_remove(*, kind: str, object_ids: list[int]) -> None:
    """Forget these things (deleted): a few statements however many."""
    documents = SearchDocument.objects.filter(kind=kind, object_id__in=object_ids)
    document_ids = list(documents.values_list("pk", flat=True))
    if document_ids:
        search_backend().delete_many(document_ids)
        SearchDocument.objects.filter(pk__in=document_ids).delete()


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


def _collection_text(collection: Collection) -> tuple[str, str]:
    return collection.title, plain_text(collection.description_html)


def _item_text(item: Item) -> tuple[str, str]:
    """An item's words: title, text, caption, image description, event details."""
    parts = [
        plain_text(item.body_html),
        item.caption,
        item.alt_text,
        item.place,
        item.audience,
        *(str(slot.get("title", "")) for slot in item.programme if isinstance(slot, dict)),
    ]
    return item.title, "\n".join(part for part in parts if part)


def search_index_collection(collection: Collection) -> None:
    title, body = _collection_text(collection)
    search_document_put(
        kind="collection",
        object_id=collection.pk,
        title=title,
        body=body,
        author=collection.owner,
        created_at=collection.created_at,
    )


def search_index_item(item: Item) -> None:
    """An item, drafts included (search shows only published ones); dated from publication."""
    title, body = _item_text(item)
    search_document_put(
        kind="item",
        object_id=item.pk,
        title=title,
        body=body,
        author=item.author,
        created_at=item.published_at or item.created_at,
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


def _documents_of_everything() -> Iterator[SearchDocument]:
    """A fresh document for every searchable thing, streamed from the database."""
    chunk = 2000
    for conversation in (
        Conversation.objects.select_related("starter").order_by("pk").iterator(chunk)
    ):
        yield _document(
            "conversation",
            conversation.pk,
            conversation.title,
            conversation.branched_passage,
            conversation.starter,
            conversation.created_at,
        )
    for message in Message.objects.select_related("author").order_by("pk").iterator(chunk):
        yield _document(
            "message",
            message.pk,
            "",
            plain_text(message.body_html),
            message.author,
            message.created_at,
        )
    for collection in Collection.objects.select_related("owner").order_by("pk").iterator(chunk):
        yield _document(
            "collection",
            collection.pk,
            *_collection_text(collection),
            collection.owner,
            collection.created_at,
        )
    for item in Item.objects.select_related("author").order_by("pk").iterator(chunk):
        yield _document(
            "item", item.pk, *_item_text(item), item.author, item.published_at or item.created_at
        )


@transaction.atomic
def search_index_rebuild(*, batch_size: int = 2000) -> int:
    """Index every conversation, message, collection and item afresh (after an import, a
    restore, or data written in bulk like the bench dataset), in batches: a few statements per
    batch."""
    backend = search_backend()
    old = SearchDocument.objects.filter(kind__in=SEARCHED_KINDS)
    backend.delete_many(list(old.values_list("pk", flat=True)))
    old.delete()
    count = 0
    batch: list[SearchDocument] = []
    for document in _documents_of_everything():
        batch.append(document)
        if len(batch) == batch_size:
            _put_many(batch)
            count, batch = count + len(batch), []
    _put_many(batch)
    backend.statistics_refresh()
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
    unsubscribe_url = digest_unsubscribe_url(user)
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
            "home_url": settings.SITE_URL + reverse("core:home"),
            "settings_url": settings.SITE_URL + reverse("discovery:digest-settings"),
            "unsubscribe_url": unsubscribe_url,
        }
    # Mail clients show their own unsubscribe button and POST to the link (RFC 8058).
    headers = {
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    email_send(to=[address], template="digest", context=context, language=language, headers=headers)
    return True


def digests_send_due(*, now: datetime | None = None) -> int:
    """Send every digest that is due (the cron path, and a catch-up after downtime)."""
    now = now or timezone.now()
    due = DigestSubscription.objects.exclude(frequency=DigestFrequency.OFF).filter(
        next_due_at__lte=now
    )
    return sum(digest_send(subscription_id=pk, now=now) for pk in due.values_list("pk", flat=True))
