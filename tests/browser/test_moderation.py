"""Moderation in real browsers: a reader reports a message, a moderator reviews and hides it with
a reason, its author reads the statement of reasons and appeals, a different moderator grants the
appeal and everyone reads the message again.

axe-core checks every page each browser visits (see conftest.py).
"""

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from perchoir.conversations.models import Message
from tests.conversations.factories import ConversationFactory, MessageFactory
from tests.factories import PASSWORD, AdminFactory, ModeratorFactory, UserFactory

from .conftest import DESKTOP, PageChecker

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def web_server(asgi_live_server: Any) -> Any:
    """The conversation page streams live events: the real ASGI server."""
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


def test_report_review_hide_statement_appeal_restore(open_page: Any) -> None:
    author = UserFactory(handle="camille", display_name="Camille")
    reader = UserFactory(handle="reader", display_name="Reader")
    first_moderator = ModeratorFactory(handle="mod_one", display_name="Mod One")
    second_moderator = ModeratorFactory(handle="mod_two", display_name="Mod Two")
    conversation = ConversationFactory(starter=author, title="The late train")
    message = MessageFactory(
        conversation=conversation, author=author, body="This company is run by clowns"
    )

    # A reader reports the message from its link, and gets a receipt.
    reporter = open_page(reader)
    reporter.goto(conversation.get_absolute_url())
    reporter.locator(f"#m-{message.pk}").get_by_role("link", name="Report").click()
    reporter.wait_for_url("**/report/message/*/")
    reporter.get_by_label("Harassment or hate").check()
    reporter.get_by_label("Explain").fill("Insults the staff by name.")
    reporter.get_by_role("button", name="Send the report").click()
    reporter.wait_for_url("**/moderation/reports/*/")
    expect(reporter.locator("main")).to_contain_text("Waiting for review.")

    # A moderator finds it in the queue, claims it and hides the message with a reason.
    moderator = open_page(first_moderator)
    moderator.goto("/")
    moderator.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Review queue"
    ).click()
    moderator.wait_for_url("**/moderation/")
    moderator.locator("main").get_by_role("link", name="Case").first.click()
    expect(moderator.locator("main")).to_contain_text("This company is run by clowns")
    expect(moderator.locator("main")).to_contain_text("Insults the staff by name.")
    moderator.get_by_role("button", name="Claim").click()
    expect(moderator.locator("main")).to_contain_text("You claimed this case.")
    moderator.get_by_role("link", name="Take an action").click()
    moderator.get_by_label("Hide the content").check()
    moderator.get_by_label("Why").fill("Name-calling breaks our first rule; criticism is welcome.")
    moderator.get_by_role("button", name="Continue").click()
    expect(moderator.locator("main")).to_contain_text("Done: Hide the content.")
    expect(moderator.get_by_test_id("case-status")).to_have_text("Resolved")

    # Others see a notice in its place, with the reason; the reporter is told the outcome.
    reporter.goto(conversation.get_absolute_url())
    notice = reporter.locator(f"#m-{message.pk}")
    expect(notice).to_contain_text("hidden by the moderators. Why: Name-calling breaks")
    expect(notice).not_to_contain_text("clowns")

    # Another moderator reads it behind the notice, marked as hidden.
    other = open_page(second_moderator)
    other.goto(conversation.get_absolute_url())
    marked = other.locator(f"#m-{message.pk}")
    expect(marked).to_contain_text("you see it because you are a moderator")
    expect(marked).to_contain_text("This company is run by clowns")

    # The author still reads it, opens the statement of reasons and appeals.
    person = open_page(author)
    person.goto(conversation.get_absolute_url())
    mine = person.locator(f"#m-{message.pk}")
    expect(mine).to_contain_text("This company is run by clowns")
    mine.get_by_role("link", name="Edit it, then ask for it to be restored").click()
    person.wait_for_url("**/moderation/statements/*/")
    expect(person.get_by_test_id("statement-action")).to_have_text("Hide the content")
    expect(person.get_by_test_id("statement-reason")).to_contain_text("criticism is welcome")
    expect(person.locator("main")).not_to_contain_text("mod_one")
    person.get_by_label("Why should the decision change?").fill(
        "It was about the service, not a person. I changed the words."
    )
    person.get_by_role("button", name="Send the appeal").click()
    expect(person.get_by_test_id("appeal-status")).to_have_text("Waiting for a decision")

    # The moderator who acted cannot decide; a different one grants the appeal.
    moderator.goto("/moderation/appeals/")
    moderator.get_by_role("link", name="@camille appeals: Hide the content").click()
    expect(moderator.locator("main")).to_contain_text("a different moderator decides")
    other.goto("/moderation/appeals/")
    other.get_by_role("link", name="@camille appeals: Hide the content").click()
    other.get_by_label("Grant: undo the action").check()
    other.get_by_label("Why").fill("Fair point: it criticises the service.")
    other.get_by_role("button", name="Decide").click()
    expect(other.get_by_test_id("appeal-status")).to_have_text("Granted: the action was undone")

    # Everyone reads the message again; the statement says the decision was undone.
    reporter.goto(conversation.get_absolute_url())
    expect(reporter.locator(f"#m-{message.pk}")).to_contain_text("This company is run by clowns")
    person.reload()
    expect(person.get_by_test_id("statement-undone")).to_be_visible()
    assert Message.objects.get(pk=message.pk).hidden_at is None


def test_transparency_and_rules_pages(open_page: Any) -> None:
    page = open_page()
    page.goto("/")
    page.get_by_role("link", name="Transparency").click()
    page.wait_for_url("**/transparency/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Transparency")
    page.get_by_role("link", name="The rules").click()
    page.wait_for_url("**/rules/")
    expect(page.get_by_role("heading", level=1)).to_have_text("The rules of this site")


def test_severe_actions_rules_log_and_a_refused_sign_in(open_page: Any) -> None:
    admin = AdminFactory(handle="admin_ada")
    spammer = UserFactory(handle="spammer", email="spammer@example.org")
    conversation = ConversationFactory(title="Cheap pills")
    message = MessageFactory(conversation=conversation, body="Buy cheap pills now")

    # An administrator writes a rule, in English and French.
    page = open_page(admin)
    page.goto("/moderation/rules/")
    page.get_by_label("Number").fill("1")
    page.get_by_label("Title (English)").fill("No advertising")
    page.get_by_label("Title (French)").fill("Pas de publicité")
    page.get_by_role("button", name="Save the rule").click()
    expect(page.locator("main")).to_contain_text("The rule is saved.")

    # Deleting content asks for a second confirmation, with the reason.
    page.goto(f"/moderation/act/message/{message.pk}/")
    page.get_by_label("Deletion of the content").check()
    page.get_by_label("Why").fill("Advertising for medicines.")
    page.get_by_label("Which rule").select_option(label="1. No advertising")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm this severe action")
    page.get_by_label("I confirm: a gentler action is not enough").check()
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("main")).to_contain_text("Done: Deletion of the content.")

    # A suspension from the person's profile.
    page.goto(f"/@{spammer.handle}")
    page.get_by_role("link", name="Moderate this person").click()
    page.get_by_label("Suspension").check()
    page.get_by_label("Why").fill("Posts advertising everywhere.")
    page.get_by_label("Until").fill(
        (timezone.now() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("main")).to_contain_text("Done: Suspension.")
    page.goto("/moderation/log/")
    expect(page.locator("main")).to_contain_text("action.suspend")

    # The suspended person tries to sign in and is told why and until when.
    visitor = open_page()
    visitor.goto("/accounts/login/")
    visitor.get_by_label("Email").fill("spammer@example.org")
    visitor.get_by_label("Password").fill(PASSWORD)
    visitor.get_by_role("button", name="Sign in").click()
    expect(visitor.get_by_test_id("sanction-message")).to_contain_text(
        "Your account is suspended until"
    )
    expect(visitor.get_by_test_id("sanction-message")).to_contain_text(
        "Posts advertising everywhere."
    )
    visitor.get_by_role("link", name="Read the statement of reasons, and appeal").click()
    expect(visitor.get_by_test_id("statement-action")).to_have_text("Suspension")

    # Readers see that the message was removed, and why.
    visitor.goto(conversation.get_absolute_url())
    expect(visitor.locator(f"#m-{message.pk}")).to_contain_text(
        "removed by the moderators. Why: Advertising for medicines."
    )
