"""Conversations in real browsers, served by the real ASGI server of `perchoir run`: two people
invited by a third talk live while a stranger reads along and asks to join, and a fourth person
branches a passage off into a new conversation.

axe-core checks every page each browser visits (see conftest.py).
"""

import re
import subprocess
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import expect

from perchoir.conversations import services
from perchoir.conversations.models import Conversation, Message
from perchoir.core.management.commands.run import web_server_command
from tests.asgi_server import APP, _environment, _wait_until_answering
from tests.factories import UserFactory
from tests.webpages import serve

from .conftest import DESKTOP, PageChecker

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def web_server(asgi_live_server: Any) -> Any:
    """Every page from the ASGI server: event streams need it."""
    return asgi_live_server


@pytest.fixture
def open_page(
    browser: Any, axe_source: str, web_server: Any, sign_in: Any
) -> Iterator[Callable[..., Any]]:
    """open_page(user=None): one more browser (its own cookies), checked like `page`."""
    checkers: list[PageChecker] = []

    def open_page(user: Any = None) -> Any:
        context = browser.new_context(
            base_url=web_server.url, viewport=DESKTOP, locale="en-GB", color_scheme="light"
        )
        page = context.new_page()
        page.set_default_timeout(10_000)
        checkers.append(PageChecker(page, axe_source, web_server.url))
        if user is not None:
            sign_in(page, user)
        return page

    yield open_page
    try:
        for checker in checkers:
            checker.assert_clean()
    finally:
        for checker in checkers:
            checker.page.context.close()


def wait_until_live(page: Any) -> None:
    expect(page.locator("[data-live-status]")).to_contain_text("Live")


def post(page: Any, text: str) -> None:
    page.get_by_label("Message", exact=True).fill(text)
    page.get_by_role("button", name="Post").click()
    page.wait_for_load_state()


def select_text(page: Any, message: Any, words: str) -> None:
    """Select `words` inside a message's text, as a reader does with the mouse."""
    message.locator("[data-message-body]").evaluate(
        """(body, words) => {
            const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
            let node;
            while ((node = walker.nextNode())) {
                const at = node.data.indexOf(words);
                if (at >= 0) {
                    const range = document.createRange();
                    range.setStart(node, at);
                    range.setEnd(node, at + words.length);
                    const selection = window.getSelection();
                    selection.removeAllRanges();
                    selection.addRange(range);
                    return;
                }
            }
            throw new Error("words not found: " + words);
        }""",
        words,
    )


def test_invited_people_talk_live_a_stranger_asks_to_join_and_someone_branches_off(
    open_page: Callable[..., Any],
) -> None:
    ada = UserFactory(display_name="Ada")
    bob = UserFactory(display_name="Bob")
    cleo = UserFactory(display_name="Cleo")
    dana = UserFactory(display_name="Dana")
    eve = UserFactory(display_name="Eve")

    # Ada starts a conversation and invites Bob and Cleo by handle.
    ada_page = open_page(ada)
    ada_page.goto("/conversations/new/")
    ada_page.get_by_label("Title").fill("Rivers and the cities they make")
    ada_page.get_by_label("Your first message").fill("Which river made its city?")
    ada_page.get_by_label("Invite", exact=True).fill(f"@{bob.handle}, @{cleo.handle}")
    ada_page.get_by_role("button", name="Start").click()
    expect(ada_page.get_by_role("heading", level=1)).to_have_text("Rivers and the cities they make")
    conversation = Conversation.objects.get()
    path = conversation.get_absolute_url()

    # Both accept.
    bob_page, cleo_page = open_page(bob), open_page(cleo)
    for page in (bob_page, cleo_page):
        page.goto(path)
        page.get_by_role("button", name="Accept and join").click()
        expect(page.get_by_text("Welcome: you take part in this conversation now.")).to_be_visible()
        wait_until_live(page)

    # A stranger reads along without an account.
    reader = open_page()
    reader.goto(path)
    wait_until_live(reader)

    # Bob writes; Cleo and the reader see it without reloading.
    post(bob_page, "The Seine made Paris: every bridge is a street.")
    for page in (cleo_page, reader):
        expect(page.locator("#thread")).to_contain_text("The Seine made Paris")
    # Live messages offer Cleo what she may do, and the reader nothing but reading.
    bob_message = cleo_page.locator(".message", has_text="The Seine made Paris")
    expect(bob_message.get_by_role("link", name="Reply", exact=True)).to_be_visible()
    expect(bob_message.get_by_role("link", name="Edit", exact=True)).to_have_count(0)
    expect(
        reader.locator(".message", has_text="The Seine made Paris").get_by_role(
            "link", name="Reply", exact=True
        )
    ).to_have_count(0)

    # Cleo replies to a passage of Bob's message; Bob sees the quote arrive.
    wait_until_live(bob_page)
    select_text(cleo_page, bob_message, "every bridge is a street")
    bob_message.get_by_role("link", name="Reply", exact=True).click()
    expect(cleo_page.locator(".message__quote")).to_contain_text("every bridge is a street")
    post(cleo_page, "And the Rhône made Lyon, twice.")
    arrived = bob_page.locator(".message", has_text="the Rhône made Lyon")
    expect(arrived.locator(".message__quote")).to_contain_text("every bridge is a street")
    assert Message.objects.get(body__contains="Rhône").reply_to.author == bob

    # Cleo highlights Bob's passage; Bob sees the count appear on his message.
    cleo_page.goto(path)
    message = cleo_page.locator(".message", has_text="The Seine made Paris")
    select_text(cleo_page, message, "every bridge is a street")
    message.get_by_role("link", name="Highlight", exact=True).click()
    expect(cleo_page.get_by_label("Passage to highlight")).to_have_value("every bridge is a street")
    cleo_page.get_by_role("button", name="Highlight").click()
    expect(bob_page.locator(".message", has_text="The Seine made Paris")).to_contain_text(
        "1 highlight"
    )

    # Dana, signed in but not invited, asks to join; Ada lets her in.
    dana_page = open_page(dana)
    dana_page.goto(path)
    expect(dana_page.get_by_role("link", name="Reply", exact=True)).to_have_count(0)
    dana_page.get_by_role("link", name="Ask to join").click()
    dana_page.get_by_label("Why would you like to join?").fill("I row on the Loire every morning.")
    dana_page.get_by_role("button", name="Send my request").click()
    expect(dana_page.get_by_text("Your request to join is waiting")).to_be_visible()
    ada_page.goto(path)
    ada_page.get_by_role("link", name="Requests").click()
    expect(ada_page.get_by_text("I row on the Loire every morning.")).to_be_visible()
    ada_page.get_by_role("button", name="Let them join").click()
    expect(bob_page.locator("#thread")).to_contain_text("Dana joined the conversation")
    dana_page.goto(path + "?latest")
    expect(dana_page.get_by_role("heading", name="Your message")).to_be_visible()

    # Eve branches a passage of Bob's message off into a conversation of her own.
    eve_page = open_page(eve)
    eve_page.goto(path)
    message = eve_page.locator(".message", has_text="The Seine made Paris")
    select_text(eve_page, message, "every bridge is a street")
    message.get_by_role("link", name="Branch off").click()
    expect(eve_page.get_by_role("heading", name="Branching off")).to_be_visible()
    expect(eve_page.locator(".message__quote")).to_contain_text("every bridge is a street")
    eve_page.get_by_label("Your first message").fill("Which bridges are streets, really?")
    eve_page.get_by_role("button", name="Start").click()
    expect(eve_page.get_by_text("Branched off a message in")).to_be_visible()
    eve_page.get_by_role("link", name="Rivers and the cities they make").click()
    expect(eve_page.locator(".message", has_text="The Seine made Paris")).to_contain_text(
        "Branched into: Which bridges are streets, really?"
    )


def restart_after(server: Any, pause: Callable[[], None]) -> None:
    """Stop the server, run `pause` while it is down, start it again on the same address."""
    server.process.terminate()
    server.process.wait(timeout=10)
    pause()
    port = int(server.url.rsplit(":", 1)[1])
    with server.log.open("ab") as output:
        server.process = subprocess.Popen(
            web_server_command(host="127.0.0.1", port=port, workers=1, app=APP),
            env=_environment({}),
            cwd=settings.BASE_DIR,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    _wait_until_answering(server)


def test_a_reader_who_reconnects_misses_nothing(
    open_page: Callable[..., Any], web_server: Any
) -> None:
    ada = UserFactory(display_name="Ada")
    conversation = services.conversation_start(starter=ada, title="Counting", body="zero")
    reader = open_page()
    reader.goto(conversation.get_absolute_url())
    wait_until_live(reader)

    def messages_while_the_stream_is_down() -> None:
        expect(reader.locator("[data-live-status]")).to_contain_text("Reconnecting")
        for number in ("one", "two", "three"):
            services.message_post(author=ada, conversation_id=conversation.pk, body=number)

    restart_after(web_server, messages_while_the_stream_is_down)
    thread = reader.locator("#thread")
    expect(thread).to_contain_text("three", timeout=20_000)
    bodies = thread.locator("[data-message-body]").all_inner_texts()
    assert [text.strip() for text in bodies] == ["zero", "one", "two", "three"]
    wait_until_live(reader)


def test_a_conversation_is_embedded_on_another_site_but_its_page_is_not(
    page: Any, page_checker: PageChecker, web_server: Any
) -> None:
    ada = UserFactory(display_name="Ada")
    conversation = services.conversation_start(
        starter=ada, title="Embeddable", body="Seen from elsewhere"
    )
    embed = f"{web_server.url}/c/{conversation.pk}/embed/"
    full_page = f"{web_server.url}{conversation.get_absolute_url()}"
    with serve() as elsewhere:
        elsewhere.page(
            "/",
            '<!doctype html><html lang="en"><title>Elsewhere</title>'
            f'<iframe name="embed" title="A conversation" src="{embed}"></iframe>'
            f'<iframe name="page" title="A page" src="{full_page}"></iframe></html>',
        )
        page.goto(elsewhere.url("/"))
        embedded = page.frame_locator("iframe[name=embed]")
        expect(embedded.get_by_text("Seen from elsewhere")).to_be_visible()
        expect(
            embedded.get_by_role("link", name=re.compile("Read the whole conversation"))
        ).to_be_visible()
        # The site's own pages refuse to be framed (X-Frame-Options, frame-ancestors 'none'):
        # the browser says so, and shows nothing of the page.
        expect(
            page.frame_locator("iframe[name=page]").get_by_text("Seen from elsewhere")
        ).to_have_count(0)
        refusals = [e for e in page_checker.csp_errors if "frame-ancestors 'none'" in e]
        assert len(refusals) == 1, page_checker.csp_errors
        page_checker.csp_errors.remove(refusals[0])
