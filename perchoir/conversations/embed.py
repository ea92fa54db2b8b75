"""Conversations shown on other sites (B12): a compact page to frame, and its oEmbed description.

Both show what anybody with the address may read, whoever asks: the viewer is always anonymous,
so a private conversation does not exist here, even for its participants (a frame on another
site may carry their cookies; what it shows must not depend on them).
"""

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from perchoir.core.errors import ApplicationError, InvalidInput, NotFound
from perchoir.core.middleware import frame_ancestors_any
from perchoir.core.selectors import site_settings_get

from . import selectors
from .models import Conversation, Message
from .views import _int_param

DEFAULT_LIMIT = 10
MAX_LIMIT = 50
# The frame's size when the consumer sets no bounds; oEmbed's maxwidth and maxheight lower it.
EMBED_WIDTH = 560
EMBED_HEIGHT = 600
# What an oEmbed `url` may name: a conversation, or one of its messages.
EMBEDDABLE_VIEWS = frozenset({"conversations:detail", "conversations:message"})


class FormatNotImplemented(ApplicationError):
    """oEmbed's answer to a format we do not serve (only JSON)."""

    status = 501
    code = "not_implemented"
    default_message = _("Only the JSON format is available.")


def absolute_url(path: str) -> str:
    """A path of this site as a full address, for pages and programs elsewhere."""
    return settings.SITE_URL + path


# --- The page to frame --------------------------------------------------------------------------


def _limit(request: HttpRequest) -> int:
    return max(1, min(_int_param(request, "limit") or DEFAULT_LIMIT, MAX_LIMIT))


def _embed_page(
    conversation: Conversation, message_id: int | None, limit: int
) -> selectors.MessagePage:
    """The latest messages; or, for a message's embed, that message and what followed it."""
    if message_id is None:
        return selectors.messages_page(conversation=conversation, latest=True, size=limit)
    page = selectors.messages_page(conversation=conversation, after=message_id - 1, size=limit)
    if not page.messages or page.messages[0].pk != message_id:
        raise NotFound()  # not a message of this conversation
    return page


@frame_ancestors_any
def conversation_embed(request: HttpRequest, conversation_id: int) -> HttpResponse:
    message_id = _int_param(request, "message")
    try:
        conversation, _standing = selectors.conversation_get_for_viewer(
            viewer=AnonymousUser(), conversation_id=conversation_id
        )
        if conversation.is_hidden:
            raise NotFound()
        page = _embed_page(conversation, message_id, _limit(request))
    except NotFound:
        # Answered inside the frame, in the frame's style, rather than as a refused frame.
        return render(request, "conversations/embed.html", {"conversation": None}, status=404)
    return render(
        request,
        "conversations/embed.html",
        {"conversation": conversation, "page": page, "focused_id": message_id},
    )


# --- oEmbed (https://oembed.com) ----------------------------------------------------------------


def _site_path(url: str) -> str | None:
    """The path of `url` on this site, or None when it is an address elsewhere."""
    try:
        parts, site = urlsplit(url), urlsplit(settings.SITE_URL)
    except ValueError:
        return None
    same_origin = (parts.scheme.lower(), parts.netloc.lower()) == (
        site.scheme.lower(),
        site.netloc.lower(),
    )
    if not same_origin or not parts.path.startswith(site.path + "/"):
        return None
    return parts.path[len(site.path) :]


def _embeddable(url: str) -> tuple[Conversation, Message | None]:
    """The conversation (and message) that `url` names; NotFound for anything else."""
    path = _site_path(url)
    if path is None:
        raise NotFound()
    try:
        match = resolve(path)
    except Resolver404:
        raise NotFound() from None
    if match.view_name not in EMBEDDABLE_VIEWS:
        raise NotFound()
    if "message_id" in match.kwargs:
        conversation, _standing, message = selectors.message_get_for_viewer(
            viewer=AnonymousUser(), **match.kwargs
        )
        return conversation, message
    conversation, _standing = selectors.conversation_get_for_viewer(
        viewer=AnonymousUser(), conversation_id=match.kwargs["conversation_id"]
    )
    if conversation.is_hidden:
        raise NotFound()
    return conversation, None


def _bounded(size: int, maximum: int | None) -> int:
    return min(size, maximum) if maximum else size


def embed_src(conversation: Conversation, message: Message | None = None) -> str:
    src = absolute_url(reverse("conversations:embed", args=[conversation.pk]))
    if message is not None:
        src += "?" + urlencode({"message": message.pk})
    return src


@require_GET
def oembed(request: HttpRequest) -> HttpResponse:
    """`?url=<a conversation or a message>&format=json&maxwidth=&maxheight=`: a rich embed."""
    if request.GET.get("format", "json") != "json":
        raise FormatNotImplemented()
    url = request.GET.get("url", "").strip()
    if not url:
        raise InvalidInput.for_field("url", _("Give the address of a conversation."))
    conversation, message = _embeddable(url)
    width = _bounded(EMBED_WIDTH, _int_param(request, "maxwidth"))
    height = _bounded(EMBED_HEIGHT, _int_param(request, "maxheight"))
    author = message.author if message is not None else conversation.starter
    html = format_html(
        '<iframe src="{}" width="{}" height="{}" title="{}" loading="lazy"></iframe>',
        embed_src(conversation, message),
        width,
        height,
        conversation.title,
    )
    return JsonResponse(
        {
            "version": "1.0",
            "type": "rich",
            "title": conversation.title,
            "author_name": author.name,
            "author_url": absolute_url(reverse("accounts:profile", args=[author.handle])),
            "provider_name": site_settings_get().name,
            "provider_url": absolute_url("/"),
            "html": html,
            "width": width,
            "height": height,
        }
    )
