"""A conversation's latest messages as an Atom feed (B12), for feed readers.

Like the embed, the feed shows what anybody with the address may read: public and unlisted
conversations, fetched as an anonymous reader (a feed reader signs in as nobody).
"""

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from perchoir.core.errors import NotFound
from perchoir.core.selectors import site_settings_get

from . import selectors
from .embed import absolute_url
from .models import Conversation, Message
from .services import excerpt

FEED_SIZE = 50


class AtomWithContent(Atom1Feed):
    """Atom whose entries carry the message's HTML as their content (Django's Atom1Feed writes
    only a summary); a deleted message's entry has no content at all."""

    def add_item_elements(self, handler: Any, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, item)
        if item.get("content_html"):
            handler.addQuickElement("content", item["content_html"], {"type": "html"})


class ConversationFeed(Feed[Message, Conversation]):
    feed_type = AtomWithContent

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Conversation:
        conversation, _standing = selectors.conversation_get_for_viewer(
            viewer=AnonymousUser(), conversation_id=kwargs["conversation_id"]
        )
        if conversation.is_hidden:
            # Hidden by the moderators: no copy of it travels elsewhere.
            raise NotFound()
        return conversation

    def items(self, conversation: Conversation) -> list[Message]:
        page = selectors.messages_page(conversation=conversation, latest=True, size=FEED_SIZE)
        return list(reversed(page.messages))  # newest first

    # --- The feed ---

    def title(self, conversation: Conversation) -> str:
        return conversation.title

    def subtitle(self, conversation: Conversation) -> str:
        return _("The latest messages of a conversation on %(site)s") % {
            "site": site_settings_get().name
        }

    def link(self, conversation: Conversation) -> str:
        return absolute_url(conversation.get_absolute_url())

    def feed_url(self, conversation: Conversation) -> str:
        return absolute_url(reverse("conversations:feed", args=[conversation.pk]))

    def author_name(self, conversation: Conversation) -> str:
        return conversation.starter.name

    # --- Each message ---

    def item_title(self, message: Message) -> str:
        if message.is_deleted:
            return _("This message was deleted by its author.")
        if message.is_hidden:
            return _("This message was hidden by the moderators.")
        return _("%(name)s: %(excerpt)s") % {
            "name": message.author.name,
            "excerpt": excerpt(message.body_html),
        }

    def item_description(self, message: Message) -> None:  # type: ignore[override]
        return None  # no summary: the content is the whole message

    def item_extra_kwargs(self, message: Message) -> dict[str, str]:
        hidden = message.is_deleted or message.is_hidden
        return {"content_html": "" if hidden else message.body_html}

    def item_link(self, message: Message) -> str:
        return absolute_url(message.get_absolute_url())

    def item_author_name(self, message: Message) -> str:
        return message.author.name

    def item_author_link(self, message: Message) -> str:
        return absolute_url(reverse("accounts:profile", args=[message.author.handle]))

    def item_pubdate(self, message: Message) -> datetime:
        return message.created_at

    def item_updateddate(self, message: Message) -> datetime:
        return message.deleted_at or message.edited_at or message.created_at
