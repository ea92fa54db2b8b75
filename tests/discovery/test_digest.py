"""The email digest: chosen in notification settings, sent when due by the worker (or the cron
command), only with something new, never twice, and stopped in one click from the email."""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from perchoir.conversations import services as conversations
from perchoir.core.ratelimit import ratelimits_suspended
from perchoir.discovery import services
from perchoir.discovery.models import DigestFrequency, DigestSubscription
from perchoir.follows.models import Follow
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada():
    return UserFactory(handle="ada", email="ada@example.org")


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    def send(at=None):
        with django_capture_on_commit_callbacks(execute=True):
            return services.digests_send_due(now=at)

    return send


def with_news(person):
    carol = UserFactory(display_name="Carol")
    Follow.objects.create(follower=person, followed=carol)
    with ratelimits_suspended():
        conversations.conversation_start(starter=carol, title="Tide tables", body="Low at six.")


def test_the_digest_is_chosen_in_the_settings(ada):
    client = Client()
    client.force_login(ada)
    assert "/settings/digest/" in client.get("/settings/notifications/").text
    response = client.post("/settings/digest/", {"frequency": "weekly"}, follow=True)
    assert "Your digest choice is saved." in response.text
    subscription = DigestSubscription.objects.get(user=ada)
    assert subscription.frequency == DigestFrequency.WEEKLY
    assert subscription.next_due_at > timezone.now() + timedelta(days=6)


def test_a_wrong_choice_is_a_clear_error(ada):
    client = Client()
    client.force_login(ada)
    response = client.post("/settings/digest/", {"frequency": "hourly"})
    assert "Select a valid choice" in response.text


def test_a_due_digest_lists_what_happened_with_an_unsubscribe_link(ada, send, mailoutbox):
    services.digest_preference_set(user=ada, frequency="daily")
    with_news(ada)
    assert send(timezone.now() + timedelta(days=1, minutes=1)) == 1
    [email] = mailoutbox
    assert email.to == ["ada@example.org"]
    assert "Your day on" in email.subject
    assert "Tide tables" in email.body
    assert "Carol started a conversation" in email.body
    assert "/digest/unsubscribe/" in email.body


def test_no_digest_before_it_is_due_nor_twice(ada, send, mailoutbox):
    services.digest_preference_set(user=ada, frequency="daily")
    with_news(ada)
    assert send() == 0
    later = timezone.now() + timedelta(days=1, minutes=1)
    assert send(later) == 1
    assert send(later) == 0
    assert len(mailoutbox) == 1


def test_nothing_new_means_no_email(ada, send, mailoutbox):
    services.digest_preference_set(user=ada, frequency="weekly")
    assert send(timezone.now() + timedelta(days=8)) == 0
    assert mailoutbox == []


def test_the_unsubscribe_link_stops_the_digest_in_one_click(ada, send, mailoutbox, client):
    services.digest_preference_set(user=ada, frequency="daily")
    with_news(ada)
    send(timezone.now() + timedelta(days=1, minutes=1))
    link = re.search(r"http://testserver(/digest/unsubscribe/[^/\s]+/)", mailoutbox[0].body)[1]
    assert "Stop the digest" in client.get(link).text
    response = client.post(link)  # no sign-in, no CSRF token: the link is the credential
    assert response.status_code == 200
    assert "you will receive no more digests" in response.text
    assert DigestSubscription.objects.get(user=ada).frequency == DigestFrequency.OFF
    assert send(timezone.now() + timedelta(days=3)) == 0


def test_mail_clients_unsubscribe_in_one_click_from_the_headers(ada, send, mailoutbox):
    services.digest_preference_set(user=ada, frequency="daily")
    with_news(ada)
    send(timezone.now() + timedelta(days=1, minutes=1))
    [email] = mailoutbox
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = email.extra_headers["List-Unsubscribe"]
    link = re.fullmatch(r"<http://testserver(/digest/unsubscribe/[^/\s]+/)>", header)[1]
    assert link in email.body  # the same link as the one in the text
    assert email.message()["List-Unsubscribe"] == header  # in the message as sent
    # What a mail client sends (RFC 8058): a POST with this body, no cookie, no CSRF token.
    response = Client(enforce_csrf_checks=True).post(
        link, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert DigestSubscription.objects.get(user=ada).frequency == DigestFrequency.OFF


def test_a_forged_unsubscribe_link_is_refused(client, ada):
    response = client.post("/digest/unsubscribe/not-a-token/")
    assert response.status_code == 400
    assert "This unsubscribe link is not valid." in response.text


def test_the_cron_command_sends_what_is_due(ada, django_capture_on_commit_callbacks, mailoutbox):
    import io

    services.digest_preference_set(user=ada, frequency="daily")
    with_news(ada)
    DigestSubscription.objects.filter(user=ada).update(
        next_due_at=timezone.now() - timedelta(minutes=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("digest_send_due", stdout=io.StringIO())
    assert len(mailoutbox) == 1


def test_the_worker_task_sends_the_digest_and_plans_the_next(
    ada, settings, mailoutbox, django_capture_on_commit_callbacks
):
    from perchoir.discovery.tasks import digest_send_task

    services.digest_preference_set(user=ada, frequency="daily")
    with_news(ada)
    subscription = DigestSubscription.objects.get(user=ada)
    DigestSubscription.objects.filter(pk=subscription.pk).update(
        next_due_at=timezone.now() - timedelta(minutes=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        digest_send_task.call(subscription.pk)
    assert len(mailoutbox) == 1
    subscription.refresh_from_db()
    assert subscription.next_due_at > timezone.now() + timedelta(hours=23)


def test_the_worker_is_asked_for_the_digest_at_its_time(
    ada, settings, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        services.digest_preference_set(user=ada, frequency="weekly")
    [queued] = DBTaskResult.objects.all()
    assert queued.task_path == "perchoir.discovery.tasks.digest_send_task"
    assert queued.run_after > timezone.now() + timedelta(days=6)


def test_the_digest_is_chosen_through_the_api_too(client):
    from perchoir.api.services import access_token_create

    person = UserFactory()
    _token, secret = access_token_create(user=person, name="Script")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert client.get("/api/v1/me/digest", **auth).json() == {"frequency": "off"}
    chosen = client.put(
        "/api/v1/me/digest", {"frequency": "weekly"}, content_type="application/json", **auth
    )
    assert chosen.json() == {"frequency": "weekly"}
    assert client.get("/api/v1/me/digest", **auth).json() == {"frequency": "weekly"}
    refused = client.put(
        "/api/v1/me/digest", {"frequency": "hourly"}, content_type="application/json", **auth
    )
    assert refused.status_code == 400
