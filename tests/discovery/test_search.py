"""Search as a person uses it: finds what they may see, never what they may not, on both engines.

The same tests run on SQLite (FTS5) and PostgreSQL (tsvector), whichever the suite uses.
"""

import io
from datetime import timedelta

import pytest
from django.utils import timezone

from perchoir.accounts.models import User
from perchoir.conversations import services
from perchoir.conversations.models import Conversation, Visibility
from perchoir.discovery.selectors import SearchQuery, search
from perchoir.moderation.models import Action, ActionKind
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def found(viewer, text, **filters):
    results = search(viewer=viewer, query=SearchQuery(text=text, **filters))
    return [(hit.kind, hit.found.url) for hit in results.hits]


def urls(viewer, text, **filters):
    return {url for _kind, url in found(viewer, text, **filters)}


@pytest.fixture
def ada():
    return UserFactory(handle="ada", display_name="Ada Lovelace", language="en")


@pytest.fixture
def camille():
    return UserFactory(handle="camille", display_name="Camille Claudel", language="fr")


@pytest.fixture
def anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


def start(starter, title, body, **kwargs):
    return services.conversation_start(starter=starter, title=title, body=body, **kwargs)


def first_message(conversation):
    return conversation.messages.order_by("id").first()


# --- Finding ------------------------------------------------------------------------------------


def test_a_word_of_a_public_message_finds_it_for_anyone(ada, anonymous):
    conversation = start(ada, "Engines", "The analytical engine weaves algebraic patterns.")
    message = first_message(conversation)
    assert ("message", message.get_absolute_url()) in found(anonymous, "algebraic")


def test_a_word_of_a_title_finds_the_conversation(ada, anonymous):
    conversation = start(ada, "Lighthouses of Brittany", "Which one would you visit?")
    assert ("conversation", conversation.get_absolute_url()) in found(anonymous, "lighthouses")


def test_english_stemming_finds_run_from_running(ada, anonymous):
    conversation = start(ada, "Mornings", "I run by the canal every day.")
    assert first_message(conversation).get_absolute_url() in urls(anonymous, "running")


def test_french_stemming_finds_riviere_from_rivieres(camille, anonymous):
    conversation = start(camille, "Promenades", "Nous marchons le long de la rivière chaque matin.")
    assert first_message(conversation).get_absolute_url() in urls(anonymous, "rivières")


def test_french_stemming_finds_a_verb_in_another_form(camille, anonymous):
    conversation = start(camille, "Chorale", "Elle a chanté dans la cathédrale avec nous.")
    assert first_message(conversation).get_absolute_url() in urls(anonymous, "chanter")


def test_every_word_must_match(ada, anonymous):
    start(ada, "Tea", "Green tea in the garden.")
    assert urls(anonymous, "green tea")
    assert not urls(anonymous, "green coffee")


def test_the_snippet_marks_the_words_found(ada, anonymous):
    start(ada, "Words", "Long ago, " + "filler " * 60 + "the word <b>orchid</b> appeared.")
    results = search(viewer=anonymous, query=SearchQuery(text="orchid", kind="message"))
    snippet = str(results.hits[0].snippet)
    assert "<mark>orchid</mark>" in snippet
    assert "&lt;b&gt;" not in snippet or "<b>" not in snippet  # escaped, never raw HTML
    assert snippet.startswith("…")


def test_an_edited_message_is_found_by_its_new_words_only(ada, anonymous):
    conversation = start(ada, "Plans", "We meet on Monday.")
    message = first_message(conversation)
    services.message_edit(
        author=ada,
        conversation_id=conversation.pk,
        message_id=message.pk,
        body="We meet on Friday.",
    )
    assert message.get_absolute_url() in urls(anonymous, "friday")
    assert message.get_absolute_url() not in urls(anonymous, "monday")


def test_a_renamed_conversation_is_found_by_its_new_title(ada, anonymous):
    conversation = start(ada, "Draft title", "Body text here.")
    services.conversation_settings_update(
        actor=ada,
        conversation_id=conversation.pk,
        title="Migrating birds",
        visibility=Visibility.PUBLIC,
        invite_policy=conversation.invite_policy,
    )
    assert conversation.get_absolute_url() in urls(anonymous, "birds")


def test_people_are_found_by_handle_or_name(ada, anonymous):
    results = search(viewer=anonymous, query=SearchQuery(text="lovelace"))
    assert [person.handle for person in results.people] == ["ada"]
    results = search(viewer=anonymous, query=SearchQuery(text="ada", kind="person"))
    assert [person.handle for person in results.people] == ["ada"]


# --- Filters ------------------------------------------------------------------------------------


def test_kind_filter_keeps_only_that_kind(ada, anonymous):
    start(ada, "Volcanoes", "Volcanoes sleep for centuries.")
    assert {kind for kind, _url in found(anonymous, "volcanoes")} == {"conversation", "message"}
    assert {kind for kind, _url in found(anonymous, "volcanoes", kind="message")} == {"message"}


def test_person_filter_keeps_only_their_writing(ada, camille, anonymous):
    start(ada, "Gardens", "Roses everywhere.")
    start(camille, "Jardins", "Des roses partout.")
    hits = found(anonymous, "roses", person="@camille")
    assert hits
    assert all("Jardins" for _ in hits)
    assert {url for _kind, url in hits} == urls(anonymous, "roses", person="camille")
    for kind, _url in hits:
        assert kind == "message"
    assert len(hits) == 1


def test_an_unknown_person_is_a_clear_error(anonymous, ada):
    from perchoir.core.errors import InvalidInput

    with pytest.raises(InvalidInput) as error:
        search(viewer=anonymous, query=SearchQuery(text="x", person="nobody_here"))
    assert "nobody_here" in str(error.value.fields["person"])


def test_date_range_filter(ada, anonymous):
    conversation = start(ada, "Old", "Ancient comets returned.")
    Conversation.objects.filter(pk=conversation.pk)
    from perchoir.discovery.models import SearchDocument

    SearchDocument.objects.filter(kind="message").update(
        created_at=timezone.now() - timedelta(days=30)
    )
    today = timezone.localdate()
    assert not found(anonymous, "comets", kind="message", since=today - timedelta(days=1))
    assert found(anonymous, "comets", kind="message", until=today - timedelta(days=20))


def test_a_period_ending_before_it_starts_is_a_clear_error(anonymous):
    from perchoir.core.errors import InvalidInput

    today = timezone.localdate()
    with pytest.raises(InvalidInput):
        search(
            viewer=anonymous,
            query=SearchQuery(text="x", since=today, until=today - timedelta(days=1)),
        )


# --- Visibility ---------------------------------------------------------------------------------


def test_private_conversations_are_found_only_by_their_participants(ada, anonymous):
    bob = UserFactory()
    outsider = UserFactory()
    conversation = start(
        ada, "Secret recipes", "The saffron risotto.", visibility=Visibility.PRIVATE, invitees=[]
    )
    services.conversation_invite(
        inviter=ada, conversation_id=conversation.pk, addresses=[f"@{bob.handle}"]
    )
    services.invitation_accept(user=bob, conversation_id=conversation.pk)
    for viewer in (anonymous, outsider):
        assert not found(viewer, "saffron")
        assert not found(viewer, "recipes")
    assert found(ada, "saffron")
    assert found(bob, "saffron")


def test_unlisted_conversations_are_not_found_by_outsiders(ada, anonymous):
    start(ada, "Link only", "Marmalade talk.", visibility=Visibility.UNLISTED)
    assert not found(anonymous, "marmalade")
    assert found(ada, "marmalade")


def test_messages_hidden_by_moderators_are_not_found(ada, anonymous):
    conversation = start(ada, "Topic", "Offensive gibberish.")
    first_message(conversation).__class__.objects.filter(conversation=conversation).update(
        hidden_at=timezone.now()
    )
    assert not found(anonymous, "gibberish")
    assert not found(ada, "gibberish")


def test_conversations_hidden_by_moderators_are_not_found(ada, anonymous):
    conversation = start(ada, "Hidden quarrel", "Quarrel continues.")
    Conversation.objects.filter(pk=conversation.pk).update(hidden_at=timezone.now())
    assert not found(anonymous, "quarrel")


def test_deleted_messages_are_not_found(ada, anonymous):
    conversation = start(ada, "Oops", "Tangerine typo.")
    message = first_message(conversation)
    services.message_delete(author=ada, conversation_id=conversation.pk, message_id=message.pk)
    assert not found(anonymous, "tangerine")


def test_deactivated_people_and_their_writing_are_not_found(ada, anonymous):
    start(ada, "Farewell", "Gooseberry goodbye.")
    User.objects.filter(pk=ada.pk).update(is_active=False)
    assert not found(anonymous, "gooseberry")
    assert not search(viewer=anonymous, query=SearchQuery(text="lovelace")).people


@pytest.mark.parametrize("until_delta", [None, timedelta(days=3)])
def test_suspended_people_and_their_writing_are_not_found(ada, anonymous, until_delta):
    start(ada, "Suspended", "Pomegranate seeds.")
    Action.objects.create(
        kind=ActionKind.SUSPEND,
        subject=ada,
        target_kind="person",
        target_id=ada.pk,
        reason="r",
        until=timezone.now() + until_delta if until_delta else None,
    )
    # An unrelated action without a subject must not hide everyone.
    Action.objects.create(kind=ActionKind.NOTE, target_kind="message", target_id=1, reason="n")
    assert not found(anonymous, "pomegranate")
    assert not search(viewer=anonymous, query=SearchQuery(text="lovelace")).people
    other = UserFactory()
    start(other, "Still here", "Pomegranate juice.")
    assert found(anonymous, "pomegranate")


def test_a_reversed_suspension_makes_them_findable_again(ada, anonymous):
    start(ada, "Back", "Quince jelly.")
    Action.objects.create(
        kind=ActionKind.SUSPEND,
        subject=ada,
        target_kind="person",
        target_id=ada.pk,
        reason="r",
        reversed_at=timezone.now(),
    )
    assert found(anonymous, "quince")


# --- Hostile input ------------------------------------------------------------------------------

HOSTILE = [
    '"',
    '"unbalanced',
    "'; DROP TABLE x; --",
    "AND",
    "OR OR OR",
    "NOT",
    "NEAR(a b, 2)",
    "a NEAR b",
    "*",
    "pref*",
    "^start",
    "title:engine",
    "body : x",
    "((((",
    "))",
    "(a OR (b",
    "a & b | !c",
    "<->",
    "{title body}: x",
    "-minus +plus",
    "\\",
    "\x00",
    "é" * 200,
    "x" * 10_000,
    "word " * 2_000,
    "🦜 perroquet",
    "   ",
    "",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_never_errors(ada, anonymous, text):
    start(ada, "Engine", "An engine NEAR the river AND a bridge.")
    results = search(viewer=anonymous, query=SearchQuery(text=text))
    assert isinstance(results.hits, list)


def test_operators_are_words_not_syntax(ada, anonymous):
    start(ada, "Logic", "Cats and dogs.")
    # NOT would exclude the message if it were an operator; here it is a common word, ignored.
    assert found(anonymous, "cats NOT dogs")
    assert found(anonymous, "cats AND dogs")
    assert found(anonymous, "cats OR")
    assert not found(anonymous, "cats OR birds")  # every word must match, OR is no operator


# --- Engines ------------------------------------------------------------------------------------


def test_the_engine_index_exists_for_the_database_in_use():
    from django.db import connection

    from perchoir.discovery.backends import PostgresBackend, SqliteBackend, search_backend

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            assert isinstance(search_backend(), PostgresBackend)
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'discovery_search_vector_gin'"
            )
            assert "gin" in cursor.fetchone()[0].lower()
        else:
            assert isinstance(search_backend(), SqliteBackend)
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'discovery_search_fts'")
            assert "fts5" in cursor.fetchone()[0].lower()


def test_the_french_language_is_detected_from_the_text_or_the_author(ada, camille):
    from perchoir.discovery.models import SearchDocument

    french = start(ada, "Notes", "Nous sommes dans la rivière avec les amis.")
    english = start(camille, "Notes", "We are in the river with the friends.")
    plain = start(camille, "Xyz", "Rivière.")
    language = {d.object_id: d.language for d in SearchDocument.objects.filter(kind="message")}
    assert language[first_message(french).pk] == "french"
    assert language[first_message(english).pk] == "english"
    assert language[first_message(plain).pk] == "french"  # unclear: the author's language


def test_reindexing_rebuilds_the_index(ada, anonymous):
    from django.core.management import call_command

    from perchoir.discovery.models import SearchDocument

    start(ada, "Rebuilt", "Cardamom buns.")
    SearchDocument.objects.all().delete()
    assert not found(anonymous, "cardamom")
    call_command("search_reindex", stdout=io.StringIO())
    assert found(anonymous, "cardamom")
