import pytest
from django.conf import settings
from django.test import Client

from perchoir.core.selectors import site_settings_get

pytestmark = pytest.mark.django_db

PREFERENCES = "/settings/preferences/"
LANGUAGE = "/settings/language/"


def test_preferences_page_offers_browser_english_french_and_themes(
    member_client, django_assert_max_num_queries
):
    site_settings_get()
    with django_assert_max_num_queries(4):
        response = member_client.get(PREFERENCES)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Same as my browser" in page
    assert 'value="fr"' in page
    assert 'value="dark"' in page
    assert 'aria-current="page"' in page


def test_preferences_require_signing_in(client):
    assert client.get(PREFERENCES).status_code == 302


def test_saving_french_switches_the_interface_and_sets_the_cookie(member_client, member):
    response = member_client.post(PREFERENCES, {"language": "fr", "theme": "dark"})

    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.language, member.theme) == ("fr", "dark")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    page = member_client.get(PREFERENCES, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="fr"' in page
    assert 'data-theme="dark"' in page


def test_browser_default_follows_the_browser_again(member_client, member):
    member_client.post(PREFERENCES, {"language": "fr", "theme": "auto"})

    response = member_client.post(PREFERENCES, {"language": "", "theme": "auto"})

    member.refresh_from_db()
    assert member.language == ""
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == ""  # cookie removed
    member_client.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)
    page = member_client.get(PREFERENCES, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en"' in page


def test_unknown_language_or_theme_is_refused_inline(member_client, member):
    response = member_client.post(PREFERENCES, {"language": "klingon", "theme": "neon"})

    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    member.refresh_from_db()
    assert (member.language, member.theme) == ("", "auto")


def test_switcher_sets_the_cookie_for_visitors_and_returns_to_the_page(client):
    response = client.post(LANGUAGE, {"language": "fr", "next": "/@someone?x=1"})

    assert response.status_code == 302
    assert response["Location"] == "/@someone?x=1"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    assert '<html lang="fr"' in client.get("/").content.decode()


def test_switcher_saves_the_choice_with_the_account(member_client, member):
    member_client.post(LANGUAGE, {"language": "fr", "next": "/"})
    member.refresh_from_db()
    assert member.language == "fr"

    # The account's choice wins over a browser asking for English, on any device.
    member_client.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)
    page = member_client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="fr"' in page


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", ""]
)
def test_switcher_never_redirects_off_the_site(client, target):
    response = client.post(LANGUAGE, {"language": "fr", "next": target})
    assert response["Location"] == "/"


def test_switcher_ignores_an_unknown_language(member_client, member):
    response = member_client.post(LANGUAGE, {"language": "xx", "next": "/"})
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    member.refresh_from_db()
    assert member.language == ""


def test_switcher_refuses_get(client):
    assert client.get(LANGUAGE).status_code == 405


def test_switcher_without_csrf_token_is_refused(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post(LANGUAGE, {"language": "fr", "next": "/"})
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.language == ""


def test_footer_switcher_posts_to_the_language_view(client):
    page = client.get("/").content.decode()
    assert f'action="{LANGUAGE}"' in page
