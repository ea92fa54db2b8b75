"""A sanction reaches everywhere the person acts: their tokens' reads while suspended, and a
banner on every page while it lasts."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from oauth2_provider.models import AccessToken

from perchoir.api.services import access_token_create
from perchoir.moderation import services
from perchoir.moderation.models import ActionKind
from perchoir.oauth.services import oauth_application_register
from tests.collections.factories import CollectionFactory
from tests.factories import PASSWORD, ModeratorFactory, UserFactory

pytestmark = pytest.mark.django_db


def _sanction(moderator, person, kind, days=3):
    return services.action_take(
        moderator=moderator,
        kind=kind,
        target_kind="person",
        target_id=person.pk,
        reason="Repeated insults.",
        until=timezone.now() + timedelta(days=days),
    )


def _token_client(person) -> Client:
    _token, secret = access_token_create(user=person, name="script")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def _application_token_client(person) -> Client:
    registered = oauth_application_register(
        developer=UserFactory(),
        name="River Notes",
        redirect_uris=["http://127.0.0.1:9/callback"],
        confidential=True,
    )
    AccessToken.objects.create(
        user=person,
        application=registered.application,
        token="access-for-tests",
        expires=timezone.now() + timedelta(hours=1),
        scope="read write",
    )
    return Client(HTTP_AUTHORIZATION="Bearer access-for-tests")


@pytest.mark.parametrize("kind", [ActionKind.SUSPEND, ActionKind.BAN])
@pytest.mark.parametrize("make_client", [_token_client, _application_token_client])
def test_a_suspended_or_banned_persons_tokens_cannot_read(moderator, kind, make_client):
    person = UserFactory()
    client = make_client(person)
    assert client.get("/api/v1/conversations").status_code == 200
    extra = {"confirmed": True} if kind == ActionKind.BAN else {}
    services.action_take(
        moderator=moderator,
        kind=kind,
        target_kind="person",
        target_id=person.pk,
        reason="Repeated insults.",
        until=timezone.now() + timedelta(days=3) if kind == ActionKind.SUSPEND else None,
        **extra,
    )
    for path in ("/api/v1/conversations", "/api/v1/collections", "/api/v1/me"):
        response = client.get(path)
        assert response.status_code == 403, path
        error = response.json()["error"]
        assert error["code"] == "restricted"
        assert "Repeated insults." in error["message"]
    # Their statements of reasons, to read and appeal, stay open.
    assert client.get("/api/v1/moderation/statements").status_code == 200


def test_tokens_read_again_once_the_suspension_is_lifted(moderator):
    person = UserFactory()
    client = _token_client(person)
    action = _sanction(moderator, person, ActionKind.SUSPEND)
    assert client.get("/api/v1/collections").status_code == 403
    services.action_undo(moderator=ModeratorFactory(), action_id=action.pk, reason="Mistake.")
    assert client.get("/api/v1/collections").status_code == 200


def test_a_restricted_person_keeps_reading_with_a_token(moderator):
    person = UserFactory()
    client = _token_client(person)
    _sanction(moderator, person, ActionKind.RESTRICT)
    assert client.get("/api/v1/collections").status_code == 200
    assert client.get("/api/v1/conversations").status_code == 200
    response = client.post(
        "/api/v1/collections", {"title": "Mine"}, content_type="application/json"
    )
    assert response.status_code == 403


def test_the_banner_costs_no_query_unless_the_person_is_restricted(member, moderator):
    client = Client()
    client.force_login(member)

    def sanction_lookups() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/collections/").status_code == 200
        return sum("moderation_action" in query["sql"] for query in queries.captured_queries)

    assert sanction_lookups() == 0
    _sanction(moderator, member, ActionKind.RESTRICT)
    assert sanction_lookups() == 1


def test_a_token_read_costs_no_query_more_for_the_sanction_check(
    member, django_assert_max_num_queries
):
    client = _token_client(member)
    client.get("/api/v1/tokens")  # records last use
    with django_assert_max_num_queries(2):
        assert client.get("/api/v1/tokens").status_code == 200


def test_a_restricted_person_sees_the_banner_on_every_page_while_it_lasts(moderator):
    person = UserFactory()
    collection = CollectionFactory()
    client = Client()
    client.force_login(person)  # already signed in: the banner shows at once all the same
    assert "data-sanction-banner" not in client.get("/").content.decode()
    action = _sanction(moderator, person, ActionKind.RESTRICT)
    for path in ("/", reverse("collections:list"), collection.get_absolute_url()):
        page = client.get(path).content.decode()
        assert "data-sanction-banner" in page, path
        assert "Your account is read-only for now" in page
        assert "restricted to reading until" in page
        assert "Repeated insults." in page
        assert action.statement.get_absolute_url() in page
    assert "data-sanction-banner" not in Client().get("/").content.decode()
    bystander = Client()
    bystander.force_login(UserFactory())
    assert "data-sanction-banner" not in bystander.get("/").content.decode()

    services.action_undo(moderator=ModeratorFactory(), action_id=action.pk, reason="Mistake.")
    assert "data-sanction-banner" not in client.get("/").content.decode()


def test_signing_in_while_restricted_shows_the_banner(moderator):
    person = UserFactory()
    _sanction(moderator, person, ActionKind.RESTRICT)
    client = Client()
    response = client.post(
        reverse("account_login"), {"login": person.email, "password": PASSWORD}, follow=True
    )
    assert "_auth_user_id" in client.session
    assert "data-sanction-banner" in response.content.decode()
    assert "Repeated insults." in client.get(reverse("collections:list")).content.decode()


def test_the_banner_is_gone_when_the_restriction_ends(moderator):
    person = UserFactory()
    client = Client()
    client.force_login(person)
    action = _sanction(moderator, person, ActionKind.RESTRICT)
    assert "data-sanction-banner" in client.get("/").content.decode()
    type(action).objects.filter(pk=action.pk).update(until=timezone.now() - timedelta(minutes=1))
    assert "data-sanction-banner" not in client.get("/").content.decode()


def test_the_banner_is_translated(moderator):
    person = UserFactory()
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(person)
    _sanction(moderator, person, ActionKind.RESTRICT)
    page = client.get("/").content.decode()
    assert "data-sanction-banner" in page
    assert "Votre compte est restreint à la lecture" in page
    assert "exposé des motifs, et contester" in page
    assert "Read the statement" not in page
