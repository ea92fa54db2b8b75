"""Conversations on other sites (B12): the page to frame, oEmbed, the Atom feed."""

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from perchoir.conversations import services
from perchoir.conversations.models import Message, Participant, Visibility
from tests.core.pages import INLINE_SCRIPT, STYLE_ATTRIBUTE, STYLE_ELEMENT
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def ada():
    return UserFactory(display_name="Ada Lovelace", handle="ada")


@pytest.fixture
def bob(conversation):
    bob = UserFactory(display_name="Bob Marley", handle="bob")
    Participant.objects.create(conversation=conversation, user=bob)
    return bob


@pytest.fixture
def conversation(ada):
    return services.conversation_start(
        starter=ada, title="Cities and rivers", body="Which city has the most *beautiful* river?"
    )


def start(ada, visibility, title="Elsewhere"):
    return services.conversation_start(
        starter=ada, title=title, body="Hello there", visibility=visibility
    )


def url(name, *args):
    return reverse(f"conversations:{name}", args=args)


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def add_messages(conversation, author, count):
    Message.objects.bulk_create(
        Message(
            conversation=conversation, author=author, body=f"m{n}", body_html=f"<p>number {n}</p>"
        )
        for n in range(count)
    )


def shown_messages(html):
    return re.findall(r'<li class="embed-message[^"]*" id="m-(\d+)"', html)


# --- The page to frame --------------------------------------------------------------------------


def test_the_embed_is_a_compact_page_of_its_own(client, conversation):
    response = client.get(url("embed", conversation.pk))
    assert response.status_code == 200
    html = response.text
    assert "Cities and rivers" in html
    assert "Which city has the most <em>beautiful</em> river?" in html
    assert "Ada Lovelace" in html
    # No site header or footer, its own stylesheet only, nothing a strict CSP would block.
    assert 'class="site-header"' not in html
    assert 'class="site-footer"' not in html
    assert "perchoir/css/embed.css" in html
    assert "perchoir/css/perchoir.css" not in html
    assert not INLINE_SCRIPT.search(html)
    assert not STYLE_ATTRIBUTE.search(html)
    assert not STYLE_ELEMENT.search(html)
    assert "<script" not in html


def test_the_embed_links_to_the_whole_conversation_in_a_new_tab(client, conversation):
    html = client.get(url("embed", conversation.pk)).text
    link = re.search(r'<a class="embed__more" href="([^"]+)" target="_blank" rel="noopener">', html)
    assert link is not None
    assert link.group(1) == conversation.get_absolute_url()
    assert "Read the whole conversation on Perchoir" in html
    # Every other link (authors, times, mentions) leaves the frame too.
    assert '<base target="_blank">' in html


def test_the_embed_shows_the_latest_messages_or_as_many_as_asked(client, conversation, bob):
    add_messages(conversation, bob, 30)
    latest = list(conversation.messages.order_by("-id").values_list("id", flat=True))
    html = client.get(url("embed", conversation.pk)).text
    assert shown_messages(html) == [str(pk) for pk in reversed(latest[:10])]
    assert "Earlier messages" in html

    html = client.get(url("embed", conversation.pk) + "?limit=3").text
    assert shown_messages(html) == [str(pk) for pk in reversed(latest[:3])]

    html = client.get(url("embed", conversation.pk) + "?limit=1000").text
    assert len(shown_messages(html)) == 31  # everything, since it is under the cap of 50


def test_a_message_embed_starts_with_that_message(client, conversation, bob):
    add_messages(conversation, bob, 20)
    target = conversation.messages.order_by("id")[5]
    html = client.get(url("embed", conversation.pk) + f"?message={target.pk}&limit=4").text
    shown = shown_messages(html)
    assert shown[0] == str(target.pk)
    assert len(shown) == 4
    assert f'embed-message--focused" id="m-{target.pk}"' in html


def test_a_message_of_another_conversation_is_not_embedded(client, conversation, ada):
    other = start(ada, Visibility.PUBLIC)
    message = other.messages.get()
    response = client.get(url("embed", conversation.pk) + f"?message={message.pk}")
    assert response.status_code == 404


def test_deleted_messages_and_replies_read_as_on_the_site(client, conversation, ada, bob):
    first = conversation.messages.get()
    reply = services.message_post(
        author=bob,
        conversation_id=conversation.pk,
        body="The Danube, in Budapest",
        reply_to_id=first.pk,
        quoted_passage="most beautiful river",
    )
    gone = services.message_post(author=bob, conversation_id=conversation.pk, body="Secret words")
    services.message_delete(author=bob, conversation_id=conversation.pk, message_id=gone.pk)
    html = client.get(url("embed", conversation.pk)).text
    assert "In reply to Ada Lovelace" in html
    assert "most beautiful river" in html
    assert "The Danube, in Budapest" in html
    assert "This message was deleted by its author." in html
    assert "Secret words" not in html
    assert str(reply.pk) in shown_messages(html)


def test_unlisted_and_locked_conversations_embed(client, ada):
    unlisted = start(ada, Visibility.UNLISTED, title="By the link")
    assert "By the link" in client.get(url("embed", unlisted.pk)).text
    services.conversation_lock(actor=ada, conversation_id=unlisted.pk, locked=True, reason="Done")
    response = client.get(url("embed", unlisted.pk))
    assert response.status_code == 200
    assert "Locked" in response.text


def test_a_private_conversation_has_no_embed_even_for_its_participants(client, ada):
    private = start(ada, Visibility.PRIVATE, title="Just us")
    for reader in (client, signed_in(ada)):
        response = reader.get(url("embed", private.pk))
        assert response.status_code == 404
        assert "Just us" not in response.text
        assert "Hello there" not in response.text
    assert client.get(url("embed", 999_999)).status_code == 404


def test_only_the_embed_may_be_framed_by_other_sites(client, conversation, ada):
    embed = client.get(url("embed", conversation.pk))
    assert "X-Frame-Options" not in embed.headers
    policy = embed.headers["Content-Security-Policy"]
    assert "frame-ancestors *" in policy
    # Otherwise as strict as every page.
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    # A missing conversation answers inside the frame, framable too.
    private = start(ada, Visibility.PRIVATE)
    missing = client.get(url("embed", private.pk))
    assert missing.status_code == 404
    assert "X-Frame-Options" not in missing.headers
    assert "frame-ancestors *" in missing.headers["Content-Security-Policy"]

    for page in (conversation.get_absolute_url(), url("list"), "/"):
        response = client.get(page)
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("count", [5, 300])
def test_the_embed_needs_few_queries_however_long_the_conversation(
    client, conversation, bob, count, django_assert_max_num_queries
):
    add_messages(conversation, bob, count)
    client.get("/")  # the site's settings row exists from the first visit on
    with django_assert_max_num_queries(4):
        response = client.get(url("embed", conversation.pk) + "?limit=50")
    assert len(shown_messages(response.text)) == min(count + 1, 50)


# --- oEmbed -------------------------------------------------------------------------------------


def oembed(client, target, **params):
    return client.get(url("oembed"), {"url": target, **params})


def test_oembed_describes_a_conversation_as_a_rich_embed(client, conversation):
    response = oembed(client, "http://testserver" + conversation.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    embed = f"http://testserver{url('embed', conversation.pk)}"
    assert data == {
        "version": "1.0",
        "type": "rich",
        "title": "Cities and rivers",
        "author_name": "Ada Lovelace",
        "author_url": "http://testserver/@ada",
        "provider_name": "Perchoir",
        "provider_url": "http://testserver/",
        "html": (
            f'<iframe src="{embed}" width="560" height="600" title="Cities and rivers" '
            'loading="lazy"></iframe>'
        ),
        "width": 560,
        "height": 600,
    }
    # The frame it describes is there.
    assert client.get(urlsplit(embed).path).status_code == 200


def test_oembed_honours_maxwidth_and_maxheight(client, conversation):
    data = oembed(
        client, "http://testserver" + conversation.get_absolute_url(), maxwidth=320, maxheight=200
    ).json()
    assert (data["width"], data["height"]) == (320, 200)
    assert 'width="320" height="200"' in data["html"]
    # Larger bounds leave the usual size.
    data = oembed(client, "http://testserver" + conversation.get_absolute_url(), maxwidth=2000)
    assert data.json()["width"] == 560


def test_oembed_of_a_message_frames_that_message(client, conversation, bob):
    message = services.message_post(author=bob, conversation_id=conversation.pk, body="Hi")
    data = oembed(client, "http://testserver" + message.get_absolute_url()).json()
    assert data["author_name"] == "Bob Marley"
    assert data["title"] == "Cities and rivers"
    assert f"{url('embed', conversation.pk)}?message={message.pk}" in data["html"]


def test_oembed_escapes_the_title(client, ada):
    tricky = start(ada, Visibility.PUBLIC, title='Quotes " and <tags>')
    html = oembed(client, "http://testserver" + tricky.get_absolute_url()).json()["html"]
    assert 'title="Quotes &quot; and &lt;tags&gt;"' in html


@pytest.mark.parametrize(
    "target",
    [
        "https://elsewhere.example/c/{pk}/",  # another site
        "https://testserver/c/{pk}/",  # another scheme than SITE_URL's
        "http://testserver/@ada",  # of this site, but not a conversation
        "http://testserver/c/999999/",  # no such conversation
        "http://testserver/no/such/page/",
        "http://[::1",  # not an address
        "/c/{pk}/",  # not absolute
    ],
)
def test_oembed_answers_404_for_anything_but_a_conversation_here(client, conversation, target):
    response = oembed(client, target.format(pk=conversation.pk))
    assert response.status_code == 404


def test_oembed_of_a_private_conversation_or_its_messages_is_404(client, ada):
    private = start(ada, Visibility.PRIVATE)
    message = private.messages.get()
    for target in (private.get_absolute_url(), message.get_absolute_url()):
        assert oembed(client, "http://testserver" + target).status_code == 404
        assert oembed(signed_in(ada), "http://testserver" + target).status_code == 404


def test_oembed_speaks_json_only(client, conversation):
    target = "http://testserver" + conversation.get_absolute_url()
    assert oembed(client, target, format="xml").status_code == 501
    assert oembed(client, target, format="json").status_code == 200
    assert client.get(url("oembed")).status_code == 400  # no url at all


class LinkTags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        if tag == "link":
            self.links.append(dict(attrs))


def alternates(html):
    parser = LinkTags()
    parser.feed(html)
    return {link["type"]: link["href"] for link in parser.links if link.get("rel") == "alternate"}


def test_a_conversation_page_lets_consumers_discover_oembed_and_the_feed(client, conversation):
    links = alternates(client.get(conversation.get_absolute_url()).text)
    discovered = client.get(links["application/json+oembed"])
    assert discovered.status_code == 200
    assert discovered.json()["title"] == "Cities and rivers"
    feed = client.get(links["application/atom+xml"])
    assert feed.status_code == 200
    assert feed["Content-Type"].startswith("application/atom+xml")


def test_a_private_conversation_page_announces_neither(ada):
    private = start(ada, Visibility.PRIVATE)
    links = alternates(signed_in(ada).get(private.get_absolute_url()).text)
    assert "application/json+oembed" not in links
    assert "application/atom+xml" not in links


# --- The Atom feed ------------------------------------------------------------------------------


def parse_atom(content):
    return ET.fromstring(content)  # noqa: S314 (our own feed, in a test)


def feed_of(client, conversation):
    response = client.get(url("feed", conversation.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    return parse_atom(response.content)


def test_the_feed_is_atom_with_the_latest_messages_newest_first(client, conversation, bob):
    add_messages(conversation, bob, 60)
    feed = feed_of(client, conversation)
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}title") == "Cities and rivers"
    assert feed.find(f"{ATOM}id").text
    assert feed.find(f"{ATOM}updated").text
    self_link = feed.find(f"{ATOM}link[@rel='self']").get("href")
    assert self_link == f"http://testserver{url('feed', conversation.pk)}"

    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 50
    latest = list(conversation.messages.order_by("-id")[:50])
    links = [entry.find(f"{ATOM}link[@rel='alternate']").get("href") for entry in entries]
    assert links == ["http://testserver" + message.get_absolute_url() for message in latest]
    for entry in entries:
        assert entry.findtext(f"{ATOM}author/{ATOM}name") == "Bob Marley"
        assert entry.findtext(f"{ATOM}id")
        assert entry.findtext(f"{ATOM}updated")
        assert entry.findtext(f"{ATOM}title").startswith("Bob Marley: number")
    assert entries[0].find(f"{ATOM}content").text == "<p>number 59</p>"
    assert entries[0].find(f"{ATOM}content").get("type") == "html"


def test_a_deleted_message_is_a_tombstone_without_its_text(client, conversation, bob):
    kept = services.message_post(author=bob, conversation_id=conversation.pk, body="**Kept**")
    gone = services.message_post(author=bob, conversation_id=conversation.pk, body="Secret words")
    services.message_delete(author=bob, conversation_id=conversation.pk, message_id=gone.pk)
    response = client.get(url("feed", conversation.pk))
    assert b"Secret words" not in response.content
    tombstone, survivor, *_rest = parse_atom(response.content).findall(f"{ATOM}entry")
    assert tombstone.find(f"{ATOM}content") is None
    assert tombstone.find(f"{ATOM}summary") is None
    assert tombstone.findtext(f"{ATOM}title") == "This message was deleted by its author."
    assert tombstone.findtext(f"{ATOM}author/{ATOM}name") == "Bob Marley"
    assert survivor.find(f"{ATOM}content").text == kept.body_html


def test_an_edited_message_is_updated_after_it_was_published(client, conversation, bob):
    message = services.message_post(author=bob, conversation_id=conversation.pk, body="Frist")
    services.message_edit(
        author=bob, conversation_id=conversation.pk, message_id=message.pk, body="First"
    )
    entry = feed_of(client, conversation).find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}content").text.strip() == "<p>First</p>"
    assert entry.findtext(f"{ATOM}updated") > entry.findtext(f"{ATOM}published")


def test_unlisted_conversations_have_a_feed_and_private_ones_do_not(client, ada):
    unlisted = start(ada, Visibility.UNLISTED, title="By the link")
    assert feed_of(client, unlisted).findtext(f"{ATOM}title") == "By the link"
    private = start(ada, Visibility.PRIVATE)
    assert client.get(url("feed", private.pk)).status_code == 404
    assert signed_in(ada).get(url("feed", private.pk)).status_code == 404


@pytest.mark.parametrize("count", [5, 300])
def test_the_feed_needs_few_queries_however_long_the_conversation(
    client, conversation, bob, count, django_assert_max_num_queries
):
    add_messages(conversation, bob, count)
    client.get("/")  # the site's settings row exists from the first visit on
    with django_assert_max_num_queries(5):
        entries = feed_of(client, conversation).findall(f"{ATOM}entry")
    assert len(entries) == min(count + 1, 50)
