"""Conversation pages as a person uses them: reading, writing, asking, managing."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from perchoir.conversations import services
from perchoir.conversations.models import Message, Participant, Visibility
from tests.factories import ModeratorFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada():
    return UserFactory(display_name="Ada Lovelace")


@pytest.fixture
def conversation(ada):
    return services.conversation_start(
        starter=ada, title="Cities and rivers", body="Which city has the most beautiful river?"
    )


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def url(name, *args):
    return reverse(f"conversations:{name}", args=args)


def add_messages(conversation, author, count):
    Message.objects.bulk_create(
        Message(conversation=conversation, author=author, body=f"m{n}", body_html=f"<p>m{n}</p>")
        for n in range(count)
    )


# --- Reading ------------------------------------------------------------------------------------


def test_anyone_reads_a_public_conversation(client, conversation):
    response = client.get(conversation.get_absolute_url())
    assert response.status_code == 200
    assert "Which city has the most beautiful river?" in response.text
    assert "Sign in" in response.text  # to ask to join


@pytest.mark.parametrize("count", [5, 300])
def test_the_reading_page_needs_few_queries_however_long_the_conversation(
    client, conversation, ada, count, django_assert_max_num_queries
):
    bob = UserFactory()
    Participant.objects.create(conversation=conversation, user=bob)
    add_messages(conversation, bob, count)
    with django_assert_max_num_queries(10):
        response = client.get(conversation.get_absolute_url())
    assert response.status_code == 200
    shown = len(re.findall(r'<article class="message', response.text))
    assert shown == min(count + 1, 200)


def test_a_participant_page_stays_within_its_query_budget(
    conversation, ada, django_assert_max_num_queries
):
    add_messages(conversation, ada, 250)
    client = signed_in(ada)
    with django_assert_max_num_queries(16):
        response = client.get(conversation.get_absolute_url() + "?latest")
    assert "Your message" in response.text


def test_a_private_conversation_does_not_exist_for_outsiders(client, ada):
    private = services.conversation_start(
        starter=ada, title="Just us", body="Hello", visibility=Visibility.PRIVATE
    )
    assert client.get(private.get_absolute_url()).status_code == 404
    assert signed_in(UserFactory()).get(private.get_absolute_url()).status_code == 404
    assert signed_in(ModeratorFactory()).get(private.get_absolute_url()).status_code == 404
    assert signed_in(ada).get(private.get_absolute_url()).status_code == 200
    assert "Just us" not in client.get(url("list")).text


def test_unlisted_is_readable_by_link_but_not_listed(client, ada):
    unlisted = services.conversation_start(
        starter=ada, title="By the link", body="Hello", visibility=Visibility.UNLISTED
    )
    assert client.get(unlisted.get_absolute_url()).status_code == 200
    assert "By the link" not in client.get(url("list")).text


def test_the_list_shows_public_conversations_and_an_empty_state(client, conversation):
    assert "Cities and rivers" in client.get(url("list")).text
    conversation.delete()
    assert "No public conversations yet" in client.get(url("list")).text


def test_a_link_to_a_message_survives_pagination(client, conversation, ada):
    add_messages(conversation, ada, 450)
    target = conversation.messages.order_by("id")[300]
    response = client.get(target.get_absolute_url())
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert f'id="m-{target.pk}"' in page.text
    assert response["Location"].endswith(f"#m-{target.pk}")


def test_a_message_of_another_conversation_is_not_found(client, conversation, ada):
    other = services.conversation_start(starter=ada, title="Other", body="Elsewhere")
    message = other.messages.get()
    assert client.get(url("message", conversation.pk, message.pk)).status_code == 404


def test_later_and_earlier_pages(client, conversation, ada):
    add_messages(conversation, ada, 250)
    first = client.get(conversation.get_absolute_url()).text
    assert "Later messages" in first
    assert "Earlier messages" not in first
    last = client.get(conversation.get_absolute_url() + "?latest").text
    assert "Earlier messages" in last
    assert "Later messages" not in last


# --- Writing ------------------------------------------------------------------------------------


def test_a_participant_posts_and_lands_on_the_message(conversation, ada):
    client = signed_in(ada)
    response = client.post(
        url("message-post", conversation.pk), {"body": "The Seine, of course"}, follow=True
    )
    assert "The Seine, of course" in response.text
    message = conversation.messages.latest("id")
    assert response.redirect_chain[-1][0].endswith(f"#m-{message.pk}")


def test_an_empty_message_is_refused_with_a_clear_error(conversation, ada):
    response = signed_in(ada).post(url("message-post", conversation.pk), {"body": "   "})
    assert response.status_code == 400
    assert "Write something first." in response.text


def test_too_fast_in_slow_mode_keeps_the_text(conversation, ada):
    bob = UserFactory()
    Participant.objects.create(conversation=conversation, user=bob)
    services.conversation_slow_mode_set(actor=ada, conversation_id=conversation.pk, seconds=120)
    client = signed_in(bob)
    client.post(url("message-post", conversation.pk), {"body": "First"})
    response = client.post(
        url("message-post", conversation.pk), {"body": "My careful second thought"}
    )
    assert response.status_code == 429
    assert "Slow mode is on" in response.text
    assert "My careful second thought" in response.text


def test_posting_in_a_locked_conversation_is_refused(conversation, ada):
    services.conversation_lock(
        actor=ada, conversation_id=conversation.pk, locked=True, reason="Pause"
    )
    response = signed_in(ada).post(url("message-post", conversation.pk), {"body": "Hello?"})
    assert response.status_code == 403
    assert "locked" in response.text


def test_forms_need_the_csrf_token(conversation, ada):
    client = Client(enforce_csrf_checks=True)
    client.force_login(ada)
    response = client.post(url("message-post", conversation.pk), {"body": "Forged"})
    assert response.status_code == 403
    assert not conversation.messages.filter(body="Forged").exists()


def test_reply_page_quotes_the_passage(conversation, ada):
    message = conversation.messages.get()
    response = signed_in(ada).get(
        url("message-reply", conversation.pk, message.pk) + "?passage=beautiful+river"
    )
    assert "beautiful river" in response.text
    assert f'name="reply_to" value="{message.pk}"' in response.text


def test_edit_then_read_the_history(client, conversation, ada):
    message = conversation.messages.get()
    signed_in(ada).post(url("message-edit", conversation.pk, message.pk), {"body": "Which river?"})
    page = client.get(conversation.get_absolute_url()).text
    assert "Which river?" in page
    assert "edited" in page
    history = client.get(url("message-history", conversation.pk, message.pk)).text
    assert "Which city has the most beautiful river?" in history


def test_someone_else_cannot_open_the_edit_page(conversation):
    message = conversation.messages.get()
    response = signed_in(UserFactory()).get(url("message-edit", conversation.pk, message.pk))
    assert response.status_code == 403


def test_deleting_shows_a_tombstone_and_hides_the_history(client, conversation, ada):
    message = conversation.messages.get()
    author = signed_in(ada)
    assert (
        "Delete your message?"
        in author.get(url("message-delete", conversation.pk, message.pk)).text
    )
    author.post(url("message-delete", conversation.pk, message.pk))
    page = client.get(conversation.get_absolute_url()).text
    assert "This message was deleted by its author." in page
    assert "most beautiful river" not in page
    history = client.get(url("message-history", conversation.pk, message.pk)).text
    assert "most beautiful river" not in history


# --- Starting -----------------------------------------------------------------------------------


def test_start_a_conversation_and_invite_someone(ada):
    bob = UserFactory()
    response = signed_in(ada).post(
        url("start"),
        {
            "title": "Bridges",
            "body": "Which bridge do you cross most?",
            "visibility": "public",
            "invite_policy": "participants",
            "invitees": f"@{bob.handle}",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "Bridges" in response.text
    invited = signed_in(bob).get(response.redirect_chain[-1][0]).text
    assert "You are invited to take part" in invited


def test_branch_off_prefills_the_passage(conversation, ada):
    message = conversation.messages.get()
    response = signed_in(UserFactory()).get(
        url("start"),
        {
            "branch_conversation": conversation.pk,
            "branch_message": message.pk,
            "passage": "beautiful river",
        },
    )
    assert "Branching off" in response.text
    assert "beautiful river" in response.text


def test_start_form_errors_keep_what_was_written(ada):
    response = signed_in(ada).post(
        url("start"),
        {
            "title": "Ideas",
            "body": "Some words",
            "visibility": "public",
            "invite_policy": "participants",
            "invitees": "nobody_by_this_name",
        },
    )
    assert response.status_code == 400
    assert "Nobody here has the handle @nobody_by_this_name." in response.text
    assert "Some words" in response.text


def test_the_start_page_needs_an_account(client):
    response = client.get(url("start"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# --- Joining ------------------------------------------------------------------------------------


def test_a_reader_asks_to_join_and_is_let_in(conversation, ada):
    reader = UserFactory()
    reader_client = signed_in(reader)
    reader_client.post(url("join", conversation.pk), {"pitch": "I grew up by the Rhône"})
    assert "waiting for an answer" in reader_client.get(conversation.get_absolute_url()).text
    starter = signed_in(ada)
    requests_page = starter.get(url("requests", conversation.pk)).text
    assert "I grew up by the Rhône" in requests_page
    request_id = conversation.join_requests.get().pk
    starter.post(url("request-answer", conversation.pk, request_id), {"answer": "approve"})
    assert "Your message" in reader_client.get(conversation.get_absolute_url() + "?latest").text


def test_requests_page_is_for_participants(conversation):
    assert signed_in(UserFactory()).get(url("requests", conversation.pk)).status_code == 403


# --- The room -----------------------------------------------------------------------------------


def test_the_starter_locks_with_a_reason_and_the_log_shows_it(conversation, ada):
    client = signed_in(ada)
    client.post(url("room-action", conversation.pk, "lock"), {"reason": "Cooling down"})
    page = client.get(url("room", conversation.pk)).text
    assert "Cooling down" in page
    assert "Locked the conversation" in page


def test_the_room_is_only_for_its_starter_and_moderators(conversation):
    assert signed_in(UserFactory()).get(url("room", conversation.pk)).status_code == 403
    assert signed_in(ModeratorFactory()).get(url("room", conversation.pk)).status_code == 200
    response = signed_in(UserFactory()).post(
        url("room-action", conversation.pk, "lock"), {"reason": "Mine"}
    )
    assert response.status_code == 403


def test_removing_without_a_reason_is_refused(conversation, ada):
    bob = UserFactory()
    Participant.objects.create(conversation=conversation, user=bob)
    response = signed_in(ada).post(
        url("room-action", conversation.pk, "remove"), {"handle": bob.handle, "reason": ""}
    )
    assert response.status_code == 400
    assert Participant.objects.get(user=bob).removed_at is None


def test_a_profile_lists_the_conversations_a_visitor_may_see(client, conversation, ada):
    services.conversation_start(
        starter=ada, title="Our secret", body="Hush", visibility=Visibility.PRIVATE
    )
    page = client.get(reverse("accounts:profile", kwargs={"handle": ada.handle})).text
    assert "Cities and rivers" in page
    assert "Our secret" not in page
    assert (
        "Our secret"
        in signed_in(ada).get(reverse("accounts:profile", kwargs={"handle": ada.handle})).text
    )


def test_the_messages_are_rendered_once_and_every_change_shows_at_once(
    client, conversation, ada, django_assert_max_num_queries
):
    add_messages(conversation, ada, 50)
    path = conversation.get_absolute_url()
    client.get(path)
    # Rendered already: the conversation, its last live event, its participants, the site.
    with django_assert_max_num_queries(5):
        assert client.get(path).status_code == 200
    services.message_post(author=ada, conversation_id=conversation.pk, body="Fresh words")
    assert "Fresh words" in client.get(path).text
    first = conversation.messages.order_by("id").first()
    services.message_edit(
        author=ada, conversation_id=conversation.pk, message_id=first.pk, body="Edited words"
    )
    page = client.get(path).text
    assert "Edited words" in page
    assert "Which city has the most beautiful river?" not in page


def test_a_branch_shows_under_its_message_at_once(client, conversation, ada):
    message = conversation.messages.get()
    client.get(conversation.get_absolute_url())  # the page of messages is rendered and kept
    services.conversation_start(
        starter=UserFactory(),
        title="Rivers of my childhood",
        body="The Loire",
        origin=services.StartOrigin(
            branch_conversation_id=conversation.pk, branch_message_id=message.pk
        ),
    )
    assert "Rivers of my childhood" in client.get(conversation.get_absolute_url()).text
