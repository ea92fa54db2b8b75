"""What a page says about itself: OpenGraph, Twitter card and plain HTML tags of its head."""

import codecs
import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin

from perchoir.core.errors import InvalidInput

from .addresses import url_normalise

TITLE_MAX = 300
DESCRIPTION_MAX = 1000
SITE_NAME_MAX = 200

# The first of these that a page gives wins.
TITLE_KEYS = ("og:title", "twitter:title")
DESCRIPTION_KEYS = ("og:description", "twitter:description", "description")
SITE_NAME_KEYS = ("og:site_name", "application-name")
IMAGE_KEYS = (
    "og:image:secure_url",
    "og:image",
    "og:image:url",
    "twitter:image",
    "twitter:image:src",
)

# Browsers read a page's <meta charset> within its first bytes (the HTML standard says 1024;
# pages in the wild sometimes declare it a little later).
_CHARSET_PRESCAN_BYTES = 4096
_META_CHARSET = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE
)
# As the HTML standard says: these labels mean windows-1252, a superset that browsers use.
_WINDOWS_1252_LABELS = {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii"}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Bidirectional overrides and isolates can make a title read backwards: not in our cards.
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


@dataclass(frozen=True)
class PageMetadata:
    title: str = ""
    description: str = ""
    site_name: str = ""
    image_url: str = ""  # absolute, canonical; "" when the page has none usable


def _codec(label: str | None) -> str | None:
    """A Python codec for a charset label, or None if unknown or not one a page may declare."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    if name in _WINDOWS_1252_LABELS:
        return "cp1252"
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    # A page cannot declare UTF-16 in its own (ASCII) bytes; the standard reads it as UTF-8.
    return "utf-8" if codec.startswith("utf-16") else codec


def html_decode(body: bytes, charset: str | None) -> str:
    """The page's text: a byte order mark first, then the header's charset, then the page's own
    <meta charset>, then UTF-8 if it is valid, windows-1252 otherwise (as browsers do)."""
    for bom, bom_codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(bom_codec, errors="replace")
    declared = _META_CHARSET.search(body[:_CHARSET_PRESCAN_BYTES])
    codec = _codec(charset) or _codec(declared.group(1).decode("ascii") if declared else None)
    if codec is not None:
        return body.decode(codec, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace")


def clean_text(text: str, limit: int) -> str:
    """One line of plain text, without control characters, at most `limit` characters."""
    printable = "".join(
        " " if unicodedata.category(char) == "Cc" else char
        for char in text.translate(_BIDI_CONTROLS)
    )
    line = " ".join(printable.split())
    if len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return line


class _EndOfHead(Exception):
    """The page's body starts: everything a preview needs has been read."""


class _HeadParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.base_href = ""
        self.title_parts: list[str] = []
        self.in_title = False
        self.title_seen = False
        self.svg_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "body":
            raise _EndOfHead()
        if tag == "svg":
            self.svg_depth += 1
        elif tag == "title" and not self.svg_depth and not self.title_seen:
            self.in_title = True
        elif tag == "meta":
            key = (values.get("property") or values.get("name") or "").strip().lower()
            if key and values.get("content"):
                self.meta.setdefault(key, values["content"])
        elif tag == "base" and not self.base_href:
            self.base_href = values.get("href", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg" and self.svg_depth:
            self.svg_depth -= 1
        elif tag == "title" and self.in_title:
            self.in_title = False
            self.title_seen = True

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title_parts.append(data)

    def first(self, keys: tuple[str, ...]) -> str:
        return next((self.meta[key] for key in keys if self.meta.get(key, "").strip()), "")


def _absolute_image_url(raw: str, base_url: str) -> str:
    if not raw.strip():
        return ""
    try:
        return url_normalise(urljoin(base_url, raw.strip()))
    except (InvalidInput, ValueError):
        return ""  # not http(s), or not an address at all


def page_metadata_parse(html: str, *, base_url: str) -> PageMetadata:
    """Title, description, site name and image of a page, from its head; broken HTML gives what
    could be read of it."""
    parser = _HeadParser()
    try:
        parser.feed(html)
        parser.close()
    except _EndOfHead:
        pass
    except (AssertionError, ValueError):  # html.parser gives up on some malformed markup
        pass
    base = urljoin(base_url, parser.base_href) if parser.base_href else base_url
    return PageMetadata(
        title=clean_text(parser.first(TITLE_KEYS) or "".join(parser.title_parts), TITLE_MAX),
        description=clean_text(parser.first(DESCRIPTION_KEYS), DESCRIPTION_MAX),
        site_name=clean_text(parser.first(SITE_NAME_KEYS), SITE_NAME_MAX),
        image_url=_absolute_image_url(parser.first(IMAGE_KEYS), base),
    )
