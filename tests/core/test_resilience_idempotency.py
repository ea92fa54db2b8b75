"""Retried writes happen once: the API's `Idempotency-Key`, and the composer's one-time token
when the same form is sent twice (a double click, a browser retrying after a broken
connection) over real HTTP."""

import http.cookiejar
import json
import re
import threading
import time
import urllib.request
from urllib.error import HTTPError
from urllib.parse import urlencode

import pytest
from django.db import connection, transaction
from django.test import Client

from perchoir.api.services import access_token_create
from perchoir.conversations.models import Conversation, Message
from perchoir.conversations.services import conversation_start
from tests.conversations.factories import ParticipantFactory
from tests.factories import UserFactory


@pytest.fixture
def starter(db):
    return UserFactory()


@pytest.fixture
def conversation(starter):
    return conversation_start(starter=starter, title="Retries", body="First words.")


@pytest.fixture
def api(starter):
    _, secret = access_token_create(user=starter, name="Script")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def post_message(api: Client, conversation: Conversation, body: str, key: str | None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return api.post(
        f"/api/v1/conversations/{conversation.pk}/messages",
        data={"body": body},
        content_type="application/json",
        **headers,
    )


@pytest.mark.django_db
def test_a_retried_post_with_the_same_key_is_answered_again_not_written_again(api, conversation):
    first = post_message(api, conversation, "Only once, please.", "retry-7f3a")
    again = post_message(api, conversation, "Only once, please.", "retry-7f3a")
    assert first.status_code == 201
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Message.objects.filter(body="Only once, please.").count() == 1

    # Another key is another request; no key, no memory.
    assert post_message(api, conversation, "Only once, please.", "retry-8b1c").status_code == 201
    assert post_message(api, conversation, "Only once, please.", None).status_code == 201
    assert Message.objects.filter(body="Only once, please.").count() == 3


@pytest.mark.django_db
def test_keys_belong_to_whoever_sent_them(api, conversation, starter):
    assert post_message(api, conversation, "Mine.", "shared-key-1").status_code == 201
    other = UserFactory()
    ParticipantFactory(conversation=conversation, user=other)
    _, secret = access_token_create(user=other, name="Theirs")
    theirs = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    answer = post_message(theirs, conversation, "Mine.", "shared-key-1")
    assert answer.status_code == 201
    assert "Idempotent-Replayed" not in answer
    assert answer.json()["author"]["handle"] == other.handle


@pytest.mark.django_db
def test_the_same_key_on_a_different_request_is_refused(api, conversation):
    assert post_message(api, conversation, "One thing.", "key-42-abc").status_code == 201
    refused = post_message(api, conversation, "Another thing.", "key-42-abc")
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "idempotency_key_reused"
    assert not Message.objects.filter(body="Another thing.").exists()


@pytest.mark.django_db
def test_a_refusal_is_an_answer_remembered_too(api, conversation):
    assert post_message(api, conversation, "", "key-empty-1").status_code == 400
    # Corrected, the request is another one: it needs a new key.
    assert post_message(api, conversation, "Better.", "key-empty-1").status_code == 422
    assert post_message(api, conversation, "", "key-empty-1").status_code == 400


@pytest.mark.django_db
def test_a_malformed_key_is_refused(api, conversation):
    answer = post_message(api, conversation, "Hello.", "x" * 256)
    assert answer.status_code == 400
    assert not Message.objects.filter(body="Hello.").exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="holds a row lock while the server writes"
)
def test_a_duplicate_sent_while_the_first_runs_gets_409_then_the_answer(asgi_live_server):
    starter = UserFactory()
    conversation = conversation_start(starter=starter, title="Races", body="Go.")
    _, secret = access_token_create(user=starter, name="Script")
    url = f"{asgi_live_server.url}/api/v1/conversations/{conversation.pk}/messages"

    def send() -> tuple[int, dict]:
        request = urllib.request.Request(  # noqa: S310
            url,
            data=json.dumps({"body": "Raced."}).encode(),
            method="POST",
            headers={
                "Authorization": f"Bearer {secret}",
                "Content-Type": "application/json",
                "Idempotency-Key": "race-key-1",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return response.status, json.load(response)
        except HTTPError as error:
            return error.code, json.load(error)

    answers: list[tuple[int, dict]] = []
    # Posting locks the conversation's row: while the test holds it, the first request waits.
    with transaction.atomic():
        Conversation.objects.select_for_update().get(pk=conversation.pk)
        first = threading.Thread(target=lambda: answers.append(send()))
        first.start()
        time.sleep(1.5)
        status, body = send()
        assert status == 409
        assert body["error"]["code"] == "conflict"
    first.join(timeout=30)
    assert answers[0][0] == 201
    assert send() == answers[0]  # the retry after it finished: the same answer
    assert Message.objects.filter(body="Raced.").count() == 1


def test_the_composer_sent_twice_at_once_posts_once(asgi_live_server):
    starter = UserFactory()
    conversation = conversation_start(starter=starter, title="Double click", body="Go.")
    session = Client()
    session.force_login(starter)
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page_url = f"{asgi_live_server.url}/c/{conversation.pk}/"
    cookie = f"sessionid={session.cookies['sessionid'].value}"
    request = urllib.request.Request(page_url, headers={"Cookie": cookie})  # noqa: S310
    with browser.open(request) as page:
        html = page.read().decode()
    fields = {
        name: re.search(rf'name="{name}" value="([^"]*)"', html)[1]  # type: ignore[index]
        for name in ("csrfmiddlewaretoken", "client_token")
    }
    form = urlencode({**fields, "body": "Sent twice by a nervous click."}).encode()
    csrf = next(c.value for c in jar if c.name == "csrftoken")

    statuses: list[int] = []

    def submit() -> None:
        request = urllib.request.Request(  # noqa: S310
            f"{page_url}post/",
            data=form,
            headers={
                "Cookie": f"{cookie}; csrftoken={csrf}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": page_url,
            },
        )
        no_redirects = urllib.request.build_opener(_NoRedirect)
        try:
            with no_redirects.open(request, timeout=30) as response:
                statuses.append(response.status)
        except HTTPError as error:
            statuses.append(error.code)

    threads = [threading.Thread(target=submit) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert statuses == [302, 302, 302]
    assert Message.objects.filter(body="Sent twice by a nervous click.").count() == 1


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def test_a_retry_that_reaches_another_web_process_gets_the_first_answer(asgi_server_factory):
    """As when a web process stops after writing and the proxy sends the retry elsewhere."""
    starter = UserFactory()
    conversation = conversation_start(starter=starter, title="Failover", body="Go.")
    _, secret = access_token_create(user=starter, name="Script")
    one, other = asgi_server_factory(), asgi_server_factory()

    def send(server) -> tuple[int, str, str | None]:
        request = urllib.request.Request(  # noqa: S310
            f"{server.url}/api/v1/conversations/{conversation.pk}/messages",
            data=json.dumps({"body": "Written on one, retried on the other."}).encode(),
            method="POST",
            headers={
                "Authorization": f"Bearer {secret}",
                "Content-Type": "application/json",
                "Idempotency-Key": "failover-key-1",
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return (
                response.status,
                response.read().decode(),
                response.headers["Idempotent-Replayed"],
            )

    first = send(one)
    retried = send(other)
    assert first[0] == retried[0] == 201
    assert retried[1] == first[1]
    assert (first[2], retried[2]) == (None, "true")
    assert Message.objects.filter(body="Written on one, retried on the other.").count() == 1
