"""Every kind in one place: its sentence and whether it emails by default; and the one function
that turns a notification into a sentence (for the page, the email and the API alike).

To add a kind: a member of `NotificationKind` and its `KindSpec` here (a test checks each kind
has one). Sentences may use `%(actor)s` (the actor's name, or "Someone"), `%(title)s` (the
quoted title, or the spec's `untitled` words when there is none) and `%(item)s` (the quoted
`item` param; without it, the item was hidden from the recipient by the moderators).
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from .models import Notification, NotificationKind


@dataclass(frozen=True)
class KindSpec:
    sentence: str | Promise
    untitled: str | Promise
    email_default: bool = False
    in_app_default: bool = True


SOMETHING = pgettext_lazy("notification, when the content has no title", "something")
A_CONVERSATION = pgettext_lazy("notification, when the conversation has no title", "a conversation")
A_COLLECTION = pgettext_lazy("notification, when the collection has no title", "a collection")
# The only item left unnamed is one the moderators hid from the recipient.
ITEM_HIDDEN = pgettext_lazy(
    "notification, when the item is not named", "(hidden by the moderators)"
)

KIND_SPECS: dict[str, KindSpec] = {
    NotificationKind.CONVERSATION_INVITATION: KindSpec(
        gettext_lazy("%(actor)s invited you to %(title)s"), A_CONVERSATION, email_default=True
    ),
    NotificationKind.CONVERSATION_JOIN_REQUEST: KindSpec(
        gettext_lazy("%(actor)s asks to join %(title)s"), A_CONVERSATION, email_default=True
    ),
    NotificationKind.CONVERSATION_JOIN_APPROVED: KindSpec(
        gettext_lazy("Your request to join %(title)s was approved"), A_CONVERSATION
    ),
    NotificationKind.CONVERSATION_JOIN_DECLINED: KindSpec(
        gettext_lazy("Your request to join %(title)s was declined"), A_CONVERSATION
    ),
    NotificationKind.CONVERSATION_SUGGESTION: KindSpec(
        gettext_lazy("%(actor)s suggested a message in %(title)s"), A_CONVERSATION
    ),
    NotificationKind.CONVERSATION_SUGGESTION_APPROVED: KindSpec(
        gettext_lazy("Your suggested message in %(title)s was approved"), A_CONVERSATION
    ),
    NotificationKind.CONVERSATION_SUGGESTION_DECLINED: KindSpec(
        gettext_lazy("Your suggested message in %(title)s was declined"), A_CONVERSATION
    ),
    NotificationKind.MESSAGE_REPLY: KindSpec(
        gettext_lazy("%(actor)s replied to your message in %(title)s"),
        A_CONVERSATION,
        email_default=True,
    ),
    NotificationKind.MESSAGE_MENTION: KindSpec(
        gettext_lazy("%(actor)s mentioned you in %(title)s"), A_CONVERSATION, email_default=True
    ),
    NotificationKind.CONVERSATION_PARTICIPANT_REMOVED: KindSpec(
        gettext_lazy("You were removed from %(title)s"), A_CONVERSATION
    ),
    NotificationKind.COLLECTION_SUBMISSION: KindSpec(
        gettext_lazy("%(actor)s submitted an item to %(title)s"), A_COLLECTION, email_default=True
    ),
    NotificationKind.COLLECTION_SUBMISSION_APPROVED: KindSpec(
        gettext_lazy("Your item was approved in %(title)s"), A_COLLECTION
    ),
    NotificationKind.COLLECTION_SUBMISSION_DECLINED: KindSpec(
        gettext_lazy("Your item was declined in %(title)s"), A_COLLECTION
    ),
    NotificationKind.COLLECTION_CONTRIBUTOR_INVITATION: KindSpec(
        gettext_lazy("%(actor)s invited you to contribute to %(title)s"),
        A_COLLECTION,
        email_default=True,
    ),
    NotificationKind.COLLECTION_CONTRIBUTION_REQUEST: KindSpec(
        gettext_lazy("%(actor)s asks to contribute to %(title)s"), A_COLLECTION, email_default=True
    ),
    NotificationKind.COLLECTION_CONTRIBUTION_APPROVED: KindSpec(
        gettext_lazy("You now contribute to %(title)s"), A_COLLECTION
    ),
    NotificationKind.COLLECTION_CONTRIBUTION_DECLINED: KindSpec(
        gettext_lazy("Your request to contribute to %(title)s was declined"), A_COLLECTION
    ),
    # Told why, like a participant removed from a conversation (issue 6 item 8); by email too,
    # since what they added or their part in the collection is gone.
    NotificationKind.COLLECTION_ITEM_REMOVED: KindSpec(
        gettext_lazy("Your item %(item)s was taken out of %(title)s"),
        A_COLLECTION,
        email_default=True,
    ),
    NotificationKind.COLLECTION_CONTRIBUTOR_REMOVED: KindSpec(
        gettext_lazy("You were removed as a contributor to %(title)s"),
        A_COLLECTION,
        email_default=True,
    ),
    NotificationKind.MODERATION_STATEMENT: KindSpec(
        gettext_lazy("Moderators acted on %(title)s: read why, and how to appeal"),
        SOMETHING,
        email_default=True,
    ),
    NotificationKind.MODERATION_REPORT_RECEIVED: KindSpec(
        gettext_lazy("We received your report about %(title)s"), SOMETHING
    ),
    NotificationKind.MODERATION_REPORT_OUTCOME: KindSpec(
        gettext_lazy("Your report about %(title)s was reviewed"), SOMETHING, email_default=True
    ),
    NotificationKind.MODERATION_APPEAL_DECIDED: KindSpec(
        gettext_lazy("Your appeal about %(title)s was decided"), SOMETHING, email_default=True
    ),
    NotificationKind.MODERATION_ACTION_UNDONE: KindSpec(
        gettext_lazy("Moderators undid their action on %(title)s"), SOMETHING, email_default=True
    ),
    NotificationKind.MODERATION_CASE_ASSIGNED: KindSpec(
        gettext_lazy("%(actor)s assigned you a moderation case about %(title)s"), SOMETHING
    ),
}


def kind_spec(kind: str) -> KindSpec:
    """The spec of `kind`; a kind without one (removed since) still reads as something."""
    return KIND_SPECS.get(kind) or KindSpec(gettext_lazy("Something happened"), "")


def kind_label(kind: str) -> str:
    return str(NotificationKind(kind).label) if kind in NotificationKind.values else kind


def notification_headline(notification: Notification) -> str:
    """The sentence, in the active language, without the excerpt or reason."""
    spec = kind_spec(notification.kind)
    params = notification.params or {}
    title = params.get("title")
    item = params.get("item")
    actor = notification.actor
    return str(spec.sentence) % {
        "actor": actor.name if actor is not None else _("Someone"),
        "title": _("“%(title)s”") % {"title": title} if title else str(spec.untitled),
        "item": _("“%(title)s”") % {"title": item} if item else str(ITEM_HIDDEN),
    }


def notification_describe(notification: Notification) -> str:
    """The whole sentence, in the active language: the headline, then the reason or excerpt."""
    headline = notification_headline(notification)
    params = notification.params or {}
    detail = params.get("reason") or params.get("excerpt")
    if not detail:
        return headline
    return _("%(sentence)s: %(detail)s") % {"sentence": headline, "detail": detail}
