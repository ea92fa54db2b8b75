"""Browser tests: a real Chromium driven by Playwright against pytest-django's live server.

Every HTML page a test visits is checked with axe-core, in the light and the dark theme, and the
test fails on any violation or on any Content Security Policy violation reported in the console.

How every page gets checked: axe-core's file and a small checker are added to every document with
`add_init_script`; like `page.evaluate`, scripts added through the DevTools protocol are not
subject to the page's Content Security Policy, which stays on (no `bypass_csp`). A page is checked
when the test is done with it: when the browser is about to leave it (the navigation request is
held until the page has reported) and, for the last page, when the test ends. Checking on the
"load" event instead would switch themes under the test's own assertions, and `page.evaluate`
cannot run while a navigation is held (it hangs), hence the page-side checker.
"""

import json
import os

# Playwright's sync API runs an event loop in this thread; Django's ORM must still work here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

CHROMIUM = Path("/usr/bin/chromium")
AXE_PATH = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
BROWSER_DIR = Path(__file__).resolve().parent

# Added to every document before its own scripts (CSP does not apply to scripts added through
# the DevTools protocol). It defines the check and runs it when the page is being left (the
# navigation request is held meanwhile), or when the test ends.
AXE_CHECK = """
(() => {
  if (window.top !== window || document.contentType !== "text/html") return;
  if (!location.href.startsWith(%(origin)s)) return;
  window.__perchoirAxeStarted(location.href);
  let running = null;

  async function check() {
    const root = document.documentElement;
    const original = root.getAttribute("data-theme");
    const found = [];
    let failure = null;
    try {
      for (const theme of ["light", "dark"]) {
        root.setAttribute("data-theme", theme);
        // Let any colour transition finish, or axe would read colours between two themes.
        await new Promise((resolve) => requestAnimationFrame(resolve));
        await Promise.all(document.getAnimations().map((animation) => animation.finished));
        const results = await axe.run(document, { resultTypes: ["violations"] });
        for (const violation of results.violations) {
          found.push({
            theme,
            id: violation.id,
            impact: violation.impact,
            help: violation.help,
            nodes: violation.nodes.map((node) => ({
              target: node.target.join(" "),
              html: node.html,
              summary: node.failureSummary,
            })),
          });
        }
      }
    } catch (error) {
      failure = String(error);
    } finally {
      if (original === null) root.removeAttribute("data-theme");
      else root.setAttribute("data-theme", original);
    }
    await window.__perchoirAxeReport(location.href, found, failure);
  }

  window.__perchoirCheck = () => {
    running = running || check();
    return running;
  };
  // Leaving the page (link, form, goto, reload): check it while the navigation is held.
  window.addEventListener("beforeunload", () => {
    window.__perchoirCheck();
  });
})();
"""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under tests/browser/ is a browser test (`-m browser` / `-m "not browser"`)."""
    for item in items:
        if Path(str(item.fspath)).resolve().is_relative_to(BROWSER_DIR):
            item.add_marker(pytest.mark.browser)


def missing(reason: str) -> None:
    """Without Chromium or axe-core the browser tests cannot run: fail under CI, skip elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (required when CI is set)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_PATH.exists():
        missing(f"axe-core is not installed at {AXE_PATH}: run `npm ci`")
    return AXE_PATH.read_text()


@pytest.fixture(scope="session")
def browser(axe_source: str) -> Iterator[Any]:
    if not CHROMIUM.exists():
        missing(f"Chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def format_violations(url: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"axe-core found {len(violations)} violation(s) on {url}:"]
    for violation in violations:
        lines.append(
            f"- [{violation['theme']} theme] {violation['id']} ({violation['impact']}): "
            f"{violation['help']}"
        )
        for node in violation["nodes"][:5]:
            lines.append(f"    at {node['target']}: {node['html'][:160]}")
            summary = (node["summary"] or "").replace("\n", " ")
            lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


class PageChecker:
    """Checks every HTML page shown in one browser page with axe-core; watches for CSP reports.

    Each document of ours announces itself when it starts. The check runs when the test is done
    with the page, so it never changes the theme under the test's feet: on "beforeunload" (a
    route handler holds the navigation request until the page's report lets it go) or when the
    test ends.
    """

    def __init__(self, page: Any, axe_source: str, origin: str) -> None:
        self.page = page
        self.axe_source = axe_source
        self.origin = origin
        self.problems: list[str] = []
        self.checked_urls: list[str] = []
        self.csp_errors: list[str] = []
        self.pending: str | None = None
        self.held: list[Any] = []
        page.expose_binding("__perchoirAxeStarted", self._on_started)
        page.expose_binding("__perchoirAxeReport", self._on_report)
        page.add_init_script(axe_source)
        page.add_init_script(AXE_CHECK % {"origin": json.dumps(origin)})
        page.on("console", self._on_console)
        page.route(self._is_ours, self._on_request)

    def _is_ours(self, url: str) -> bool:
        return url.startswith(self.origin) and "/static/" not in url

    def _on_console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.csp_errors.append(f"{self.page.url}: {message.text}")

    def _on_started(self, source: Any, url: str) -> None:
        self.pending = url

    def _on_report(
        self, source: Any, url: str, violations: list[dict[str, Any]], failure: str | None
    ) -> None:
        self.checked_urls.append(url)
        if failure:
            self.problems.append(f"axe-core could not check {url}: {failure}")
        elif violations:
            self.problems.append(format_violations(url, violations))
        if self.pending == url:
            self.pending = None
        held, self.held = self.held, []
        for route in held:
            route.continue_()

    def _on_request(self, route: Any) -> None:
        request = route.request
        if self.pending and request.is_navigation_request() and request.frame.parent_frame is None:
            self.held.append(route)  # Let go once the page being left has been checked.
            return
        route.continue_()

    def check_current_page(self) -> None:
        """Check the current page now, if it is one of ours and not checked yet."""
        if self.pending and not self.page.is_closed():
            self.page.evaluate("() => window.__perchoirCheck()")

    def assert_clean(self) -> None:
        self.check_current_page()
        failures = list(self.problems)
        if self.csp_errors:
            failures.append("Content Security Policy violations:\n" + "\n".join(self.csp_errors))
        if failures:
            pytest.fail("\n\n".join(failures), pytrace=False)


@pytest.fixture
def web_server(live_server: Any) -> Any:
    """The server the browser talks to: Django's threaded test server unless a module
    overrides this fixture (with `asgi_live_server` for pages that stream live events)."""
    return live_server


@pytest.fixture
def page_checker(browser: Any, axe_source: str, web_server: Any) -> Iterator[PageChecker]:
    context = browser.new_context(
        base_url=web_server.url, viewport=DESKTOP, locale="en-GB", color_scheme="light"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    checker = PageChecker(page, axe_source, web_server.url)
    yield checker
    try:
        checker.assert_clean()
    finally:
        context.close()


@pytest.fixture
def page(page_checker: PageChecker) -> Any:
    """A Playwright page on the live server; every page it shows is checked with axe-core."""
    return page_checker.page


@pytest.fixture
def sign_in(web_server: Any) -> Any:
    """sign_in(page, user): the page's browser is now signed in as user, without the form."""

    def sign_in(page: Any, user: Any) -> None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": cookie.key, "value": cookie.value, "url": web_server.url}]
        )

    return sign_in
