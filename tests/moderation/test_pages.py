"""The moderation pages, as members, visitors and moderators use them."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from perchoir.api.services import access_token_create
from perchoir.conversations.models import Message
from perchoir.moderation import services
from perchoir.moderation.models import (
    Action,
    ActionKind,
    Appeal,
    AppealStatus,
    Case,
    CaseStatus,
    Report,
    Rule,
)
from tests.conversations.factories import ConversationFactory, MessageFactory
from tests.factories import PASSWORD, ModeratorFactory, UserFactory

pytestmark = pytest.mark.django_db


def _client(person=None) -> Client:
    client = Client()
    if person is not None:
        client.force_login(person)
    return client


def _case(message, reporter=None):
    return services.report_create(
        reporter=reporter or UserFactory(),
        target_kind="message",
        target_id=message.pk,
        category="harassment",
        explanation="Insults.",
    ).case


def _hide(moderator, message, case=None):
    return services.action_take(
        moderator=moderator,
        kind=ActionKind.HIDE,
        target_kind="message",
        target_id=message.pk,
        reason="Insults break rule 1.",
        case_id=case.pk if case else None,
    )


# --- Reporting ----------------------------------------------------------------------------------


def test_member_reports_a_message_from_its_link(member):
    message = MessageFactory()
    page = _client(member).get(message.conversation.get_absolute_url())
    report_url = reverse("moderation:report", args=["message", message.pk])
    assert report_url in page.content.decode()
    response = _client(member).post(
        report_url, {"category": "spam", "explanation": "Selling pills.", "location_url": "/x/"}
    )
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == report.get_absolute_url()
    receipt = _client().get(response["Location"])
    assert "Selling pills." in receipt.content.decode()
    assert "Waiting for review." in receipt.content.decode()


def test_visitor_report_needs_an_email(db):
    message = MessageFactory()
    url = reverse("moderation:report", args=["message", message.pk])
    response = _client().post(url, {"category": "spam", "explanation": "Pills."})
    assert response.status_code == 400
    assert "Give your email address" in response.content.decode()
    response = _client().post(
        url, {"category": "spam", "explanation": "Pills.", "email": "v@example.org"}
    )
    assert response.status_code == 302
    assert Report.objects.get().reporter_email == "v@example.org"


def test_report_without_explanation_is_answered_clearly(member):
    message = MessageFactory()
    response = _client(member).post(
        reverse("moderation:report", args=["message", message.pk]),
        {"category": "spam", "explanation": ""},
    )
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()


def test_report_links_on_conversation_and_profile(member):
    conversation = ConversationFactory()
    page = _client(member).get(conversation.get_absolute_url()).content.decode()
    assert reverse("moderation:report", args=["conversation", conversation.pk]) in page
    person = UserFactory()
    profile = _client(member).get(reverse("accounts:profile", args=[person.handle]))
    assert reverse("moderation:report", args=["person", person.pk]) in profile.content.decode()


def test_unknown_report_target_is_not_found(member):
    assert _client(member).get("/report/spaceship/1/").status_code == 404
    assert _client(member).get("/report/message/999999/").status_code == 404


# --- The queue and the case ---------------------------------------------------------------------


def test_queue_is_for_moderators_only(member):
    assert _client(member).get(reverse("moderation:queue")).status_code == 404


def test_queue_lists_and_filters_cases_in_constant_queries(
    moderator, django_assert_max_num_queries
):
    for _ in range(3):
        _case(MessageFactory())
    services.report_create(
        reporter=UserFactory(),
        target_kind="person",
        target_id=UserFactory().pk,
        category="spam",
        explanation="Ads.",
    )
    client = _client(moderator)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("moderation:queue"))
    assert page.content.decode().count("data-case-id=") == 4
    filtered = client.get(reverse("moderation:queue"), {"category": "spam"})
    assert filtered.content.decode().count("data-case-id=") == 1
    kinds = client.get(reverse("moderation:queue"), {"target_kind": "person"})
    assert kinds.content.decode().count("data-case-id=") == 1


def test_case_page_shows_context_history_and_notes(moderator, django_assert_max_num_queries):
    message = MessageFactory(body="You are all fools")
    case = _case(message)
    services.note_add(moderator=moderator, case_id=case.pk, body="Known troll.")
    earlier = _case(MessageFactory(author=message.author, conversation=message.conversation))
    services.case_resolve(moderator=moderator, case_id=earlier.pk)
    client = _client(moderator)
    with django_assert_max_num_queries(18):
        page = client.get(case.get_absolute_url())
    html = page.content.decode()
    assert "You are all fools" in html
    assert "Known troll." in html
    assert f"Case {earlier.pk}" in html
    assert "case.resolved" in _client(moderator).get(earlier.get_absolute_url()).content.decode()


def test_claim_then_another_moderator_is_told(moderator):
    case = _case(MessageFactory())
    url = reverse("moderation:case-operation", args=[case.pk, "claim"])
    _client(moderator).post(url)
    other = _client(ModeratorFactory())
    response = other.post(url, follow=True)
    assert f"@{moderator.handle} has already claimed this case." in response.content.decode()


def test_notes_assign_and_resolve_from_the_case_page(moderator):
    case = _case(MessageFactory())
    colleague = ModeratorFactory()
    client = _client(moderator)
    client.post(reverse("moderation:case-operation", args=[case.pk, "note"]), {"body": "Hmm."})
    client.post(
        reverse("moderation:case-operation", args=[case.pk, "assign"]),
        {"assignee": colleague.handle},
    )
    bad = client.post(
        reverse("moderation:case-operation", args=[case.pk, "assign"]), {"assignee": "nobody"}
    )
    assert bad.status_code == 400
    assert "Choose a moderator" in bad.content.decode()
    client.post(reverse("moderation:case-operation", args=[case.pk, "resolve"]), {})
    case.refresh_from_db()
    assert case.assignee == colleague
    assert case.status == CaseStatus.RESOLVED
    assert case.notes.get().body == "Hmm."


# --- Actions ------------------------------------------------------------------------------------


def test_hide_from_the_case_shows_a_notice_to_others_and_the_text_to_its_author(moderator):
    message = MessageFactory(body="Rude words here")
    case = _case(message)
    response = _client(moderator).post(
        reverse("moderation:act", args=["message", message.pk]) + f"?case={case.pk}",
        {"kind": "hide", "reason": "Insults break rule 1.", "case": case.pk},
    )
    assert response.status_code == 302
    reader = _client(UserFactory()).get(message.conversation.get_absolute_url()).content.decode()
    assert "Rude words here" not in reader
    assert "hidden by the moderators. Why: Insults break rule 1." in reader
    visitor = _client().get(message.conversation.get_absolute_url()).content.decode()
    assert "Rude words here" not in visitor
    author = _client(message.author).get(message.conversation.get_absolute_url()).content.decode()
    assert "Rude words here" in author
    assert "Edit it, then ask for it to be restored" in author
    feed = _client().get(reverse("conversations:feed", args=[message.conversation_id]))
    assert "Rude words here" not in feed.content.decode()


def test_hidden_text_is_absent_from_the_api_for_others(moderator):
    message = MessageFactory(body="Rude words here")
    _hide(moderator, message)
    path = f"/api/v1/conversations/{message.conversation_id}/messages"
    other = _client(UserFactory()).get(path).json()["results"][0]
    assert other["hidden"] is True
    assert other["body"] is None
    assert other["hidden_reason"] == "Insults break rule 1."
    mine = _client(message.author).get(path).json()["results"][0]
    assert mine["body"] == "Rude words here"


def test_deletion_asks_for_a_second_confirmation(moderator):
    message = MessageFactory()
    url = reverse("moderation:act", args=["message", message.pk])
    first = _client(moderator).post(url, {"kind": "delete", "reason": "Illegal."})
    assert first.status_code == 200
    assert "Confirm this severe action" in first.content.decode()
    assert "Deletion of the content" in first.content.decode()
    assert not Action.objects.exists()
    second = _client(moderator).post(
        url, {"kind": "delete", "reason": "Illegal.", "confirmed": "on"}
    )
    assert second.status_code == 302
    message.refresh_from_db()
    assert message.hidden_removed


def test_action_form_errors_are_clear(moderator):
    person = UserFactory()
    response = _client(moderator).post(
        reverse("moderation:act", args=["person", person.pk]),
        {"kind": "suspend", "reason": "Spam."},
    )
    assert response.status_code == 400
    assert "Say until when." in response.content.decode()


def test_moderator_sees_no_action_form_for_themselves(moderator):
    response = _client(moderator).post(
        reverse("moderation:act", args=["person", moderator.pk]),
        {"kind": "warning", "reason": "Me."},
    )
    assert response.status_code == 403
    assert "You cannot moderate yourself" in response.content.decode()


def test_undo_from_the_case_page(moderator):
    message = MessageFactory()
    case = _case(message)
    action = _hide(moderator, message, case)
    _client(moderator).post(
        reverse("moderation:action-undo", args=[action.pk]),
        {"reason": "Misread.", "next": case.get_absolute_url()},
    )
    message.refresh_from_db()
    assert not message.is_hidden


# --- Statements and appeals ---------------------------------------------------------------------


def test_statement_is_read_by_the_person_and_appealed(moderator):
    message = MessageFactory()
    action = _hide(moderator, message, _case(message))
    url = action.statement.get_absolute_url()
    assert _client(UserFactory()).get(url).status_code == 404
    page = _client(message.author).get(url).content.decode()
    assert "Insults break rule 1." in page
    assert "Yes, someone reported it." in page
    assert moderator.handle not in page
    response = _client(message.author).post(url, {"explanation": "It was a quote."})
    assert response.status_code == 302
    assert Appeal.objects.get().explanation == "It was a quote."
    again = _client(message.author).get(url).content.decode()
    assert "Waiting for a decision" in again


def test_empty_appeal_is_answered_clearly(moderator):
    message = MessageFactory()
    action = _hide(moderator, message)
    response = _client(message.author).post(action.statement.get_absolute_url(), {})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()


def test_appeal_decided_by_another_moderator_restores_the_message(moderator):
    message = MessageFactory(body="Quoted words")
    action = _hide(moderator, message)
    appeal = services.appeal_create(
        appellant=message.author, statement_id=action.statement.pk, explanation="A quote."
    )
    url = reverse("moderation:appeal", args=[appeal.pk])
    own = _client(moderator).get(url).content.decode()
    assert "a different moderator decides" in own
    refused = _client(moderator).post(url, {"decision": "grant", "reason": "Mine."})
    assert refused.status_code == 403
    other = _client(ModeratorFactory())
    assert other.post(url, {"decision": "grant", "reason": "A quote indeed."}).status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.GRANTED
    page = _client().get(message.conversation.get_absolute_url()).content.decode()
    assert "Quoted words" in page


# --- Restrictions and suspensions ---------------------------------------------------------------


def _sanction(moderator, person, kind, days=3):
    return services.action_take(
        moderator=moderator,
        kind=kind,
        target_kind="person",
        target_id=person.pk,
        reason="Repeated insults.",
        until=timezone.now() + timedelta(days=days),
    )


def test_restricted_person_reads_but_every_write_is_refused(moderator):
    person = UserFactory()
    conversation = ConversationFactory(starter=person)
    _sanction(moderator, person, ActionKind.RESTRICT)
    client = _client(person)
    assert client.get(conversation.get_absolute_url()).status_code == 200
    response = client.post(
        reverse("conversations:detail", args=[conversation.pk]), {"body": "Hello"}
    )
    assert response.status_code == 403
    assert "restricted to reading until" in response.content.decode()
    assert "Repeated insults." in response.content.decode()
    start = client.post(reverse("conversations:start"), {"title": "x", "body": "y"})
    assert start.status_code == 403
    assert not Message.objects.exists()


def test_restricted_person_is_refused_in_the_api_with_a_token(moderator):
    person = UserFactory()
    _sanction(moderator, person, ActionKind.RESTRICT)
    _token, secret = access_token_create(user=person, name="script")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get("/api/v1/conversations").status_code == 200
    response = client.post(
        "/api/v1/conversations",
        {"title": "x", "body": "y"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "restricted"


def test_restricted_person_may_still_appeal(moderator):
    person = UserFactory()
    action = _sanction(moderator, person, ActionKind.RESTRICT)
    response = _client(person).post(
        action.statement.get_absolute_url(), {"explanation": "Please reconsider."}
    )
    assert response.status_code == 302
    assert Appeal.objects.filter(appellant=person).exists()


def test_suspended_person_cannot_sign_in_and_sees_why_and_until_when(moderator):
    person = UserFactory()
    action = _sanction(moderator, person, ActionKind.SUSPEND)
    response = Client().post(
        reverse("account_login"), {"login": person.email, "password": PASSWORD}
    )
    html = response.content.decode()
    assert response.status_code == 403
    assert "suspended until" in html
    assert "Repeated insults." in html
    assert "_auth_user_id" not in Client().session
    # The statement, with its appeal form, is reachable without signing in.
    assert f"/moderation/statements/{action.statement.pk}/?key=" in html


def test_suspension_signs_the_person_out(moderator):
    person = UserFactory()
    client = _client(person)
    _sanction(moderator, person, ActionKind.SUSPEND)
    response = client.get(reverse("accounts:settings-profile"))
    assert response.status_code == 302


def test_lifted_suspension_lets_the_person_in_again(moderator):
    person = UserFactory()
    action = _sanction(moderator, person, ActionKind.SUSPEND)
    services.action_undo(moderator=ModeratorFactory(), action_id=action.pk, reason="Mistake.")
    response = Client().post(
        reverse("account_login"), {"login": person.email, "password": PASSWORD}
    )
    assert response.status_code == 302


# --- Rules, transparency, log -------------------------------------------------------------------


def test_administrator_writes_rules_in_both_languages(admin_user, member):
    assert _client(member).get(reverse("moderation:rules-edit")).status_code == 404
    response = _client(admin_user).post(
        reverse("moderation:rules-edit"),
        {"number": 1, "title_en": "Be kind", "title_fr": "Soyez aimable", "body_en": "Always."},
    )
    assert response.status_code == 302
    english = _client().get(reverse("moderation:rules")).content.decode()
    assert "Be kind" in english
    french = _client().get(reverse("moderation:rules"), HTTP_ACCEPT_LANGUAGE="fr").content
    assert "Soyez aimable" in french.decode()


def test_transparency_counts_actions_per_month_kind_and_rule(moderator):
    rule = Rule.objects.create(number=1, title_en="Be kind")
    for _ in range(2):
        services.action_take(
            moderator=moderator,
            kind=ActionKind.HIDE,
            target_kind="message",
            target_id=MessageFactory().pk,
            reason="Unkind.",
            rule_id=rule.pk,
        )
    page = _client().get(reverse("moderation:transparency")).content.decode()
    assert "Hide the content" in page
    assert "1. Be kind" in page
    assert "<td>2</td>" in page
    assert moderator.handle not in page


def test_log_page_for_moderators(moderator, member):
    _hide(moderator, MessageFactory())
    assert _client(member).get(reverse("moderation:log")).status_code == 404
    assert "action.hide" in _client(moderator).get(reverse("moderation:log")).content.decode()


def test_header_and_footer_links(moderator, member):
    home = _client(moderator).get("/").content.decode()
    assert reverse("moderation:queue") in home
    assert reverse("moderation:transparency") in home
    assert reverse("moderation:queue") not in _client(member).get("/").content.decode()


def test_case_model_allows_one_open_case_per_target(db):
    message = MessageFactory()
    first = _case(message)
    second = _case(message)
    assert first == second
    assert Case.objects.count() == 1


def test_hidden_conversation_shows_a_notice_and_leaves_lists_feeds_and_embeds(moderator):
    conversation = ConversationFactory(title="Secret complaint")
    MessageFactory(conversation=conversation, body="My complaint in full")
    services.action_take(
        moderator=moderator,
        kind=ActionKind.HIDE,
        target_kind="conversation",
        target_id=conversation.pk,
        reason="Personal data of staff.",
    )
    reader = _client(UserFactory())
    page = reader.get(conversation.get_absolute_url()).content.decode()
    assert "This conversation was hidden by the moderators" in page
    assert "Personal data of staff." in page
    assert "My complaint in full" not in page
    assert "Secret complaint" not in reader.get(reverse("conversations:list")).content.decode()
    assert reader.get(reverse("conversations:feed", args=[conversation.pk])).status_code == 404
    api = reader.get(f"/api/v1/conversations/{conversation.pk}/messages")
    assert api.status_code == 404
    starter = _client(conversation.starter).get(conversation.get_absolute_url()).content.decode()
    assert "My complaint in full" in starter


def test_author_edits_a_hidden_message_and_others_still_see_the_notice(moderator):
    message = MessageFactory(body="Rude first version")
    _hide(moderator, message)
    response = _client(message.author).post(
        reverse("conversations:message-edit", args=[message.conversation_id, message.pk]),
        {"body": "Polite second version"},
    )
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.body == "Polite second version"
    assert message.is_hidden
    other = _client(UserFactory()).get(message.conversation.get_absolute_url()).content.decode()
    assert "Polite second version" not in other


def test_replying_to_a_hidden_message_is_refused(moderator):
    message = MessageFactory()
    _hide(moderator, message)
    from perchoir.conversations import services as conversation_services
    from perchoir.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        conversation_services.message_post(
            author=message.conversation.starter,
            conversation_id=message.conversation_id,
            body="Reply",
            reply_to_id=message.pk,
        )


def test_note_about_the_person_from_the_case_page(moderator):
    message = MessageFactory()
    case = _case(message)
    client = _client(moderator)
    client.post(
        reverse("moderation:case-operation", args=[case.pk, "person-note"]),
        {"body": "Apologised by email last time."},
    )
    later = _case(MessageFactory(author=message.author, conversation=message.conversation))
    assert "Apologised by email last time." in client.get(later.get_absolute_url()).content.decode()


def test_suspended_person_appeals_through_the_signed_link(moderator):
    person = UserFactory()
    _sanction(moderator, person, ActionKind.SUSPEND)
    refused = Client().post(reverse("account_login"), {"login": person.email, "password": PASSWORD})
    html = refused.content.decode()
    start = html.index("/moderation/statements/")
    link = html[start : html.index('"', start)].replace("&amp;", "&")
    visitor = Client()
    page = visitor.get(link)
    assert "Repeated insults." in page.content.decode()
    response = visitor.post(link, {"explanation": "Someone else used my account."})
    assert response.status_code == 302
    assert Appeal.objects.get().appellant == person
    tampered = link[:-3] + "xyz"
    assert Client().get(tampered).status_code == 404


def test_transparency_statement_and_appeals_pages_in_constant_queries(
    moderator, django_assert_max_num_queries
):
    messages = [MessageFactory() for _ in range(3)]
    actions = [_hide(moderator, message) for message in messages]
    for message, action in zip(messages, actions, strict=True):
        services.appeal_create(
            appellant=message.author, statement_id=action.statement.pk, explanation="Unfair."
        )
    visitor = Client()
    with django_assert_max_num_queries(8):
        assert visitor.get(reverse("moderation:transparency")).status_code == 200
    other = _client(ModeratorFactory())
    with django_assert_max_num_queries(10):
        page = other.get(reverse("moderation:appeals"))
    assert page.content.decode().count("appeals: Hide the content") == 3
    author = _client(messages[0].author)
    with django_assert_max_num_queries(10):
        assert author.get(actions[0].statement.get_absolute_url()).status_code == 200


def test_banned_person_cannot_sign_in_and_is_told(moderator):
    person = UserFactory()
    services.action_take(
        moderator=moderator,
        kind=ActionKind.BAN,
        target_kind="person",
        target_id=person.pk,
        reason="Spam bot.",
        confirmed=True,
    )
    response = Client().post(
        reverse("account_login"), {"login": person.email, "password": PASSWORD}
    )
    assert response.status_code == 403
    assert "Your account is banned from this site." in response.content.decode()


def test_queue_pages_keep_the_filters(moderator, monkeypatch):
    from perchoir.moderation import selectors

    monkeypatch.setattr(selectors, "QUEUE_PAGE_SIZE", 2)
    for _ in range(3):
        services.report_create(
            reporter=UserFactory(),
            target_kind="message",
            target_id=MessageFactory().pk,
            category="spam",
            explanation="Ads.",
        )
    client = _client(moderator)
    first = client.get(reverse("moderation:queue"), {"category": "spam"}).content.decode()
    assert first.count("data-case-id=") == 2
    assert "?category=spam&amp;page=2" in first
    second = client.get(reverse("moderation:queue"), {"category": "spam", "page": 2})
    assert second.content.decode().count("data-case-id=") == 1
