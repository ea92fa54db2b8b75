"""The search page and GET /api/v1/search as people and programs use them."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from perchoir.collections import services as collections
from perchoir.collections.models import ItemKind
from perchoir.collections.models import Visibility as CollectionVisibility
from perchoir.collections.services import ItemFields
from perchoir.conversations import services
from perchoir.conversations.models import Visibility
from perchoir.core.ratelimit import ratelimits_suspended
from perchoir.discovery import selectors
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada():
    return UserFactory(handle="ada", display_name="Ada Lovelace")


def post_many(author, conversation, bodies):
    with ratelimits_suspended():
        for body in bodies:
            services.message_post(author=author, conversation_id=conversation.pk, body=body)


def start(starter, title, body, **kwargs):
    return services.conversation_start(starter=starter, title=title, body=body, **kwargs)


def test_the_header_has_a_search_box_on_every_page(client):
    response = client.get("/")
    assert 'role="search"' in response.text
    assert 'action="/search/"' in response.text


def test_the_search_page_without_a_query_shows_the_form(client):
    response = client.get("/search/")
    assert response.status_code == 200
    assert 'name="q"' in response.text
    assert "Results" not in response.text


def test_an_empty_query_says_what_to_do(client):
    response = client.get("/search/", {"q": "  "})
    assert response.status_code == 200
    assert "Type a few words to search" in response.text


def test_nothing_found_says_so(client, ada):
    response = client.get("/search/", {"q": "zeppelin"})
    assert "Nothing found" in response.text


def test_results_link_to_what_was_found_with_the_words_marked(client, ada):
    conversation = start(ada, "Harbours", "Fishing boats leave the harbour at dawn.")
    message = conversation.messages.get()
    response = client.get("/search/", {"q": "boats"})
    assert response.status_code == 200
    assert message.get_absolute_url() in response.text
    assert "<mark>boats</mark>" in response.text
    assert "In “Harbours”" in response.text


def test_a_private_conversation_is_absent_from_the_page(client, ada):
    start(ada, "Private plans", "Surprise party.", visibility=Visibility.PRIVATE)
    response = client.get("/search/", {"q": "surprise"})
    assert "Surprise party" not in response.text
    assert "Nothing found" in response.text
    mine = Client()
    mine.force_login(ada)
    assert "<mark>Surprise</mark> party" in mine.get("/search/", {"q": "surprise"}).text


def test_a_bad_filter_is_a_clear_error_on_the_page(client, ada):
    response = client.get("/search/", {"q": "x", "person": "nobody_here"})
    assert response.status_code == 200
    assert "Nobody here goes by @nobody_here." in response.text
    response = client.get("/search/", {"q": "x", "since": "not a date"})
    assert "Enter a valid date." in response.text
    response = client.get("/search/", {"q": "x", "kind": "spaceships"})
    assert "Select a valid choice" in response.text


@pytest.mark.parametrize(
    "text", ['"', "NEAR(", "a OR", "((", "*", "x" * 10_001, "title:x", "^x", "NOT"]
)
def test_hostile_queries_never_fail_the_page(client, ada, text):
    start(ada, "Something", "Some words.")
    response = client.get("/search/", {"q": text})
    assert response.status_code == 200


def test_pages_of_results_work_without_javascript(client, ada):
    conversation = start(ada, "Parrots", "Parrot one.")
    post_many(ada, conversation, [f"Parrot {n}." for n in range(25)])
    first = client.get("/search/", {"q": "parrot", "kind": "message"})
    assert "Page 1 of 2" in first.text
    assert "kind=message&amp;page=2" in first.text
    second = client.get("/search/", {"q": "parrot", "kind": "message", "page": "2"})
    assert "Page 2 of 2" in second.text
    assert second.text.count('class="search-hit"') == 6


def data_queries(context) -> list[str]:
    """The queries of the page itself: not the rate limits' counters in the database cache
    (Redis in production), nor savepoints."""
    return [
        q["sql"]
        for q in context.captured_queries
        if "perchoir_cache" not in q["sql"] and "SAVEPOINT" not in q["sql"]
    ]


@pytest.mark.parametrize("count", [2, 30])
def test_the_search_page_needs_few_queries_however_many_results(ada, count):
    conversation = start(ada, "Kites", "Kites fly.")
    post_many(ada, conversation, [f"Kite {n}." for n in range(count)])
    client = Client()
    client.force_login(UserFactory())
    client.get("/search/", {"q": "warm up"})
    with CaptureQueriesContext(connection) as context:
        response = client.get("/search/", {"q": "kites"})
    assert response.status_code == 200
    assert "<mark>Kites</mark>" in response.text
    # Session, person, people, count, page, conversations, messages, notifications badge...
    assert len(data_queries(context)) <= 10, "\n".join(data_queries(context))


def fill_every_kind(author, numbers):
    """A conversation, a message, a collection, an item and a person for each number, that all
    match the word "lantern"."""
    with ratelimits_suspended():
        for n in numbers:
            UserFactory(handle=f"lantern{n}", display_name=f"Lantern keeper {n}")
            conversation = start(author, f"Lantern talk {n}", f"Lantern message {n}.")
            collection = collections.collection_create(
                owner=author,
                title=f"Lantern shelf {n}",
                description="",
                visibility=CollectionVisibility.PUBLIC,
            )
            collections.item_add(
                actor=author,
                collection_id=collection.pk,
                kind=ItemKind.ARTICLE,
                fields=ItemFields(title=f"Lantern article {n}", body="Lantern words."),
                publish=True,
            )
            post_many(author, conversation, [f"Another lantern {n}."])


def page_queries(client) -> tuple[list[str], str]:
    client.get("/search/", {"q": "warm up"})
    with CaptureQueriesContext(connection) as context:
        response = client.get("/search/", {"q": "lantern"})
    assert response.status_code == 200
    return data_queries(context), response.text


@pytest.mark.parametrize("signed", [False, True])
def test_the_search_page_needs_no_more_queries_for_more_results_of_every_kind(ada, signed):
    client = Client()
    if signed:
        client.force_login(UserFactory())
    fill_every_kind(ada, range(1))
    few, text = page_queries(client)
    for label in ("Conversation", "Message", "Collection", "Item", "@lantern0"):
        assert label in text
    fill_every_kind(ada, range(1, 7))
    many, text = page_queries(client)
    assert text.count('class="search-hit"') == selectors.PAGE_SIZE
    # Every kind was on the first page; the ranking may leave one out of the full page.
    assert len(many) <= len(few), "\n".join(many)
    # People, the engine, the visibility check, the snippets' text, one load per kind (two for
    # items: where each leads), the site settings; and when signed in, the session, the person
    # and their notifications badge.
    assert len(few) <= (13 if signed else 10), "\n".join(few)


# --- API ----------------------------------------------------------------------------------------


def test_the_api_searches_like_the_page(client, ada):
    conversation = start(ada, "Harbours", "Fishing boats leave the harbour at dawn.")
    response = client.get("/api/v1/search", {"q": "boats"})
    assert response.status_code == 200
    body = response.json()
    assert body["terms"] == ["boats"]
    [hit] = body["results"]
    assert hit["kind"] == "message"
    assert hit["url"].endswith(conversation.messages.get().get_absolute_url())
    assert "<mark>boats</mark>" in hit["snippet_html"]
    assert hit["author"]["handle"] == "ada"


def test_the_api_finds_people(client, ada):
    body = client.get("/api/v1/search", {"q": "lovelace", "kind": "person"}).json()
    assert [p["handle"] for p in body["people"]] == ["ada"]


def test_the_api_pages_with_next_links(client, ada):
    conversation = start(ada, "Parrots", "Parrot one.")
    post_many(ada, conversation, [f"Parrot {n}." for n in range(25)])
    body = client.get("/api/v1/search", {"q": "parrot", "kind": "message"}).json()
    assert body["count"] == 26
    assert body["pages"] == 2
    assert body["previous"] is None
    second = client.get(body["next"]).json()
    assert len(second["results"]) == 6
    assert second["next"] is None


def test_the_api_answers_bad_filters_with_a_clear_error(client, ada):
    response = client.get("/api/v1/search", {"q": "x", "person": "nobody_here"})
    assert response.status_code == 400
    assert "nobody_here" in response.json()["error"]["fields"]["person"][0]
    response = client.get("/api/v1/search", {"q": "x", "kind": "spaceships"})
    assert response.status_code == 400
    response = client.get("/api/v1/search", {"q": "x", "since": "yesterday"})
    assert response.status_code == 400


@pytest.mark.parametrize("text", ['"', "NEAR(a b)", "((", "*", "x" * 10_000, "a:b"])
def test_the_api_never_fails_on_hostile_queries(client, ada, text):
    start(ada, "Something", "Some words.")
    assert client.get("/api/v1/search", {"q": text}).status_code == 200


def test_the_api_hides_private_conversations_from_outsiders(client, ada):
    start(ada, "Private plans", "Surprise party.", visibility=Visibility.PRIVATE)
    assert client.get("/api/v1/search", {"q": "surprise"}).json()["results"] == []


# --- The ranked window (selectors._ranked_page) -------------------------------------------------


@pytest.fixture
def small_window(monkeypatch):
    """A window of exactly one page and one result, so that a few messages overflow it."""
    monkeypatch.setattr(selectors, "CANDIDATES", 1)
    monkeypatch.setattr(selectors, "WINDOW_FACTOR", 1)


def test_more_results_than_the_window_page_on_without_a_total(client, ada, small_window):
    conversation = start(ada, "Parrots", "Parrot one.")
    post_many(ada, conversation, [f"Parrot {n}." for n in range(25)])
    first = client.get("/search/", {"q": "parrot", "kind": "message"})
    assert first.text.count('class="search-hit"') == 20
    assert "Page 1" in first.text
    assert "Page 1 of" not in first.text
    assert "kind=message&amp;page=2" in first.text
    second = client.get("/search/", {"q": "parrot", "kind": "message", "page": "2"})
    assert "Page 2 of 2" in second.text
    assert second.text.count('class="search-hit"') == 6
    body = client.get("/api/v1/search", {"q": "parrot", "kind": "message"}).json()
    assert body["count_exact"] is False
    assert body["next"] is not None
    last = client.get(body["next"]).json()
    assert last["count_exact"] is True
    assert last["count"] == 26
    found = {hit["url"] for hit in body["results"]} | {hit["url"] for hit in last["results"]}
    assert len(found) == 26


def test_a_window_of_things_the_searcher_may_not_see_hides_nothing_it_may(
    client, ada, small_window
):
    public = start(ada, "Parrots", "Parrot one.")
    post_many(ada, public, [f"Parrot {n}." for n in range(4)])
    private = start(ada, "Secret parrots", "Parrot secret.", visibility=Visibility.PRIVATE)
    # More than the window holds: it cannot fill a page with what the searcher may see.
    post_many(ada, private, [f"Parrot secret {n}." for n in range(30)])
    body = client.get("/api/v1/search", {"q": "parrot", "kind": "message"}).json()
    assert body["count"] == 5
    assert body["count_exact"] is True
    assert all("secret" not in hit["snippet_html"].lower() for hit in body["results"])
    assert len(body["results"]) == 5


def test_more_matches_than_the_newest_ranked_are_not_counted_exactly(client, ada, monkeypatch):
    monkeypatch.setattr(selectors, "RECENT_MATCHES", 3)
    conversation = start(ada, "Parrots", "Parrot parrot parrot parrot, the best match.")
    post_many(ada, conversation, [f"Parrot {n}." for n in range(4)])
    body = client.get("/api/v1/search", {"q": "parrot", "kind": "message"}).json()
    assert body["count_exact"] is False
    assert len(body["results"]) == 3
    assert all("best match" not in hit["snippet_html"] for hit in body["results"])
    page = client.get("/search/", {"q": "parrot", "kind": "message"})
    assert page.text.count('class="search-hit"') == 3
