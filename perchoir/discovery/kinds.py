"""Conversations and messages as search kinds (people are searched by name, see selectors)."""

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from perchoir.conversations.models import Conversation, Message

from .registry import Found, SearchKind, author_fields, search_kind_register
from .visibility import conversations_findable, messages_findable


def _conversation_ids(viewer: Any) -> QuerySet[Any]:
    return conversations_findable(viewer).values("pk")


def _message_ids(viewer: Any) -> QuerySet[Any]:
    return messages_findable(viewer).values("pk")


def _load_conversations(ids: Iterable[int], viewer: Any) -> dict[int, Found]:
    return {
        c.pk: Found(
            title=c.title, url=c.get_absolute_url(), author=c.starter, created_at=c.created_at
        )
        for c in Conversation.objects.filter(pk__in=list(ids))
        .select_related("starter")
        .only("title", "created_at", *author_fields("starter"))
    }


def _load_messages(ids: Iterable[int], viewer: Any) -> dict[int, Found]:
    return {
        m.pk: Found(
            title=m.conversation.title,
            url=m.get_absolute_url(),
            author=m.author,
            created_at=m.created_at,
            context=m.conversation.title,
        )
        for m in Message.objects.filter(pk__in=list(ids))
        .select_related("author", "conversation")
        .only("conversation__title", "created_at", *author_fields("author"))
    }


CONVERSATION = SearchKind(
    name="conversation",
    label=_("Conversation"),
    plural=_("Conversations"),
    visible_ids=_conversation_ids,
    load=_load_conversations,
)
MESSAGE = SearchKind(
    name="message",
    label=_("Message"),
    plural=_("Messages"),
    visible_ids=_message_ids,
    load=_load_messages,
)


def register_conversation_kinds() -> None:
    search_kind_register(CONVERSATION)
    search_kind_register(MESSAGE)
