"""What the API answers to bad, hostile or repeated input: clear 4xx errors, never a 500."""

from html.parser import HTMLParser

import pytest

from perchoir.conversations.models import MESSAGE_MAX_LENGTH, Conversation, Message, Visibility
from tests.factories import UserFactory

from .factories import ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def talk(member):
    """A conversation `member` takes part in."""
    return ConversationFactory(participants=[member])


def post(api, conversation, body, **fields):
    return api.post(f"/{conversation.pk}/messages", {"body": body, **fields})


def error(response):
    return response.json()["error"]


@pytest.mark.parametrize("body", ["", "   \n\t "])
def test_an_empty_message_is_refused_with_a_clear_message(api_as, member, talk, body):
    response = post(api_as(member), talk, body)

    assert response.status_code == 400
    assert error(response)["fields"] == {"body": ["Write something first."]}
    assert not Message.objects.exists()


def test_a_message_over_the_limit_says_how_long_it_is_and_what_the_limit_is(api_as, member, talk):
    response = post(api_as(member), talk, "a" * (MESSAGE_MAX_LENGTH + 1))

    assert response.status_code == 400
    assert error(response)["code"] == "invalid"
    assert error(response)["fields"]["body"] == [
        "This message is 100,001 characters long; the limit is 100,000. "
        "Split it into several messages."
    ]
    assert post(api_as(member), talk, "a" * MESSAGE_MAX_LENGTH).status_code == 201


def test_a_missing_body_is_named(api_as, member, talk):
    response = api_as(member).post(f"/{talk.pk}/messages", {"reply_to_id": 1})

    assert response.status_code == 400
    assert error(response)["fields"] == {"body": ["This field is required."]}


def test_a_body_that_is_not_json_is_refused(member, talk, client):
    client.force_login(member)
    response = client.post(
        f"/api/v1/conversations/{talk.pk}/messages", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert error(response)["message"] == "The request body is not valid JSON."


HOSTILE = (
    "<script>alert('x')</script>\n\n"
    '<img src="x" onerror="alert(1)">\n\n'
    '[click me](javascript:alert(1)) and <a href="javascript:alert(2)">raw</a>'
)


class Elements(HTMLParser):
    """The elements and attributes a browser would build from some HTML."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += [(name, value or "") for name, value in attrs]


def assert_harmless(html: str) -> None:
    elements = Elements(html)
    assert not {"script", "img", "iframe", "style"} & set(elements.tags), elements.tags
    for name, value in elements.attributes:
        assert not name.startswith("on"), name
        assert not value.strip().lower().startswith("javascript:"), value


def test_scripts_event_handlers_and_javascript_links_are_sanitised(api_as, member, talk):
    response = post(api_as(member), talk, HOSTILE)

    assert response.status_code == 201
    html = response.json()["body_html"]
    assert_harmless(html)
    # Raw HTML is shown as text, so the reader sees what was written.
    assert "&lt;script&gt;" in html
    # The Markdown is returned as written: it is data, not markup.
    assert response.json()["body"] == HOSTILE
    edited = api_as(member).patch(
        f"/{talk.pk}/messages/{response.json()['id']}", {"body": HOSTILE + " again"}
    )
    assert_harmless(edited.json()["body_html"])


def test_a_safe_link_stays_a_link(api_as, member, talk):
    response = post(api_as(member), talk, "[the river](https://example.org/seine)")
    elements = Elements(response.json()["body_html"])
    assert "a" in elements.tags
    assert ("href", "https://example.org/seine") in elements.attributes


def test_a_suggested_message_is_sanitised_too(api_as, member):
    conversation = ConversationFactory()
    response = api_as(member).post(f"/{conversation.pk}/suggestions", {"body": HOSTILE})
    assert response.status_code == 201
    assert_harmless(response.json()["body_html"])


def test_a_message_of_another_conversation_is_not_found_through_this_one(api_as, member, talk):
    elsewhere = MessageFactory(conversation=ConversationFactory(), author=member, body="Elsewhere")
    api = api_as(member)
    path = f"/{talk.pk}/messages/{elsewhere.pk}"

    responses = [
        api.get(path),
        api.get(path + "/history"),
        api.patch(path, {"body": "Moved"}),
        api.delete(path),
        api.post(path + "/highlights", {"passage": ""}),
    ]

    assert [r.status_code for r in responses] == [404] * 5
    elsewhere.refresh_from_db()
    assert elsewhere.body == "Elsewhere"
    assert elsewhere.deleted_at is None


def test_a_reply_to_a_message_of_another_conversation_is_refused(api_as, member, talk):
    elsewhere = MessageFactory(conversation=ConversationFactory(visibility=Visibility.PRIVATE))

    response = post(api_as(member), talk, "Replying", reply_to_id=elsewhere.pk)

    assert response.status_code == 400
    assert error(response)["fields"] == {
        "reply_to_id": ["The message you reply to is not in this conversation."]
    }
    assert not talk.messages.exists()


def test_a_quoted_passage_must_be_in_the_message(api_as, member, talk):
    quoted = MessageFactory(conversation=talk, body="Rivers and bridges")

    response = post(api_as(member), talk, "Yes", reply_to_id=quoted.pk, quoted_passage="canals")

    assert response.status_code == 400
    assert error(response)["fields"] == {
        "quoted_passage": ["This passage is not in the message; select it again."]
    }


def test_the_same_client_token_twice_gives_one_message(api_as, member, talk):
    api = api_as(member)

    first = post(api, talk, "Only once", client_token="form-1234")
    second = post(api, talk, "Only once", client_token="form-1234")

    assert first.status_code == 201
    assert second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    assert talk.messages.count() == 1
    talk.refresh_from_db()
    assert talk.message_count == 1


def test_a_client_token_used_in_another_conversation_is_a_conflict(api_as, member, talk):
    other = ConversationFactory(participants=[member])
    api = api_as(member)
    post(api, talk, "Here", client_token="form-5678")

    response = post(api, other, "There", client_token="form-5678")

    assert response.status_code == 409
    assert not other.messages.exists()


def test_posting_in_a_locked_conversation_is_forbidden(api_as, member, talk):
    api_as(talk.starter).post(f"/{talk.pk}/lock", {"reason": "Pause"})

    response = post(api_as(member), talk, "Anyone?")

    assert response.status_code == 403
    assert error(response)["message"] == "This conversation is locked: nobody can post for now."


def test_locking_without_a_reason_is_refused(api_as, talk):
    response = api_as(talk.starter).post(f"/{talk.pk}/lock", {"reason": "  "})
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["reason"]
    talk.refresh_from_db()
    assert talk.locked_at is None


def test_posting_too_soon_in_slow_mode_says_when_to_try_again(api_as, member, talk):
    api_as(talk.starter).put(f"/{talk.pk}/slow-mode", {"seconds": 120})
    api = api_as(member)
    assert post(api, talk, "First").status_code == 201

    response = post(api, talk, "Second, too soon")

    assert response.status_code == 429
    assert error(response)["code"] == "rate_limited"
    assert "120 seconds" in error(response)["message"]
    assert 0 < int(response.headers["Retry-After"]) <= 120
    # The starter is not slowed down.
    assert post(api_as(talk.starter), talk, "Moderating").status_code == 201


def test_slow_mode_outside_its_range_is_refused(api_as, talk):
    response = api_as(talk.starter).put(f"/{talk.pk}/slow-mode", {"seconds": -1})
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["seconds"]


def test_unknown_visibility_is_refused_and_nothing_is_started(api_as, member):
    response = api_as(member).post("", {"body": "Hello", "visibility": "secret"})

    assert response.status_code == 400
    assert error(response)["fields"] == {"visibility": ["Choose one of the allowed values."]}
    assert not Conversation.objects.exists()


def test_starting_with_nothing_says_what_is_needed(api_as, member):
    response = api_as(member).post("", {"title": "Just a title"})

    assert response.status_code == 400
    assert error(response)["fields"] == {
        "body": ["Write a first message, or start from a link or a passage."]
    }


def test_inviting_an_unknown_handle_names_it_and_invites_nobody(api_as, member, talk):
    known = UserFactory()
    response = api_as(member).post(
        f"/{talk.pk}/invitations", {"addresses": [known.handle, "@nobody_here"]}
    )

    assert response.status_code == 400
    assert error(response)["fields"] == {"addresses": ["Nobody here has the handle @nobody_here."]}
    assert not talk.invitations.exists()


def test_an_empty_invitation_list_is_refused(api_as, member, talk):
    response = api_as(member).post(f"/{talk.pk}/invitations", {"addresses": [" , "]})
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["addresses"]


def test_a_wrong_address_is_named_after_the_field_that_was_sent(api_as, member, talk):
    response = api_as(member).post(
        f"/{talk.pk}/invitations", {"addresses": ["nosuchprovider:octocat"]}
    )
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["addresses"]


def test_a_link_that_is_not_a_web_address_is_refused_on_link_url(api_as, member):
    response = api_as(member).post("", {"link_url": "ftp://example.org/file"})

    assert response.status_code == 400
    assert error(response)["fields"] == {
        "link_url": ["Only web addresses starting with http:// or https:// can be previewed."]
    }
    assert not Conversation.objects.exists()


def test_an_empty_pitch_is_refused(api_as, member):
    conversation = ConversationFactory()
    response = api_as(member).post(f"/{conversation.pk}/join-requests", {"pitch": " "})
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["pitch"]


@pytest.mark.parametrize(
    "params",
    [{"after": 1, "before": 5}, {"after": 1, "latest": "true"}, {"before": 1, "latest": "true"}],
)
def test_message_pages_take_one_direction_at_a_time(api_as, talk, params):
    response = api_as(None).get(f"/{talk.pk}/messages", **params)
    assert response.status_code == 400
    assert error(response)["message"] == "Use only one of after, before and latest."


@pytest.mark.parametrize("params", [{"after": "x"}, {"before": -1}, {"page_size": 0}])
def test_message_page_parameters_are_checked(api_as, talk, params):
    response = api_as(None).get(f"/{talk.pk}/messages", **params)
    assert response.status_code == 400
    assert list(error(response)["fields"]) == list(params)


@pytest.mark.parametrize(
    "path",
    [
        "/99999999999999999999",
        "/9223372036854775807",
        "/{talk}/messages/99999999999999999999",
        "/{talk}/messages?after=99999999999999999999",
    ],
)
def test_ids_out_of_range_are_answered_not_crashed_on(api_as, talk, path):
    response = api_as(None).client.get("/api/v1/conversations" + path.format(talk=talk.pk))
    assert response.status_code in (400, 404)
    assert "error" in response.json()


def test_a_request_already_answered_is_a_conflict(api_as, member):
    conversation = ConversationFactory()
    asked = api_as(member).post(f"/{conversation.pk}/join-requests", {"pitch": "Hi"}).json()
    starter = api_as(conversation.starter)
    starter.post(f"/{conversation.pk}/requests/{asked['id']}/decline")

    response = starter.post(f"/{conversation.pk}/requests/{asked['id']}/approve")

    assert response.status_code == 409
    assert error(response)["message"] == "Someone has already answered this request."


def test_editing_a_deleted_message_is_a_conflict(api_as, member, talk):
    message = MessageFactory(conversation=talk, author=member)
    api = api_as(member)
    api.delete(f"/{talk.pk}/messages/{message.pk}")

    response = api.patch(f"/{talk.pk}/messages/{message.pk}", {"body": "Back"})

    assert response.status_code == 409
    assert error(response)["message"] == "This message was deleted."
