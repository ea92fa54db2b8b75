"""A person's public activity as an Atom feed (E3), discovered from their profile."""

import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from perchoir.conversations import services
from perchoir.conversations.models import Message, Visibility
from perchoir.core.ratelimit import ratelimits_suspended
from tests.conversations.factories import ConversationFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


class LinkTags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        if tag == "link":
            self.links.append(dict(attrs))


def feed_of(client, handle):
    response = client.get(f"/@{handle}/feed/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    return ET.fromstring(response.content)  # noqa: S314 (our own feed, in a test)


@pytest.fixture
def ada():
    return UserFactory(handle="ada", display_name="Ada")


def start(person, visibility=Visibility.PUBLIC, title="Rivers"):
    with ratelimits_suspended():
        return services.conversation_start(
            starter=person, title=title, body="Hello there", visibility=visibility
        )


def post(person, conversation, body):
    with ratelimits_suspended():
        return services.message_post(author=person, conversation_id=conversation.pk, body=body)


def test_the_profile_lets_feed_readers_discover_the_feed(client, ada):
    parser = LinkTags()
    parser.feed(client.get("/@ada").text)
    alternates = [link for link in parser.links if link.get("rel") == "alternate"]
    assert alternates == [
        {
            "rel": "alternate",
            "type": "application/atom+xml",
            "title": "Public activity of Ada",
            "href": "/@ada/feed/",
        }
    ]


def test_the_feed_lists_public_conversations_started_and_messages_newest_first(client, ada):
    bob = UserFactory()
    rivers = start(ada, title="Rivers")
    cities = ConversationFactory(starter=bob, title="Cities", participants=[ada])
    post(ada, cities, "Paris has *bridges*")

    feed = feed_of(client, "ada")
    assert feed.findtext(f"{ATOM}title") == "Ada (@ada)"
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == "http://testserver/@ada/feed/"
    entries = feed.findall(f"{ATOM}entry")
    titles = [entry.findtext(f"{ATOM}title") for entry in entries]
    assert titles == [
        "In “Cities”: Paris has bridges",
        "In “Rivers”: Hello there",
        "Started a conversation: Rivers",
    ]
    assert entries[0].findtext(f"{ATOM}content").strip() == "<p>Paris has <em>bridges</em></p>"
    assert entries[2].find(f"{ATOM}link").get("href") == (
        f"http://testserver{rivers.get_absolute_url()}"
    )


def test_nothing_private_hidden_or_deleted_is_in_the_feed(client, ada):
    start(ada, Visibility.PRIVATE, title="Secret")
    start(ada, Visibility.UNLISTED, title="By the link")
    hidden = start(ada, title="Hidden")
    hidden.hidden_at = timezone.now()
    hidden.save(update_fields=["hidden_at"])
    public = start(ada, title="Open")
    deleted = post(ada, public, "Oops")
    Message.objects.filter(pk=deleted.pk).update(deleted_at=timezone.now())
    moderated = post(ada, public, "Rude")
    Message.objects.filter(pk=moderated.pk).update(hidden_at=timezone.now())

    titles = [e.findtext(f"{ATOM}title") for e in feed_of(client, "ada").findall(f"{ATOM}entry")]
    assert titles == ["In “Open”: Hello there", "Started a conversation: Open"]


def test_the_feed_needs_few_queries_however_active_the_person(
    client, ada, django_assert_max_num_queries
):
    conversation = start(ada)
    Message.objects.bulk_create(
        Message(conversation=conversation, author=ada, body=f"m{n}", body_html=f"<p>m{n}</p>")
        for n in range(80)
    )
    client.get("/")  # the site's settings row exists from the first visit on
    with django_assert_max_num_queries(5):
        entries = feed_of(client, "ada").findall(f"{ATOM}entry")
    assert len(entries) == 50


def test_nobody_has_a_feed_for_an_unknown_or_deactivated_person(client):
    assert client.get("/@nobody/feed/").status_code == 404
    UserFactory(handle="gone", is_active=False)
    assert client.get("/@gone/feed/").status_code == 404
