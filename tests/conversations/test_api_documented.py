"""The conversations API in the OpenAPI document, and lists whose query count stays flat."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from perchoir.conversations.models import Visibility
from perchoir.media.models import Image, ImageStatus
from tests.factories import UserFactory

from .factories import ConversationFactory, HighlightFactory, MessageFactory

pytestmark = pytest.mark.django_db

C = "/api/v1/conversations/{conversation_id}"
M = C + "/messages/{message_id}"
OPERATIONS = {
    ("GET", "/api/v1/conversations"),
    ("POST", "/api/v1/conversations"),
    ("GET", C),
    ("PUT", C + "/settings"),
    ("GET", C + "/messages"),
    ("POST", C + "/messages"),
    ("GET", M),
    ("PATCH", M),
    ("DELETE", M),
    ("GET", M + "/history"),
    ("POST", M + "/highlights"),
    ("DELETE", C + "/highlights/{highlight_id}"),
    ("GET", C + "/highlights"),
    ("POST", C + "/invitations"),
    ("POST", C + "/invitation/accept"),
    ("POST", C + "/invitation/decline"),
    ("POST", C + "/join-requests"),
    ("POST", C + "/suggestions"),
    ("GET", C + "/requests"),
    ("POST", C + "/requests/{request_id}/approve"),
    ("POST", C + "/requests/{request_id}/decline"),
    ("POST", C + "/leave"),
    ("GET", C + "/participants"),
    ("POST", C + "/participants/{handle}/remove"),
    ("POST", C + "/lock"),
    ("POST", C + "/unlock"),
    ("PUT", C + "/slow-mode"),
    ("GET", C + "/room-log"),
}
ANONYMOUS_READS = {
    ("GET", "/api/v1/conversations"),
    ("GET", C),
    ("GET", C + "/messages"),
    ("GET", M),
    ("GET", M + "/history"),
    ("GET", C + "/highlights"),
    ("GET", C + "/participants"),
}


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").json()


def conversation_operations(document):
    return {
        (method.upper(), path): details
        for path, methods in document["paths"].items()
        if path.startswith("/api/v1/conversations")
        for method, details in methods.items()
    }


def test_the_openapi_document_lists_every_conversation_operation(document):
    operations = conversation_operations(document)
    assert set(operations) == OPERATIONS
    for key, details in operations.items():
        assert details["summary"], key
        assert details["tags"] == ["Conversations"], key


def test_reads_say_authentication_is_optional_and_writes_that_it_is_required(document):
    for key, details in conversation_operations(document).items():
        security = details["security"]
        assert {"AccessTokenAuth": []} in security, key
        assert ({} in security) == (key in ANONYMOUS_READS), key


def test_documented_errors_include_what_the_services_raise(document):
    operations = conversation_operations(document)
    post = operations[("POST", C + "/messages")]["responses"]
    assert {"201", "200", "400", "401", "403", "404", "409", "429"} <= set(post)
    assert post["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/MessageOut"
    }
    message = document["components"]["schemas"]["MessageOut"]["properties"]
    assert {"body", "body_html", "deleted", "reply_to", "highlight_count"} <= set(message)


def test_the_reference_page_shows_the_conversation_operations(client):
    response = client.get("/developers/api/")
    assert response.status_code == 200
    assert "/api/v1/conversations/{conversation_id}/messages" in response.content.decode()


# --- Query counts -------------------------------------------------------------------------------


def avatar():
    return Image.objects.create(
        file="images/face.webp",
        format="webp",
        width=512,
        height=512,
        size_bytes=1000,
        status=ImageStatus.READY,
        thumbnails={"96": "images/face-96.webp", "192": "images/face-192.webp"},
    )


def fill(conversation, count):
    """Messages with everything a message shows: avatars, replies, branches, highlights."""
    authors = [UserFactory(avatar=avatar()) for _ in range(3)]
    previous = None
    for number in range(count):
        message = MessageFactory(
            conversation=conversation,
            author=authors[number % 3],
            body=f"Message {number}",
            reply_to=previous,
        )
        HighlightFactory(message=message, passage=f"Message {number}")
        ConversationFactory(branched_from=message, visibility=Visibility.PUBLIC)
        previous = message
    previous.deleted_at = previous.created_at
    previous.save(update_fields=["deleted_at"])


def queries_for(api, path):
    with CaptureQueriesContext(connection) as captured:
        response = api.get(path)
    assert response.status_code == 200
    return len(captured)


def test_the_message_list_costs_the_same_queries_for_few_or_many_messages(
    api_as, api_token, member, django_assert_max_num_queries
):
    few, many = (
        ConversationFactory(participants=[member]),
        ConversationFactory(participants=[member]),
    )
    fill(few, 2)
    fill(many, 40)
    anonymous, signed_in = api_as(None), api_token(member)
    for api in (anonymous, signed_in):  # the site's settings cached, the token's use recorded
        api.get(f"/{few.pk}/messages")

    assert queries_for(anonymous, f"/{many.pk}/messages") == queries_for(
        anonymous, f"/{few.pk}/messages"
    )
    assert queries_for(signed_in, f"/{many.pk}/messages") == queries_for(
        signed_in, f"/{few.pk}/messages"
    )
    with django_assert_max_num_queries(8):
        body = signed_in.get(f"/{many.pk}/messages").json()
    assert len(body["results"]) == 40
    assert all(m["branches"] for m in body["results"][:-1])


def test_lists_of_conversations_participants_and_highlights_stay_flat(
    api_as, django_assert_max_num_queries
):
    conversation = ConversationFactory()
    fill(conversation, 10)
    for _ in range(10):
        ConversationFactory(starter=UserFactory(avatar=avatar()))
    api = api_as(None)

    with django_assert_max_num_queries(3):
        assert len(api.get("", page_size=20).json()["results"]) == 20
    with django_assert_max_num_queries(4):
        api.get(f"/{conversation.pk}/participants")
    with django_assert_max_num_queries(5):
        assert len(api.get(f"/{conversation.pk}/highlights").json()) == 9
