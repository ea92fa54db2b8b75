"""What a conversation tells its live readers (B9): events published after the write commits.

A message event carries the message's HTML as an anonymous reader sees it, once per language
of the site, so that each browser inserts it in its reader's language without asking again.
"""

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from perchoir.live.services import live_event_publish

from .models import Conversation, Message

# Everything a conversation's live stream carries; the page's script handles each.
EVENT_KINDS = (
    "message.created",
    "message.edited",
    "message.deleted",
    "message.branched",
    "participant.joined",
    "participant.removed",
    "highlight.added",
    "conversation.changed",
)


def message_html_by_language(message: Message) -> dict[str, str]:
    rendered: dict[str, str] = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            rendered[code] = render_to_string(
                "conversations/_message.html",
                {"message": message, "conversation": message.conversation, "live": True},
            )
    return rendered


def publish_message_event(message: Message, kind: str) -> None:
    live_event_publish(
        stream=message.conversation.live_stream,
        kind=kind,
        payload={"message_id": message.pk, "html": message_html_by_language(message)},
    )


def publish_conversation_event(conversation: Conversation, kind: str, data: dict[str, Any]) -> None:
    live_event_publish(stream=conversation.live_stream, kind=kind, payload=data)
