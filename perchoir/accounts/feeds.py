"""A person's public activity as an Atom feed (E3): the public conversations they started and
their messages in public conversations, as anybody may read them (a feed reader signs in as
nobody). Linked from the profile page with <link rel="alternate">."""

from datetime import datetime
from typing import Any

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from perchoir.conversations.embed import absolute_url
from perchoir.conversations.feeds import AtomWithContent
from perchoir.conversations.models import Conversation, Message
from perchoir.conversations.selectors import public_activity_of_person
from perchoir.conversations.services import excerpt
from perchoir.core.selectors import site_settings_get

from .models import User
from .selectors import profile_get_by_handle

FEED_SIZE = 50

Entry = Conversation | Message


class PersonFeed(Feed[Entry, User]):
    feed_type = AtomWithContent

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> User:
        return profile_get_by_handle(kwargs["handle"])

    def items(self, person: User) -> list[Entry]:
        return public_activity_of_person(person=person, size=FEED_SIZE)

    # --- The feed ---

    def title(self, person: User) -> str:
        return f"{person.name} (@{person.handle})"

    def subtitle(self, person: User) -> str:
        return _("Public conversations and messages of %(name)s on %(site)s") % {
            "name": person.name,
            "site": site_settings_get().name,
        }

    def link(self, person: User) -> str:
        return absolute_url(reverse("accounts:profile", args=[person.handle]))

    def feed_url(self, person: User) -> str:
        return absolute_url(reverse("accounts:profile-feed", args=[person.handle]))

    def author_name(self, person: User) -> str:
        return person.name

    def author_link(self, person: User) -> str:
        return self.link(person)

    # --- Each entry ---

    def item_title(self, entry: Entry) -> str:
        if isinstance(entry, Conversation):
            return _("Started a conversation: %(title)s") % {"title": entry.title}
        return _("In “%(title)s”: %(excerpt)s") % {
            "title": entry.conversation.title,
            "excerpt": excerpt(entry.body_html),
        }

    def item_description(self, entry: Entry) -> None:  # type: ignore[override]
        return None  # no summary: a message's content is the whole message

    def item_extra_kwargs(self, entry: Entry) -> dict[str, str]:
        return {"content_html": entry.body_html if isinstance(entry, Message) else ""}

    def item_link(self, entry: Entry) -> str:
        return absolute_url(entry.get_absolute_url())

    def item_guid(self, entry: Entry) -> str:
        return self.item_link(entry)

    def item_pubdate(self, entry: Entry) -> datetime:
        return entry.created_at

    def item_updateddate(self, entry: Entry) -> datetime:
        if isinstance(entry, Message):
            return entry.edited_at or entry.created_at
        return entry.created_at
