"""Markdown to safe HTML, done once when text is written (never on each read)."""

import re
from collections.abc import Mapping
from functools import lru_cache

import nh3
from django.urls import reverse
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "a",
    "abbr",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "td": {"align"},
    "th": {"align"},
}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # commonmark without raw HTML: HTML typed by a person is shown as text, never interpreted.
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        ["table", "strikethrough"]
    )


def render_markdown(source: str) -> str:
    """Render Markdown to sanitised HTML; links open safely and never carry referrer data."""
    html = _parser().render(source)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer ugc",
    )


# @handle, not inside a word, an email address or a path.
MENTION_PATTERN = re.compile(r"(?<![\w@/.])@([A-Za-z0-9_]{1,64})(?![\w@])")
_TAG_PATTERN = re.compile(r"(<[^>]*>)")
_NO_MENTION_TAGS = {"a", "code", "pre"}


def mentioned_handles(source: str) -> set[str]:
    """The handles written as @handle in a text, lowercased (handles ignore case)."""
    return {match.lower() for match in MENTION_PATTERN.findall(source)}


def link_mentions(html: str, handles: Mapping[str, str]) -> str:
    """Link each @handle of `handles` (lowercased → as written on the profile) in sanitised HTML
    to the person's profile; text inside links and code is left alone."""
    if not handles:
        return html
    parts = _TAG_PATTERN.split(html)
    depth = 0
    for index, part in enumerate(parts):
        if part.startswith("<"):
            name = part.strip("</>").split()[0].lower() if part.strip("</>") else ""
            if name in _NO_MENTION_TAGS:
                depth += -1 if part.startswith("</") else 1
            continue
        if depth == 0 and "@" in part:
            parts[index] = MENTION_PATTERN.sub(lambda m: _mention_link(m, handles), part)
    return "".join(parts)


def _mention_link(match: re.Match[str], handles: Mapping[str, str]) -> str:
    handle = handles.get(match.group(1).lower())
    if handle is None:
        return match.group(0)
    url = reverse("accounts:profile", kwargs={"handle": handle})
    return f'<a class="mention" href="{url}">@{handle}</a>'
