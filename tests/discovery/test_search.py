"""Search as a person uses it: finds what they may see, never what they may not, on both engines.

The same tests run on SQLite (FTS5) and PostgreSQL (tsvector), whichever the suite uses.
"""

import io
import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from perchoir.accounts.models import Role, User
from perchoir.conversations import services
from perchoir.conversations.models import Conversation, Visibility
from perchoir.discovery import prepared
from perchoir.discovery import text as search_text
from perchoir.discovery.registry import search_kinds
from perchoir.discovery.selectors import SearchQuery, search
from perchoir.discovery.visibility import people_findable_by
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


def test_a_snippet_shows_forty_words_around_the_first_match_of_a_long_text():
    words = [f"w{n}" for n in range(5000)]
    words[3000] = "Orchid"
    # As a browser shows it: white space collapsed.
    shown = " ".join(str(search_text.snippet(" ".join(words) + ".", ["orchids"])).split())
    assert (
        shown == "… " + " ".join(words[2990:3030]).replace("Orchid", "<mark>Orchid</mark>") + " …"
    )


def test_a_snippet_of_a_short_text_or_without_a_match_starts_at_the_beginning():
    assert str(search_text.snippet("<p> A rose & an orchid.", ["orchid"])) == (
        "&lt;p&gt; A rose &amp; an <mark>orchid</mark>."
    )
    many = " ".join(f"w{n}" for n in range(100))
    assert str(search_text.snippet(many, ["absent"])) == " ".join(f"w{n}" for n in range(40)) + " …"
    assert str(search_text.snippet("", ["orchid"])) == ""


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


def test_a_suspension_that_just_ended_no_longer_hides_them_from_visitors(ada, anonymous):
    start(ada, "Ended", "Medlar tart.")
    assert found(anonymous, "medlar")  # the visitors' checks are compiled by now
    Action.objects.create(
        kind=ActionKind.SUSPEND,
        subject=ada,
        target_kind="person",
        target_id=ada.pk,
        reason="r",
        until=timezone.now() + timedelta(hours=1),
    )
    assert not found(anonymous, "medlar")
    # The time the checks compare with is the search's, not the one they were compiled at.
    Action.objects.filter(subject=ada).update(until=timezone.now())
    assert found(anonymous, "medlar")


def test_every_check_is_compiled_once_per_kind_of_viewer(ada, anonymous):
    moderator = UserFactory(role=Role.MODERATOR)
    checks = [kind.visible_ids for kind in search_kinds().values()] + [people_findable_by]
    for check in checks:
        for viewer in (anonymous, ada, moderator):
            compiled = prepared.check_for(check, viewer)
            assert compiled is not None, (check, viewer)
            assert prepared.check_for(check, viewer) is compiled
        # Another member shares ada's, bound to their own id; a moderator's is their own.
        assert prepared.check_for(check, UserFactory()) is prepared.check_for(check, ada)
    assert prepared.check_for(people_findable_by, moderator) is not prepared.check_for(
        people_findable_by, anonymous
    )


def test_a_check_with_other_moving_values_is_built_on_every_request(ada, anonymous):
    numbers = itertools.count()

    def moving(viewer):
        return User.objects.filter(pk__gt=next(numbers))

    def dated(viewer):
        return User.objects.filter(date_joined__date__lt=timezone.now().date())

    def by_handle(viewer):
        # Reads more of the viewer than their id: compiled once it would serve ada's to all.
        return User.objects.exclude(handle=viewer.handle)

    for viewer in (anonymous, ada):
        assert prepared.check_for(moving, viewer) is None
        assert prepared.check_for(dated, viewer) is None
    assert prepared.check_for(by_handle, ada) is None


def test_compiled_checks_find_exactly_what_the_orm_finds_for_every_kind_of_viewer(
    ada, camille, anonymous
):
    """The visibility matrix, both ways: the checks compiled once give, for each viewer, the
    very ids the ORM's rules give (private, unlisted, hidden, blocked, suspended, moderated)."""
    from perchoir.collections.models import Visibility as CollectionVisibility
    from perchoir.discovery.selectors import _checked, _checked_compiled
    from perchoir.follows.models import Block
    from tests.discovery.test_collections import add_article, make_collection

    bob, dan, moderator = UserFactory(), UserFactory(), UserFactory(role=Role.MODERATOR)
    start(ada, "Open", "Open words.")
    private = start(ada, "Closed", "Closed words.", visibility=Visibility.PRIVATE)
    services.conversation_invite(conversation_id=private.pk, inviter=ada, addresses=[bob.handle])
    services.invitation_accept(user=bob, conversation_id=private.pk)
    start(camille, "Unlisted", "Unlisted words.", visibility=Visibility.UNLISTED)
    hidden = start(camille, "Hidden", "Hidden words.")
    Conversation.objects.filter(pk=hidden.pk).update(hidden_at=timezone.now())
    start(dan, "Blocked", "Blocked words.")
    Block.objects.create(blocker=dan, blocked=bob)
    shelf = make_collection(ada, "Shelf")
    add_article(ada, shelf, "On the shelf")
    quiet = make_collection(camille, "Quiet", visibility=CollectionVisibility.UNLISTED)
    add_article(camille, quiet, "Unlisted item")
    removed = make_collection(camille, "Removed")
    type(removed).objects.filter(pk=removed.pk).update(hidden_at=timezone.now())
    suspended = UserFactory()
    start(suspended, "Suspended", "Suspended words.")
    Action.objects.create(
        kind=ActionKind.SUSPEND,
        subject=suspended,
        target_kind="person",
        target_id=suspended.pk,
        reason="r",
    )
    kinds = search_kinds()
    everything = {
        name: list(kind.visible_ids(moderator).model.objects.values_list("pk", flat=True))
        for name, kind in kinds.items()
    }
    for viewer in (anonymous, ada, bob, camille, dan, moderator, suspended):
        checks = [(name, kinds[name].visible_ids, ids) for name, ids in everything.items()]
        checks.append(("", people_findable_by, list(User.objects.values_list("pk", flat=True))))
        assert set(_checked_compiled(viewer, checks)) == set(_checked(viewer, checks)), viewer


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


def test_a_rebuilt_index_has_fresh_statistics_for_the_planner(ada):
    """Without them PostgreSQL takes a common word for a rare one and reads every match."""
    from django.db import connection

    from perchoir.discovery.services import search_index_rebuild

    if connection.vendor != "postgresql":
        pytest.skip("planner statistics are PostgreSQL's (FTS5 plans without them)")
    start(ada, "Rebuilt", "Cardamom buns.")
    search_index_rebuild()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stats "
            "WHERE tablename = 'discovery_searchdocument' AND attname = 'search_vector'"
        )
        assert cursor.fetchone()[0] == 1


# --- Ranking: the newest matches only (selectors.RECENT_MATCHES) --------------------------------


@pytest.fixture
def three_newest(monkeypatch):
    """Only the newest three matches are ranked."""
    from perchoir.discovery import selectors

    monkeypatch.setattr(selectors, "RECENT_MATCHES", 3)
    return selectors


def post(author, conversation, bodies):
    from perchoir.core.ratelimit import ratelimits_suspended

    with ratelimits_suspended():
        for body in bodies:
            services.message_post(author=author, conversation_id=conversation.pk, body=body)


def message_urls(conversation, bodies):
    by_body = {m.body: m.get_absolute_url() for m in conversation.messages.all()}
    return [by_body[body] for body in bodies]


ONCE = "A parrot, once, among many other words of a long and rambling message."
ONCE_AGAIN = "Another parrot, once, among many other words of a long rambling message."
BEST = "Parrot parrot parrot parrot parrot."
BETTER = "Parrot parrot parrot."


@pytest.fixture
def parrots(ada):
    """The best match is the oldest; of the newest three, BETTER scores best."""
    conversation = start(ada, "Birds", BEST)
    post(ada, conversation, [ONCE, BETTER, ONCE_AGAIN])
    return conversation


def test_an_older_better_match_is_not_ranked_above_the_newest(anonymous, parrots, three_newest):
    results = search(viewer=anonymous, query=SearchQuery(text="parrot", kind="message"))
    # Best first among the newest three, equal scores newest first; the oldest is left out.
    assert [hit.found.url for hit in results.hits] == message_urls(
        parrots, [BETTER, ONCE_AGAIN, ONCE]
    )
    assert results.count_exact is False


def test_the_ranked_window_pages_through_the_newest_matches_only(
    anonymous, parrots, three_newest, monkeypatch
):
    # A window of one result more than the page: the first pages come from the engine's window,
    # the last from the exact way; all of them from the same newest three.
    monkeypatch.setattr(three_newest, "CANDIDATES", 1)
    monkeypatch.setattr(three_newest, "WINDOW_FACTOR", 1)
    pages = [
        search(viewer=anonymous, query=SearchQuery(text="parrot", kind="message"), page=n, size=1)
        for n in (1, 2, 3)
    ]
    assert [hit.found.url for page in pages for hit in page.hits] == message_urls(
        parrots, [BETTER, ONCE_AGAIN, ONCE]
    )
    assert not any(page.count_exact for page in pages)


def test_fewer_matches_than_the_newest_are_counted_exactly(anonymous, ada, three_newest):
    conversation = start(ada, "Birds", BEST)
    post(ada, conversation, [ONCE])
    results = search(viewer=anonymous, query=SearchQuery(text="parrot", kind="message"))
    assert [hit.found.url for hit in results.hits] == message_urls(conversation, [BEST, ONCE])
    assert results.count_exact is True
    assert results.page.paginator.count == 2


def test_newer_matches_the_searcher_may_not_see_hide_nothing_they_may(anonymous, ada, three_newest):
    public = start(ada, "Birds", BEST)
    private = start(ada, "Secret birds", "Parrot secret.", visibility=Visibility.PRIVATE)
    post(ada, private, [f"Parrot secret {n}." for n in range(5)])
    results = search(viewer=anonymous, query=SearchQuery(text="parrot"))
    assert [hit.found.url for hit in results.hits] == message_urls(public, [BEST])
    assert results.count_exact is True
    assert len(found(ada, "parrot", kind="message")) == 3  # the newest three she may see
