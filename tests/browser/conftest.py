"""Browser tests: a real Chromium driven by Playwright against pytest-django's live server.

Every HTML page a test visits is checked with axe-core, in the light and the dark theme, and the
test fails on any violation or on any Content Security Policy violation reported in the console.

How every page gets checked: a page is checked just before the browser leaves it (a route
handler holds each navigation request while the page it leaves is still alive) and, for the last
page, when the test ends. axe-core is injected with `page.evaluate`, which the page's Content
Security Policy does not apply to; the CSP stays on (no `bypass_csp`).
"""

import os

# Playwright's sync API runs an event loop in this thread; Django's ORM must still work here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402
from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402

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

# Runs axe in each theme on the current document and returns the violations, readable.
AXE_RUN = """
async () => {
  const root = document.documentElement;
  const original = root.getAttribute("data-theme");
  const found = [];
  try {
    for (const theme of ["light", "dark"]) {
      root.setAttribute("data-theme", theme);
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
  } finally {
    if (original === null) root.removeAttribute("data-theme");
    else root.setAttribute("data-theme", original);
  }
  return found;
}
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
    """Checks every HTML page of one browser page with axe-core and watches for CSP reports."""

    def __init__(self, page: Any, axe_source: str, origin: str) -> None:
        self.page = page
        self.axe_source = axe_source
        self.origin = origin
        self.problems: list[str] = []
        self.checked_urls: list[str] = []
        self.csp_errors: list[str] = []
        page.on("console", self._on_console)
        page.route(self._is_ours, self._on_request)

    def _is_ours(self, url: str) -> bool:
        return url.startswith(self.origin) and "/static/" not in url

    def _on_console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.csp_errors.append(f"{self.page.url}: {message.text}")

    def _on_request(self, route: Any) -> None:
        # Before the browser leaves a page for another, check the page it leaves.
        if route.request.is_navigation_request() and route.request.frame == self.page.main_frame:
            self.check_current_page()
        route.continue_()

    def check_current_page(self) -> None:
        """Run axe-core once on the current document (in both themes), if it is one of ours."""
        page = self.page
        if not page.url.startswith(self.origin):
            return
        try:
            state = page.evaluate(
                "() => [document.contentType, Boolean(window.__perchoirChecked)]"
            )
            if state[0] != "text/html" or state[1]:
                return
            page.evaluate("() => { window.__perchoirChecked = true; }")
            page.evaluate(self.axe_source)
            violations = page.evaluate(AXE_RUN)
        except Exception as error:  # The page went away under us: nothing left to check.
            if "context was destroyed" in str(error) or "Target closed" in str(error):
                return
            raise
        self.checked_urls.append(page.url)
        if violations:
            self.problems.append(format_violations(page.url, violations))

    def assert_clean(self) -> None:
        self.check_current_page()
        failures = list(self.problems)
        if self.csp_errors:
            failures.append("Content Security Policy violations:\n" + "\n".join(self.csp_errors))
        if failures:
            pytest.fail("\n\n".join(failures), pytrace=False)


@pytest.fixture
def page_checker(browser: Any, axe_source: str, live_server: Any) -> Iterator[PageChecker]:
    context = browser.new_context(
        base_url=live_server.url, viewport=DESKTOP, locale="en-GB", color_scheme="light"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    checker = PageChecker(page, axe_source, live_server.url)
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
def sign_in(live_server: Any) -> Any:
    """sign_in(page, user): the page's browser is now signed in as user, without the form."""

    def sign_in(page: Any, user: Any) -> None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]
        )

    return sign_in
