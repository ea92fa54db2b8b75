"""Messages and conversations as targets of reports and moderation (perchoir.moderation.targets).

Registered from ConversationsConfig.ready. Hiding keeps everything: the text stays in the row and
a notice takes its place for others; restoring clears the notice.
"""

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.translation import gettext_lazy

from perchoir.core.errors import NotFound
from perchoir.moderation.hiding import hide_apply, hide_clear
from perchoir.moderation.targets import HideState, TargetKind

from .events import publish_conversation_event, publish_message_event
from .models import Conversation, Message
from .selectors import conversation_get_for_viewer
from .services import excerpt


def _message_fetch(message_id: int) -> Message | None:
    return Message.objects.select_related("author", "conversation").filter(pk=message_id).first()


def _message_visible_to(viewer: Any, message: Message) -> bool:
    try:
        conversation_get_for_viewer(
            viewer=viewer or AnonymousUser(), conversation_id=message.conversation_id
        )
    except NotFound:
        return False
    return True


def _message_hide(message: Message, state: HideState) -> None:
    hide_apply(message, state)
    publish_message_event(message, "message.edited")


def _message_restore(message: Message) -> None:
    hide_clear(message)
    publish_message_event(message, "message.edited")


MESSAGE = TargetKind(
    name="message",
    label=gettext_lazy("message"),
    fetch=_message_fetch,
    author=lambda message: message.author,
    url=lambda message: message.get_absolute_url(),
    excerpt=lambda message: excerpt(message.body_html),
    visible_to=_message_visible_to,
    hide=_message_hide,
    restore=_message_restore,
    is_hidden=lambda message: message.is_hidden,
    room=lambda message: ("conversation", message.conversation_id),
)


def _conversation_fetch(conversation_id: int) -> Conversation | None:
    return Conversation.objects.select_related("starter").filter(pk=conversation_id).first()


def _conversation_visible_to(viewer: Any, conversation: Conversation) -> bool:
    # Reporters only report what they see; a private conversation is visible to its people.
    try:
        conversation_get_for_viewer(
            viewer=viewer or AnonymousUser(), conversation_id=conversation.pk
        )
    except NotFound:
        return False
    return True


def _conversation_hide(conversation: Conversation, state: HideState) -> None:
    hide_apply(conversation, state)
    publish_conversation_event(conversation, "conversation.changed", {"hidden": True})


def _conversation_restore(conversation: Conversation) -> None:
    hide_clear(conversation)
    publish_conversation_event(conversation, "conversation.changed", {"hidden": False})


def _conversation_slow_mode(conversation: Conversation, seconds: int) -> int:
    previous = conversation.slow_mode_seconds
    conversation.slow_mode_seconds = seconds
    conversation.save(update_fields=["slow_mode_seconds"])
    publish_conversation_event(conversation, "conversation.changed", {"slow_mode_seconds": seconds})
    return previous


def _conversation_lock(
    conversation: Conversation, locked: bool, until: datetime | None
) -> dict[str, object]:
    """Lock (until `until`, or without end) or unlock; returns the previous state."""
    previous: dict[str, object] = {
        "locked": conversation.is_locked,
        "locked_until": conversation.locked_until.isoformat()
        if conversation.is_locked and conversation.locked_until
        else None,
    }
    conversation.locked_at = timezone.now() if locked else None
    conversation.locked_until = until if locked else None
    conversation.save(update_fields=["locked_at", "locked_until"])
    publish_conversation_event(
        conversation, "conversation.changed", {"locked": conversation.is_locked}
    )
    return previous


CONVERSATION = TargetKind(
    name="conversation",
    label=gettext_lazy("conversation"),
    fetch=_conversation_fetch,
    author=lambda conversation: conversation.starter,
    url=lambda conversation: conversation.get_absolute_url(),
    excerpt=lambda conversation: conversation.title,
    visible_to=_conversation_visible_to,
    hide=_conversation_hide,
    restore=_conversation_restore,
    is_hidden=lambda conversation: conversation.is_hidden,
    room=lambda conversation: ("conversation", conversation.pk),
    set_slow_mode=_conversation_slow_mode,
    set_lock=_conversation_lock,
)
