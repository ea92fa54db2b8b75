"""What a page says about itself, whatever its markup and its encoding."""

import pytest

from perchoir.core.errors import InvalidInput
from perchoir.links.addresses import url_normalise
from perchoir.links.parsing import html_decode, page_metadata_parse

BASE = "https://example.org/articles/one"


def parse(html: str, base: str = BASE):
    return page_metadata_parse(html, base_url=base)


def test_opengraph_tags_win_over_the_plain_ones():
    page = parse(
        """<html><head>
        <title>Plain title | Example</title>
        <meta name="description" content="Plain description">
        <meta property="og:title" content="The OpenGraph title">
        <meta property="og:description" content="The OpenGraph description">
        <meta property="og:site_name" content="Example Gazette">
        <meta property="og:image" content="/images/cover.png">
        </head><body><h1>Hello</h1></body></html>"""
    )
    assert page.title == "The OpenGraph title"
    assert page.description == "The OpenGraph description"
    assert page.site_name == "Example Gazette"
    assert page.image_url == "https://example.org/images/cover.png"


def test_twitter_card_tags_come_next():
    page = parse(
        """<title>Plain</title>
        <meta name="twitter:title" content="Card title">
        <meta name="twitter:description" content="Card description">
        <meta name="twitter:image" content="pics/card.jpg">"""
    )
    assert (page.title, page.description) == ("Card title", "Card description")
    assert page.image_url == "https://example.org/articles/pics/card.jpg"


def test_plain_title_and_description_are_the_fallback():
    page = parse(
        "<title>\n  A   plain &amp; simple\n  page </title>"
        '<meta name="Description" content="What it is about.">'
    )
    assert page.title == "A plain & simple page"
    assert page.description == "What it is about."
    assert page.site_name == ""
    assert page.image_url == ""


def test_a_title_inside_an_svg_icon_is_not_the_page_title():
    page = parse("<svg><title>Logo</title></svg><title>The page</title>")
    assert page.title == "The page"


def test_the_base_element_sets_where_relative_images_are():
    page = parse(
        '<base href="https://cdn.example.net/static/"><meta property="og:image" content="a.png">'
    )
    assert page.image_url == "https://cdn.example.net/static/a.png"


@pytest.mark.parametrize(
    "image",
    ["javascript:alert(1)", "data:image/png;base64,AAAA", "ftp://example.org/a.png", "   "],
)
def test_images_that_are_not_web_addresses_are_dropped(image):
    assert parse(f'<title>T</title><meta property="og:image" content="{image}">').image_url == ""


def test_tags_in_the_body_are_not_read():
    page = parse('<title>T</title><body><meta property="og:title" content="Injected by a comment">')
    assert page.title == "T"


def test_broken_markup_gives_what_can_be_read():
    page = parse(
        '<html><head><title>Still here<meta property="og:description" content="Broken <b>page">'
        "<<<>>> <!-- unclosed comment <div <p"
    )
    assert page.title.startswith("Still here")
    assert page.description == "Broken <b>page"


def test_nothing_at_all_gives_an_empty_result():
    assert parse("") == parse("\x00\x01 not html at all")


def test_long_texts_are_cut_with_an_ellipsis():
    page = parse(f'<title>{"word " * 200}</title><meta name="description" content="{"d" * 5000}">')
    assert len(page.title) == 300
    assert page.title.endswith("…")
    assert len(page.description) == 1000


def test_control_and_direction_override_characters_are_removed():
    page = parse("<title>Safe\u202etxt.exe\x07 title</title>")
    assert page.title == "Safetxt.exe title"


# --- Encodings ---------------------------------------------------------------------------------


def test_the_header_charset_decodes_a_latin_1_page():
    body = "<title>Café crème à l'été</title>".encode("latin-1")
    assert parse(html_decode(body, "ISO-8859-1")).title == "Café crème à l'été"


@pytest.mark.parametrize(
    "declaration",
    [
        '<meta charset="iso-8859-1">',
        '<meta http-equiv="Content-Type" content="text/html; charset=latin1">',
    ],
)
def test_the_page_declares_its_own_charset(declaration):
    body = f"<head>{declaration}<title>Noël</title>".encode("latin-1")
    assert parse(html_decode(body, None)).title == "Noël"


def test_the_header_wins_over_the_page():
    body = '<meta charset="iso-8859-1"><title>Noël</title>'.encode()
    assert parse(html_decode(body, "utf-8")).title == "Noël"


def test_undeclared_text_is_utf_8_when_it_can_be_and_windows_1252_otherwise():
    assert html_decode("Zoë".encode(), None) == "Zoë"
    text = "Zoë \u2013 \u201cquoted\u201d"  # dash and quotes exist in windows-1252, not Latin-1
    assert html_decode(text.encode("cp1252"), None) == text


def test_a_byte_order_mark_wins_and_unknown_charsets_are_ignored():
    assert html_decode("Été".encode("utf-8-sig"), "latin-1") == "Été"
    assert html_decode("Été".encode(), "x-unknown-charset") == "Été"


# --- Addresses ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("HTTPS://Example.ORG", "https://example.org/"),
        ("  http://example.org:80/a b?q=1 2#part ", "http://example.org/a%20b?q=1%202"),
        ("https://example.org:443/", "https://example.org/"),
        ("https://example.org:8443/x", "https://example.org:8443/x"),
        ("https://café.example/crème", "https://xn--caf-dma.example/cr%C3%A8me"),
        ("http://[::FFFF:7f00:1]:8080/", "http://[::ffff:7f00:1]:8080/"),
        ("https://example.org./", "https://example.org/"),
        ("https://example.org/already%20encoded", "https://example.org/already%20encoded"),
    ],
)
def test_addresses_are_stored_in_one_canonical_form(written, canonical):
    assert url_normalise(written) == canonical


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("", "Enter a web address."),
        ("example.org", "http:// or https://"),
        ("ftp://example.org/", "http:// or https://"),
        ("javascript:alert(1)", "http:// or https://"),
        ("http://", "Enter a web address such as"),
        ("http://exa mple.org/", "Enter a web address such as"),
        ("http://example.org:99999/", "Enter a web address such as"),
        ("http://user:pw@example.org/", "user name or password"),
        ("http://example.org/\n", None),
        ("http://example.org/a\nb", "Enter a web address such as"),
        ("https://example.org/" + "a" * 2000, "too long"),
    ],
)
def test_what_is_not_an_http_address_is_refused_with_a_reason(written, message):
    if message is None:  # surrounding whitespace is forgiven
        assert url_normalise(written) == "http://example.org/"
        return
    with pytest.raises(InvalidInput) as caught:
        url_normalise(written)
    assert message in str(caught.value.message)
    assert caught.value.fields["url"]
