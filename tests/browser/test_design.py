"""The design system in a real browser: layout at desktop and phone widths, themes, keyboard, CSP.

axe-core runs on every page these tests visit (see conftest.py), in the light and dark themes.
"""

import pytest

from perchoir.core.middleware import CONTENT_SECURITY_POLICY

from .conftest import DESKTOP, PHONE

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "360px"])


def assert_no_horizontal_scroll(page):
    overflow = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert overflow[0] <= overflow[1], f"the page scrolls sideways: {overflow}"


@WIDTHS
def test_home_page_welcomes_visitors(page, viewport):
    page.set_viewport_size(viewport)
    response = page.goto("/")
    assert response.status == 200
    assert page.get_by_role("heading", level=1).inner_text() == "Perchoir"
    assert page.get_by_role("link", name="Sign in").first.is_visible()
    assert_no_horizontal_scroll(page)


@WIDTHS
def test_sign_in_page_shows_the_form_and_inline_errors(page, member, viewport):
    page.set_viewport_size(viewport)
    page.goto("/accounts/login/")
    assert page.get_by_role("heading", level=1).inner_text() == "Sign In"
    assert_no_horizontal_scroll(page)
    page.get_by_label("Email").fill(member.email)
    page.get_by_label("Password").fill("not the password")
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector(".errorlist.nonfield")
    assert "not correct" in page.locator(".errorlist.nonfield").inner_text()
    assert_no_horizontal_scroll(page)


@WIDTHS
def test_sign_up_page_is_in_the_design(page, viewport):
    page.set_viewport_size(viewport)
    response = page.goto("/accounts/signup/")
    assert response.status == 200
    assert page.locator(".site-header").is_visible()
    assert page.get_by_role("heading", level=1).is_visible()
    assert_no_horizontal_scroll(page)


@WIDTHS
def test_missing_page_answers_a_designed_404(page, viewport):
    page.set_viewport_size(viewport)
    response = page.goto("/there-is-nothing-here/")
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Page not found"
    assert page.get_by_role("link", name="Back to the home page").is_visible()
    assert_no_horizontal_scroll(page)


@WIDTHS
def test_settings_page_shows_its_navigation(page, member, sign_in, viewport):
    page.set_viewport_size(viewport)
    sign_in(page, member)
    page.goto("/accounts/email/")
    nav = page.get_by_role("navigation", name="Settings")
    assert nav.get_by_role("link", name="Email addresses").get_attribute("aria-current") == "page"
    assert page.get_by_text(member.email).first.is_visible()
    assert page.get_by_role("link", name=f"@{member.handle}").is_visible()
    assert_no_horizontal_scroll(page)


def test_device_dark_mode_darkens_the_page(page):
    page.emulate_media(color_scheme="dark")
    page.goto("/")
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(20, 20, 19)"


def test_visitor_theme_switch_is_remembered(page):
    page.goto("/")
    toggle = page.get_by_role("button", name="Dark theme")
    toggle.click()
    assert page.locator("html").get_attribute("data-theme") == "dark"
    page.goto("/accounts/login/")
    assert page.locator("html").get_attribute("data-theme") == "dark"
    assert page.get_by_role("button", name="Light theme").is_visible()


def test_signed_in_person_gets_the_theme_of_their_preferences(page, member, sign_in):
    member.theme = "dark"
    member.save(update_fields=["theme"])
    sign_in(page, member)
    page.goto("/")
    assert page.locator("html").get_attribute("data-theme") == "dark"
    assert not page.locator("[data-theme-toggle]").is_visible()


def test_first_tab_reaches_the_skip_link_which_moves_focus_to_main(page):
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.className")
    assert focused == "skip-link"
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"


def test_flash_message_can_be_dismissed(page, member, sign_in):
    sign_in(page, member)
    page.goto("/accounts/logout/")
    page.locator("main form button[type=submit]").click()
    flash = page.locator(".flash")
    flash.wait_for()
    assert "signed out" in flash.inner_text()
    page.get_by_role("button", name="Dismiss this message").click()
    assert page.locator(".flash").count() == 0


def test_pages_are_served_with_a_strict_content_security_policy(page):
    response = page.goto("/")
    policy = response.headers["content-security-policy"]
    assert policy == CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in policy


def test_content_security_policy_violations_are_caught(page, page_checker):
    page.goto("/")
    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.injected = true";
          document.body.append(script);
        }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.injected === undefined")
    assert any("Content Security Policy" in error for error in page_checker.csp_errors)
    page_checker.csp_errors.clear()


def test_every_page_a_test_passes_through_is_checked_with_axe(page, page_checker, live_server):
    page.goto("/")
    page.get_by_role("link", name="Sign in").first.click()
    page.wait_for_url("**/accounts/login/")
    page.goto("/there-is-nothing-here/")
    checked = [url.removeprefix(live_server.url) for url in page_checker.checked_urls]
    assert checked == ["/", "/accounts/login/"]


def test_accessibility_violations_fail_the_test_with_a_readable_list(page, page_checker):
    page.route(
        "**/broken-page/",
        lambda route: route.fulfill(
            content_type="text/html", body="<!DOCTYPE html><title>x</title><img src=a.png>"
        ),
    )
    page.goto("/broken-page/")
    page_checker.check_current_page()
    report = "\n".join(page_checker.problems)
    assert "image-alt" in report
    assert "html-has-lang" in report
    assert "[light theme]" in report
    assert "[dark theme]" in report
    page_checker.problems.clear()
