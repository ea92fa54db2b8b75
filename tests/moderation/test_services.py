"""Reports, cases, every action and its undo, statements, appeals, and the log."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.utils import timezone

from perchoir.conversations import services as conversation_services
from perchoir.conversations.models import Message, Visibility
from perchoir.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from perchoir.moderation import services
from perchoir.moderation.models import (
    Action,
    ActionKind,
    AppealStatus,
    CaseStatus,
    LogEntry,
    StatementOfReasons,
)
from perchoir.notifications.models import Notification, NotificationKind
from tests.conversations.factories import ConversationFactory, MessageFactory
from tests.factories import ModeratorFactory, UserFactory

pytestmark = pytest.mark.django_db


def _report(reporter, message, **extra):
    values = {
        "reporter": reporter,
        "target_kind": "message",
        "target_id": message.pk,
        "category": "harassment",
        "explanation": "Insults another participant.",
    }
    values.update(extra)
    return services.report_create(**values)


def _hide(moderator, message, **extra):
    values = {
        "moderator": moderator,
        "kind": ActionKind.HIDE,
        "target_kind": "message",
        "target_id": message.pk,
        "reason": "Insults are against rule 1.",
    }
    values.update(extra)
    return services.action_take(**values)


# --- Reports ------------------------------------------------------------------------------------


def test_member_report_opens_a_case_and_sends_a_receipt(member):
    message = MessageFactory()
    report = _report(member, message)
    assert report.case.status == CaseStatus.OPEN
    assert report.case.subject == message.author
    receipt = Notification.objects.get(recipient=member)
    assert receipt.kind == NotificationKind.MODERATION_REPORT_RECEIVED
    assert receipt.url == report.get_absolute_url()


def test_reports_on_one_target_gather_in_one_case(member):
    message = MessageFactory()
    first = _report(member, message)
    second = _report(UserFactory(), message, category="spam", explanation="Spam.")
    assert first.case_id == second.case_id
    assert first.case.reports.count() == 2


def test_visitor_reports_with_an_email_and_gets_the_receipt_by_email(
    db, django_capture_on_commit_callbacks
):
    message = MessageFactory()
    with django_capture_on_commit_callbacks(execute=True):
        report = _report(None, message, email="visitor@example.org")
    assert report.reporter is None
    assert report.reporter_email == "visitor@example.org"
    assert mail.outbox[-1].to == ["visitor@example.org"]
    assert str(report.receipt) in mail.outbox[-1].body


def test_visitor_without_email_is_asked_for_one(db):
    with pytest.raises(InvalidInput) as error:
        _report(None, MessageFactory())
    assert "email" in error.value.fields


def test_report_needs_a_category_and_an_explanation(member):
    message = MessageFactory()
    with pytest.raises(InvalidInput) as error:
        _report(member, message, category="nonsense")
    assert "category" in error.value.fields
    with pytest.raises(InvalidInput) as error:
        _report(member, message, explanation="   ")
    assert "explanation" in error.value.fields


def test_nobody_reports_what_they_cannot_see(member):
    secret = MessageFactory(conversation=ConversationFactory(visibility=Visibility.PRIVATE))
    with pytest.raises(NotFound):
        _report(member, secret)


def test_unknown_kinds_cannot_be_reported(member):
    with pytest.raises(InvalidInput):
        services.report_create(
            reporter=member,
            target_kind="spaceship",
            target_id=1,
            category="spam",
            explanation="x",
        )


def test_a_person_can_be_reported(member):
    person = UserFactory()
    report = services.report_create(
        reporter=member,
        target_kind="person",
        target_id=person.pk,
        category="spam",
        explanation="Only posts advertising.",
    )
    assert report.case.subject == person


# --- Claiming, assigning, notes, resolving ------------------------------------------------------


def test_second_moderator_claiming_is_told_who_has_it(member):
    case = _report(member, MessageFactory()).case
    first, second = ModeratorFactory(handle="first_mod"), ModeratorFactory()
    services.case_claim(moderator=first, case_id=case.pk)
    with pytest.raises(Conflict) as error:
        services.case_claim(moderator=second, case_id=case.pk)
    assert "@first_mod" in str(error.value.message)
    case.refresh_from_db()
    assert case.claimed_by == first


def test_members_cannot_claim(member):
    case = _report(member, MessageFactory()).case
    with pytest.raises(Forbidden):
        services.case_claim(moderator=UserFactory(), case_id=case.pk)


def test_moderator_cannot_handle_a_case_about_themselves(member):
    moderator = ModeratorFactory()
    message = MessageFactory(author=moderator, conversation=ConversationFactory(starter=moderator))
    case = _report(member, message).case
    with pytest.raises(Forbidden):
        services.case_claim(moderator=moderator, case_id=case.pk)
    with pytest.raises(Forbidden):
        _hide(moderator, message)


def test_assign_to_a_colleague_notifies_them(member, moderator):
    case = _report(member, MessageFactory()).case
    colleague = ModeratorFactory()
    services.case_assign(moderator=moderator, case_id=case.pk, assignee_handle=colleague.handle)
    case.refresh_from_db()
    assert case.assignee == colleague
    assert Notification.objects.filter(
        recipient=colleague, kind=NotificationKind.MODERATION_CASE_ASSIGNED
    ).exists()
    with pytest.raises(InvalidInput):
        services.case_assign(moderator=moderator, case_id=case.pk, assignee_handle=member.handle)


def test_notes_on_case_and_person(member, moderator):
    case = _report(member, MessageFactory()).case
    note = services.note_add(moderator=moderator, case_id=case.pk, body="Second time this week.")
    assert note.case == case
    person_note = services.note_add(
        moderator=moderator, person_id=case.subject_id, body="Talked to them by email."
    )
    assert person_note.person_id == case.subject_id
    with pytest.raises(InvalidInput):
        services.note_add(moderator=moderator, case_id=case.pk, body=" ")


def test_resolving_tells_the_reporter_without_naming_the_moderator(member, moderator):
    case = _report(member, MessageFactory()).case
    services.case_resolve(moderator=moderator, case_id=case.pk, resolution="Looked fine.")
    outcome = Notification.objects.get(
        recipient=member, kind=NotificationKind.MODERATION_REPORT_OUTCOME
    )
    assert outcome.actor is None
    assert moderator.handle not in str(outcome.params)
    with pytest.raises(Conflict):
        services.case_resolve(moderator=moderator, case_id=case.pk)


def test_resolving_a_case_claimed_by_someone_else_is_refused(member, moderator):
    case = _report(member, MessageFactory()).case
    services.case_claim(moderator=ModeratorFactory(), case_id=case.pk)
    with pytest.raises(Conflict):
        services.case_resolve(moderator=moderator, case_id=case.pk)


# --- Actions and their undo ---------------------------------------------------------------------


def test_dismiss_closes_the_case_without_a_statement(member, moderator):
    message = MessageFactory()
    case = _report(member, message).case
    services.action_take(
        moderator=moderator,
        kind=ActionKind.DISMISS,
        target_kind="message",
        target_id=message.pk,
        reason="",
        case_id=case.pk,
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED
    assert not StatementOfReasons.objects.exists()
    outcome = Notification.objects.get(
        recipient=member, kind=NotificationKind.MODERATION_REPORT_OUTCOME
    )
    assert "no breach" in outcome.params["reason"]


@pytest.mark.parametrize("kind", [ActionKind.NOTE, ActionKind.WARNING])
def test_note_and_warning_send_a_statement(moderator, kind):
    message = MessageFactory()
    action = services.action_take(
        moderator=moderator,
        kind=kind,
        target_kind="message",
        target_id=message.pk,
        reason="Please keep it civil.",
    )
    statement = action.statement
    assert statement.recipient == message.author
    assert not statement.after_report
    notification = Notification.objects.get(
        recipient=message.author, kind=NotificationKind.MODERATION_STATEMENT
    )
    assert notification.actor is None
    assert notification.url == statement.get_absolute_url()
    services.action_undo(moderator=moderator, action_id=action.pk, reason="Sent by mistake.")
    action.refresh_from_db()
    assert action.is_reversed


def test_every_action_needs_a_reason(moderator):
    message = MessageFactory()
    with pytest.raises(InvalidInput) as error:
        _hide(moderator, message, reason="")
    assert "reason" in error.value.fields


def test_hide_keeps_the_text_and_undo_restores_it(member, moderator):
    message = MessageFactory(body="You are all idiots")
    case = _report(member, message).case
    action = _hide(moderator, message, case_id=case.pk)
    message.refresh_from_db()
    assert message.is_hidden
    assert message.hidden_reason == "Insults are against rule 1."
    assert message.body == "You are all idiots"
    assert message.hidden_from(member)
    assert message.hidden_from(AnonymousUser())
    assert not message.hidden_from(message.author)
    assert not message.hidden_from(moderator)
    assert action.statement.after_report
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED
    services.action_undo(moderator=moderator, action_id=action.pk, reason="Misread it.")
    message.refresh_from_db()
    assert not message.is_hidden
    assert Notification.objects.filter(
        recipient=message.author, kind=NotificationKind.MODERATION_ACTION_UNDONE
    ).exists()


def test_hiding_twice_is_refused(moderator):
    message = MessageFactory()
    _hide(moderator, message)
    with pytest.raises(Conflict):
        _hide(moderator, message)


def test_undoing_twice_is_refused(moderator):
    action = _hide(moderator, MessageFactory())
    services.action_undo(moderator=moderator, action_id=action.pk, reason="Mistake.")
    with pytest.raises(Conflict):
        services.action_undo(moderator=moderator, action_id=action.pk, reason="Again.")


@pytest.mark.parametrize("kind", [ActionKind.DELETE, ActionKind.BAN])
def test_severe_actions_need_a_second_confirmation_and_a_reason(moderator, kind):
    message = MessageFactory()
    with pytest.raises(InvalidInput) as error:
        _hide(moderator, message, kind=kind)
    assert "confirmed" in error.value.fields
    with pytest.raises(InvalidInput) as error:
        _hide(moderator, message, kind=kind, reason="", confirmed=True)
    assert "reason" in error.value.fields
    assert not Action.objects.exists()
    _hide(moderator, message, kind=kind, confirmed=True)
    assert Action.objects.filter(kind=kind).exists()


def test_deletion_hides_from_the_author_too_and_is_restorable(moderator):
    message = MessageFactory(body="Illegal stuff")
    action = _hide(moderator, message, kind=ActionKind.DELETE, confirmed=True)
    message.refresh_from_db()
    assert message.hidden_from(message.author)
    assert not message.hidden_from(moderator)
    assert Message.objects.filter(pk=message.pk, body="Illegal stuff").exists()
    services.action_undo(moderator=moderator, action_id=action.pk, reason="Legal after all.")
    message.refresh_from_db()
    assert not message.is_hidden


def test_slow_mode_and_undo_give_back_the_previous_value(moderator):
    conversation = ConversationFactory(slow_mode_seconds=10)
    action = services.action_take(
        moderator=moderator,
        kind=ActionKind.SLOW_MODE,
        target_kind="conversation",
        target_id=conversation.pk,
        reason="Heated.",
        slow_mode_seconds=300,
    )
    conversation.refresh_from_db()
    assert conversation.slow_mode_seconds == 300
    services.action_undo(moderator=moderator, action_id=action.pk, reason="Calmer now.")
    conversation.refresh_from_db()
    assert conversation.slow_mode_seconds == 10


def test_slow_mode_needs_seconds(moderator):
    conversation = ConversationFactory()
    with pytest.raises(InvalidInput) as error:
        services.action_take(
            moderator=moderator,
            kind=ActionKind.SLOW_MODE,
            target_kind="conversation",
            target_id=conversation.pk,
            reason="Heated.",
        )
    assert "slow_mode_seconds" in error.value.fields


def test_slow_mode_from_a_message_applies_to_its_conversation(moderator):
    message = MessageFactory()
    services.action_take(
        moderator=moderator,
        kind=ActionKind.SLOW_MODE,
        target_kind="message",
        target_id=message.pk,
        reason="Heated.",
        slow_mode_seconds=60,
    )
    message.conversation.refresh_from_db()
    assert message.conversation.slow_mode_seconds == 60


def test_timed_lock_ends_by_itself_and_undo_unlocks(moderator):
    conversation = ConversationFactory()
    until = timezone.now() + timedelta(hours=2)
    action = services.action_take(
        moderator=moderator,
        kind=ActionKind.LOCK,
        target_kind="conversation",
        target_id=conversation.pk,
        reason="Cooling off.",
        until=until,
    )
    conversation.refresh_from_db()
    assert conversation.is_locked
    conversation.locked_until = timezone.now() - timedelta(seconds=1)
    assert not conversation.is_locked
    services.action_undo(moderator=moderator, action_id=action.pk, reason="Enough.")
    conversation.refresh_from_db()
    assert not conversation.is_locked


def test_timed_actions_need_a_future_date(moderator):
    person = UserFactory()
    for until in (None, timezone.now() - timedelta(days=1)):
        with pytest.raises(InvalidInput) as error:
            services.action_take(
                moderator=moderator,
                kind=ActionKind.SUSPEND,
                target_kind="person",
                target_id=person.pk,
                reason="Repeated harassment.",
                until=until,
            )
        assert "until" in error.value.fields


@pytest.mark.parametrize("kind", [ActionKind.RESTRICT, ActionKind.SUSPEND])
def test_restriction_and_suspension_are_in_force_until_undone(moderator, kind):
    person = UserFactory()
    action = services.action_take(
        moderator=moderator,
        kind=kind,
        target_kind="person",
        target_id=person.pk,
        reason="Repeated harassment.",
        until=timezone.now() + timedelta(days=7),
    )
    assert services.account_sanction(user=person) == action
    services.action_undo(moderator=moderator, action_id=action.pk, reason="Apologised.")
    assert services.account_sanction(user=person) is None


def test_suspension_ends_at_its_date(moderator):
    person = UserFactory()
    action = services.action_take(
        moderator=moderator,
        kind=ActionKind.SUSPEND,
        target_kind="person",
        target_id=person.pk,
        reason="Spam.",
        until=timezone.now() + timedelta(days=1),
    )
    Action.objects.filter(pk=action.pk).update(until=timezone.now() - timedelta(seconds=1))
    assert services.account_sanction(user=person) is None


def test_only_administrators_act_on_administrators(moderator, admin_user):
    with pytest.raises(Forbidden):
        services.action_take(
            moderator=moderator,
            kind=ActionKind.WARNING,
            target_kind="person",
            target_id=admin_user.pk,
            reason="Rude.",
        )


# --- Appeals ------------------------------------------------------------------------------------


def test_granted_appeal_restores_the_content_and_tells_the_person(member, moderator):
    message = MessageFactory()
    action = _hide(moderator, message, case_id=_report(member, message).case_id)
    appeal = services.appeal_create(
        appellant=message.author,
        statement_id=action.statement.pk,
        explanation="It was a quote, not an insult.",
    )
    with pytest.raises(Forbidden):
        services.appeal_decide(moderator=moderator, appeal_id=appeal.pk, grant=True, reason="x")
    other = ModeratorFactory()
    services.appeal_decide(
        moderator=other, appeal_id=appeal.pk, grant=True, reason="Indeed a quote."
    )
    appeal.refresh_from_db()
    message.refresh_from_db()
    action.refresh_from_db()
    assert appeal.status == AppealStatus.GRANTED
    assert not message.is_hidden
    assert action.is_reversed
    assert action.reversed_by == other
    assert Notification.objects.filter(
        recipient=message.author, kind=NotificationKind.MODERATION_APPEAL_DECIDED
    ).exists()
    verbs = list(LogEntry.objects.values_list("verb", flat=True))
    assert "action.hide.undone_on_appeal" in verbs
    assert "appeal.granted" in verbs


def test_granted_appeal_lifts_a_suspension(moderator):
    person = UserFactory()
    action = services.action_take(
        moderator=moderator,
        kind=ActionKind.SUSPEND,
        target_kind="person",
        target_id=person.pk,
        reason="Spam.",
        until=timezone.now() + timedelta(days=30),
    )
    appeal = services.appeal_create(
        appellant=person, statement_id=action.statement.pk, explanation="Account was hacked."
    )
    services.appeal_decide(
        moderator=ModeratorFactory(), appeal_id=appeal.pk, grant=True, reason="Believable."
    )
    assert services.account_sanction(user=person) is None


def test_rejected_appeal_leaves_the_action(moderator):
    message = MessageFactory()
    action = _hide(moderator, message)
    appeal = services.appeal_create(
        appellant=message.author, statement_id=action.statement.pk, explanation="Unfair."
    )
    services.appeal_decide(
        moderator=ModeratorFactory(), appeal_id=appeal.pk, grant=False, reason="It stands."
    )
    message.refresh_from_db()
    assert message.is_hidden
    with pytest.raises(Conflict):
        services.appeal_decide(
            moderator=ModeratorFactory(), appeal_id=appeal.pk, grant=True, reason="Changed mind."
        )


def test_moderator_cannot_decide_their_own_appeal(moderator):
    colleague = ModeratorFactory()
    message = MessageFactory(author=colleague, conversation=ConversationFactory(starter=colleague))
    action = _hide(moderator, message)
    appeal = services.appeal_create(
        appellant=colleague, statement_id=action.statement.pk, explanation="Mine was fine."
    )
    with pytest.raises(Forbidden):
        services.appeal_decide(moderator=colleague, appeal_id=appeal.pk, grant=True, reason="Me.")


def test_only_the_person_concerned_appeals_once_within_the_period(moderator, settings):
    message = MessageFactory()
    action = _hide(moderator, message)
    statement = action.statement
    with pytest.raises(NotFound):
        services.appeal_create(
            appellant=UserFactory(), statement_id=statement.pk, explanation="Not mine."
        )
    with pytest.raises(InvalidInput):
        services.appeal_create(appellant=message.author, statement_id=statement.pk, explanation="")
    StatementOfReasons.objects.filter(pk=statement.pk).update(
        appeal_until=timezone.now() - timedelta(days=1)
    )
    with pytest.raises(Forbidden) as error:
        services.appeal_create(
            appellant=message.author, statement_id=statement.pk, explanation="Late."
        )
    assert "ended" in str(error.value.message)


def test_appeal_period_is_a_setting(moderator, settings):
    settings.MODERATION_APPEAL_DAYS = 10
    action = _hide(moderator, MessageFactory())
    remaining = action.statement.appeal_until - timezone.now()
    assert timedelta(days=9) < remaining <= timedelta(days=10)


def test_appealing_twice_is_refused(moderator):
    message = MessageFactory()
    action = _hide(moderator, message)
    services.appeal_create(
        appellant=message.author, statement_id=action.statement.pk, explanation="Unfair."
    )
    with pytest.raises(Conflict):
        services.appeal_create(
            appellant=message.author, statement_id=action.statement.pk, explanation="Again."
        )


# --- The log ------------------------------------------------------------------------------------


def test_every_step_is_logged_with_who_whom_why_and_before_after(member, moderator):
    message = MessageFactory()
    case = _report(member, message).case
    services.case_claim(moderator=moderator, case_id=case.pk)
    _hide(moderator, message, case_id=case.pk)
    entries = {entry.verb: entry for entry in LogEntry.objects.all()}
    assert {"case.claimed", "action.hide", "case.resolved"} <= set(entries)
    hide = entries["action.hide"]
    assert hide.actor_handle == moderator.handle
    assert hide.subject_id == message.author_id
    assert hide.reason == "Insults are against rule 1."
    assert hide.before == {"hidden": False}


def test_starters_room_actions_reach_the_moderation_log(db):
    conversation = ConversationFactory()
    conversation_services.conversation_slow_mode_set(
        actor=conversation.starter, conversation_id=conversation.pk, seconds=30, reason="Busy."
    )
    entry = LogEntry.objects.get(verb="room.slow_mode")
    assert entry.actor_role == "starter"
    assert entry.before == {"slow_mode_seconds": 0}
    assert entry.after == {"slow_mode_seconds": 30}
    assert entry.target_kind == "conversation"


def test_starter_can_lock_again_after_a_timed_lock_ended(moderator):
    conversation = ConversationFactory()
    services.action_take(
        moderator=moderator,
        kind=ActionKind.LOCK,
        target_kind="conversation",
        target_id=conversation.pk,
        reason="Cooling off.",
        until=timezone.now() + timedelta(hours=1),
    )
    conversation.refresh_from_db()
    conversation.locked_until = timezone.now() - timedelta(minutes=1)
    conversation.save(update_fields=["locked_until"])
    conversation_services.conversation_lock(
        actor=conversation.starter, conversation_id=conversation.pk, locked=True, reason="Done."
    )
    conversation.refresh_from_db()
    assert conversation.is_locked


def test_queue_counts_every_report_of_a_case_when_filtered(member, moderator):
    from perchoir.moderation.selectors import QueueFilters, cases_queue

    message = MessageFactory()
    _report(member, message, category="spam", explanation="Ads.")
    _report(UserFactory(), message)
    cases = list(cases_queue(viewer=moderator, filters=QueueFilters(category="spam")))
    assert [case.report_count for case in cases] == [2]


def test_statement_is_also_emailed_without_naming_the_moderator(
    moderator, mailoutbox, django_capture_on_commit_callbacks
):
    message = MessageFactory()
    with django_capture_on_commit_callbacks(execute=True):
        action = _hide(moderator, message)
    email = mailoutbox[-1]
    assert email.to == [message.author.email]
    assert action.statement.get_absolute_url() in email.body
    assert "Insults are against rule 1." in email.body
    assert moderator.handle not in email.body
    assert moderator.name not in email.body


def test_visitor_reporter_is_emailed_the_outcome(
    moderator, mailoutbox, django_capture_on_commit_callbacks
):
    message = MessageFactory()
    report = _report(None, message, email="visitor@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        _hide(moderator, message, case_id=report.case_id)
    outcome = mailoutbox[-1]
    assert outcome.to == ["visitor@example.org"]
    assert "The moderators took action: Hide the content." in outcome.body
    assert moderator.handle not in outcome.body
    report.refresh_from_db()
    assert report.outcome_sent_at is not None
