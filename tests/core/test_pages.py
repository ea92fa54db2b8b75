import pytest
from django.core.exceptions import PermissionDenied
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from perchoir.core import views
from perchoir.core.errors import Conflict
from perchoir.core.middleware import CONTENT_SECURITY_POLICY, error_page
from perchoir.core.models import SiteMode, SiteSettings

from .pages import assert_designed_page

pytestmark = pytest.mark.django_db


def test_home_page_is_served_with_a_strict_content_security_policy(client):
    response = client.get("/")
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert policy == CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in policy
    assert "script-src 'self'" in policy


def test_unknown_page_answers_a_translated_404(client):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


def test_home_page_invites_visitors_to_sign_in(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = client.get("/")
    html = assert_designed_page(response)
    assert '<h1 id="home-title">Perchoir</h1>' in html
    assert 'href="/accounts/login/"' in html


def test_home_page_offers_to_join_when_the_site_is_open(client):
    SiteSettings.objects.update_or_create(id=1, defaults={"mode": SiteMode.OPEN})
    html = assert_designed_page(client.get("/"))
    assert 'class="button button--primary" href="/accounts/signup/"' in html


def test_home_page_says_when_the_site_is_closed(client):
    SiteSettings.objects.update_or_create(id=1, defaults={"mode": SiteMode.CLOSED})
    html = assert_designed_page(client.get("/"))
    assert "not taking new members" in html


def test_home_page_greets_a_signed_in_person(member_client, member):
    html = assert_designed_page(member_client.get("/"))
    assert f"Welcome, {member.display_name}" in html
    assert f"@{member.handle}" in html
    assert "Sign out" in html


def test_header_shows_moderation_links_only_to_those_who_may_use_them(client, member, admin_user):
    client.force_login(member)
    member_html = client.get("/").content.decode()
    client.force_login(admin_user)
    admin_html = client.get("/").content.decode()
    for name in ("invitations:tree", "invitations:requests", "invitations:rules"):
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        assert f'href="{url}"' not in member_html
        assert f'href="{url}"' in admin_html


def test_signed_in_person_gets_their_theme(client, member):
    member.theme = "dark"
    member.save(update_fields=["theme"])
    client.force_login(member)
    assert '<html lang="en" data-theme="dark">' in client.get("/").content.decode()


def test_flash_messages_are_announced_politely(client, member):
    client.force_login(member)
    response = client.post(reverse("account_logout"), follow=True)
    html = assert_designed_page(response)
    assert 'role="status" aria-live="polite"' in html
    assert 'class="flash flash--success"' in html


def test_service_error_is_shown_as_a_designed_page(rf, member):
    request = rf.get("/")
    request.user = member
    response = error_page(request, Conflict("This handle is already taken."))
    html = assert_designed_page(response, status=409)
    assert "This handle is already taken." in html


def test_forbidden_page_is_designed_and_translated(rf, member):
    request = rf.get("/", HTTP_ACCEPT_LANGUAGE="fr")
    request.user = member
    with translation.override("fr"):
        response = views.permission_denied(request, PermissionDenied())
    html = assert_designed_page(response, status=403)
    assert "Non autorisé" in html


def test_bad_request_page_is_designed(rf, member):
    request = rf.get("/")
    request.user = member
    assert_designed_page(views.bad_request(request, ValueError()), status=400)


def test_server_error_page_needs_no_database(rf, django_assert_num_queries):
    request = rf.get("/")
    with django_assert_num_queries(0):
        response = views.server_error(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert "Server error" in html
    assert "style=" not in html


def test_a_forged_host_gets_the_bad_request_page_not_an_error(client):
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "<html" in response.content.decode()


@pytest.mark.django_db
def test_text_with_the_nul_character_is_refused_clearly_and_changes_nothing(client):
    from perchoir.api.services import access_token_create
    from perchoir.conversations.models import Conversation
    from perchoir.conversations.services import conversation_start
    from tests.factories import UserFactory

    ada = UserFactory()
    conversation = conversation_start(starter=ada, title="Rivers", body="Hello")
    _token, secret = access_token_create(user=ada, name="Script")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    refused = client.put(
        f"/api/v1/conversations/{conversation.pk}/settings",
        '{"title": "Riv\\u0000ers", "visibility": "public", "invite_policy": "starter"}',
        content_type="application/json",
        **auth,
    )
    assert refused.status_code == 400
    assert "NUL character" in refused.json()["error"]["message"]
    conversation.refresh_from_db()
    assert conversation.title == "Rivers"
    assert client.post("/api/v1/people/a%00b/follow", **auth).status_code == 400
    page = client.get("/search/?q=riv%00ers")
    assert page.status_code == 400
    assert "NUL character" in page.content.decode()
    client.force_login(ada)
    form = client.post("/conversations/new/", {"title": "A\x00B", "body": "Hi"})
    assert form.status_code == 400
    assert Conversation.objects.count() == 1
