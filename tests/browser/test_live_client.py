"""live.js in Debian's Chromium against the real server: events become `perchoir:live` DOM
events, the status says "Live", and the browser's own reconnection misses and repeats nothing."""

from urllib.parse import urlencode

from tests.live.test_http import TEST_APP, publish_inside

# What the conversation page's script does: listen for perchoir:live (here on the document).
COLLECT = (
    "window.__live = [];"
    "document.addEventListener('perchoir:live', (event) => window.__live.push(event.detail));"
)
STATUS = "document.querySelector('[data-live-status]')"


def test_live_js_delivers_events_and_resumes_after_the_stream_ends(asgi_server_factory, browser):
    # Streams end after about 2 s, so the browser reconnects during the test.
    server = asgi_server_factory(app=TEST_APP, PERCHOIR_LIVE_STREAM_MAX_SECONDS="2")
    # A test page of the live app only (tests/live/asgi_app.py), not one of the site: no axe.
    page = browser.new_page()
    page.add_init_script(COLLECT)
    page.goto(f"{server.url}/test/page/?" + urlencode({"stream": "test:3", "last": "0"}))

    page.wait_for_function(f"{STATUS}.textContent === 'Live'", timeout=10_000)
    status = page.locator("[data-live-status]")
    assert status.is_visible()
    assert status.get_attribute("role") == "status"

    publish_inside(server.url, "hello", stream="test:3")
    page.wait_for_function("window.__live.length === 1", timeout=10_000)
    [hello] = page.evaluate("window.__live")
    assert hello["kind"] == "note.created"
    assert hello["data"] == {"text": "hello"}
    assert hello["id"] > 0

    # Past the stream's end the browser reconnects with Last-Event-ID: "hello" is not sent
    # again (the page's own last_event_id=0 would have), the next event arrives once.
    page.wait_for_timeout(3000)
    publish_inside(server.url, "again", stream="test:3")
    page.wait_for_function("window.__live.length >= 2", timeout=10_000)
    page.wait_for_timeout(500)
    assert [e["data"]["text"] for e in page.evaluate("window.__live")] == ["hello", "again"]
    assert page.evaluate(f"{STATUS}.textContent") == "Live"
    page.close()
