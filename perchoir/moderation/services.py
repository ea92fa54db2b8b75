"""Every write of moderation: reports, cases, actions and their undoing, statements, appeals.

Each write appends to the moderation log in the same transaction. Moderators never act on
themselves, and an appeal is decided by someone other than the moderator who acted.
"""

from collections.abc import Iterator
from datetime import datetime, timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from perchoir.accounts.models import Role, User
from perchoir.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from perchoir.core.ratelimit import ratelimit_hit
from perchoir.core.text import text_clean
from perchoir.notifications.models import NotificationKind
from perchoir.notifications.paths import is_local_path
from perchoir.notifications.services import notification_send

from . import permissions
from .log import log_append
from .models import (
    ACCOUNT_ACTIONS,
    CONTENT_ACTIONS,
    EXPLANATION_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    REASON_MAX_LENGTH,
    ROOM_ACTIONS,
    SEVERE_ACTIONS,
    TIMED_ACTIONS,
    Action,
    ActionKind,
    Appeal,
    AppealStatus,
    Case,
    CaseStatus,
    Note,
    Report,
    ReportCategory,
    Rule,
    StatementOfReasons,
)
from .targets import HideState, Target, target_get
from .tasks import report_email_send

REPORT_LIMIT = 20
REPORT_PERIOD = 3600
SLOW_MODE_MAX_SECONDS = 24 * 3600
LOCATION_MAX_LENGTH = 500
DEFAULT_APPEAL_DAYS = 183


def appeal_period() -> timedelta:
    return timedelta(days=int(getattr(settings, "MODERATION_APPEAL_DAYS", DEFAULT_APPEAL_DAYS)))


def _require_moderator(actor: User | Any) -> User:
    if not permissions.is_moderator(actor):
        raise Forbidden(_("Only moderators can do this."))
    return actor


def _title(target: Target) -> str:
    return target.excerpt[:140]


# --- Reports (D1) -------------------------------------------------------------------------------


@transaction.atomic
def report_create(
    *,
    reporter: User | None,
    email: str = "",
    target_kind: str,
    target_id: int,
    category: str,
    explanation: str,
    location_url: str = "",
) -> Report:
    """Anyone reports what they can see: members as themselves, visitors with an email
    address for the receipt and the outcome. Reports on one target gather in one open case."""
    member = reporter if reporter is not None and reporter.is_authenticated else None
    email = email.strip()
    if member is None:
        if not email:
            raise InvalidInput.for_field(
                "email", _("Give your email address, so that we can tell you the outcome.")
            )
        try:
            validate_email(email)
        except ValidationError:
            raise InvalidInput.for_field("email", _("Enter a valid email address.")) from None
    if category not in ReportCategory.values:
        raise InvalidInput.for_field("category", _("Choose what is wrong."))
    explanation = text_clean(
        explanation,
        field="explanation",
        max_length=EXPLANATION_MAX_LENGTH,
        required=True,
        empty_message=_("Explain in a few words what is wrong."),
    )
    target = target_get(target_kind, target_id)
    if not target.kind.visible_to(member, target.obj):
        raise NotFound()
    author = target.author
    if member is not None and author is not None and author.pk == member.pk:
        raise InvalidInput.for_field("target_id", _("You cannot report yourself."))
    location_url = location_url.strip()[:LOCATION_MAX_LENGTH]
    if not location_url or not is_local_path(location_url):
        location_url = target.url
    ratelimit_hit(
        "moderation-report",
        str(member.pk) if member else email.lower(),
        limit=REPORT_LIMIT,
        period=REPORT_PERIOD,
    )
    case = _case_for(target)
    report = Report.objects.create(
        reporter=member,
        reporter_email="" if member else email,
        category=category,
        explanation=explanation,
        target_kind=target.kind.name,
        target_id=target.id,
        location_url=location_url,
        case=case,
    )
    title = _title(target)
    if member is not None:
        notification_send(
            recipient=member,
            kind=NotificationKind.MODERATION_REPORT_RECEIVED,
            actor=None,
            url=report.get_absolute_url(),
            params={"title": title},
        )
    else:
        report_email_send(report=report, template="receipt", title=title)
    return report


def _case_for(target: Target) -> Case:
    existing = Case.objects.filter(
        target_kind=target.kind.name, target_id=target.id, status__in=_UNRESOLVED
    ).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Case.objects.create(
                target_kind=target.kind.name,
                target_id=target.id,
                subject=target.author,
                excerpt=target.excerpt[:1000],
            )
    except IntegrityError:
        # Another report created it at the same moment.
        return Case.objects.get(
            target_kind=target.kind.name, target_id=target.id, status__in=_UNRESOLVED
        )


_UNRESOLVED = [CaseStatus.OPEN, CaseStatus.CLAIMED]


# --- Cases (D2, D7) -----------------------------------------------------------------------------


def _case_for_moderator(moderator: User, case_id: int, *, lock: bool = False) -> Case:
    cases = Case.objects.select_related("subject", "claimed_by", "assignee")
    if lock:
        cases = cases.select_for_update(of=("self",))
    case = cases.filter(pk=case_id).first()
    if case is None:
        raise NotFound()
    if case.subject_id is not None and case.subject_id == moderator.pk:
        raise Forbidden(_("This case is about you: another moderator handles it."))
    return case


def case_claim(*, moderator: User, case_id: int) -> Case:
    """Claim an open case. Of two moderators claiming at once, one wins; the other is told
    who did. One conditional UPDATE decides, whatever the database."""
    _require_moderator(moderator)
    with transaction.atomic():
        case = _case_for_moderator(moderator, case_id)
        if case.status == CaseStatus.RESOLVED:
            raise Conflict(_("This case is already resolved."))
        won = Case.objects.filter(pk=case.pk, status=CaseStatus.OPEN).update(
            status=CaseStatus.CLAIMED, claimed_by=moderator, claimed_at=timezone.now()
        )
        case.refresh_from_db()
        if not won:
            if case.claimed_by_id == moderator.pk:
                return case
            holder = case.claimed_by.handle if case.claimed_by else "?"
            raise Conflict(_("@%(handle)s has already claimed this case.") % {"handle": holder})
        log_append(
            actor=moderator,
            verb="case.claimed",
            subject=case.subject,
            target_kind=case.target_kind,
            target_id=case.target_id,
            case_id=case.pk,
            before={"status": CaseStatus.OPEN},
            after={"status": CaseStatus.CLAIMED, "claimed_by": moderator.handle},
        )
    return case


@transaction.atomic
def case_release(*, moderator: User, case_id: int) -> Case:
    _require_moderator(moderator)
    case = _case_for_moderator(moderator, case_id, lock=True)
    if case.status != CaseStatus.CLAIMED:
        raise Conflict(_("This case is not claimed."))
    if case.claimed_by_id != moderator.pk and moderator.role != Role.ADMIN:
        raise Forbidden(_("Only the moderator who claimed this case can release it."))
    before = case.claimed_by.handle if case.claimed_by else ""
    case.status = CaseStatus.OPEN
    case.claimed_by = None
    case.claimed_at = None
    case.save(update_fields=["status", "claimed_by", "claimed_at"])
    log_append(
        actor=moderator,
        verb="case.released",
        subject=case.subject,
        case_id=case.pk,
        target_kind=case.target_kind,
        target_id=case.target_id,
        before={"claimed_by": before},
        after={"claimed_by": None},
    )
    return case


@transaction.atomic
def case_assign(*, moderator: User, case_id: int, assignee_handle: str) -> Case:
    """Hand a case to a colleague (a moderator, an administrator or support)."""
    _require_moderator(moderator)
    case = _case_for_moderator(moderator, case_id, lock=True)
    handle = assignee_handle.strip().lstrip("@")
    assignee = (
        User.objects.filter(handle__iexact=handle, is_active=True).first() if handle else None
    )
    if assignee is None or not permissions.is_moderator(assignee):
        raise InvalidInput.for_field(
            "assignee", _("Choose a moderator or an administrator of this site.")
        )
    if case.subject_id == assignee.pk:
        raise InvalidInput.for_field("assignee", _("This case is about that person."))
    before = case.assignee.handle if case.assignee else None
    case.assignee = assignee
    case.save(update_fields=["assignee"])
    log_append(
        actor=moderator,
        verb="case.assigned",
        subject=case.subject,
        case_id=case.pk,
        target_kind=case.target_kind,
        target_id=case.target_id,
        before={"assignee": before},
        after={"assignee": assignee.handle},
    )
    notification_send(
        recipient=assignee,
        kind=NotificationKind.MODERATION_CASE_ASSIGNED,
        actor=moderator,
        url=case.get_absolute_url(),
        params={"title": case.excerpt[:140]},
    )
    return case


@transaction.atomic
def case_resolve(*, moderator: User, case_id: int, resolution: str = "") -> Case:
    """Close a case; the reporters are told it was reviewed (never by whom)."""
    _require_moderator(moderator)
    case = _case_for_moderator(moderator, case_id, lock=True)
    return _resolve(case, moderator, resolution)


def _resolve(case: Case, moderator: User, resolution: str, outcome: str = "") -> Case:
    if case.status == CaseStatus.RESOLVED:
        raise Conflict(_("This case is already resolved."))
    if case.status == CaseStatus.CLAIMED and case.claimed_by_id not in (None, moderator.pk):
        holder = case.claimed_by.handle if case.claimed_by else "?"
        raise Conflict(_("@%(handle)s has claimed this case.") % {"handle": holder})
    resolution = text_clean(
        resolution, field="resolution", max_length=REASON_MAX_LENGTH, required=False
    )
    before = case.status
    case.status = CaseStatus.RESOLVED
    case.resolution = resolution
    case.resolved_at = timezone.now()
    case.save(update_fields=["status", "resolution", "resolved_at"])
    log_append(
        actor=moderator,
        verb="case.resolved",
        subject=case.subject,
        case_id=case.pk,
        target_kind=case.target_kind,
        target_id=case.target_id,
        reason=resolution,
        before={"status": before},
        after={"status": CaseStatus.RESOLVED},
    )
    _tell_reporters(case, outcome or _("The moderators reviewed it and closed the case."))
    return case


def _tell_reporters(case: Case, outcome: str) -> None:
    for report in case.reports.filter(outcome_sent_at__isnull=True).select_related("reporter"):
        if report.reporter is not None:
            notification_send(
                recipient=report.reporter,
                kind=NotificationKind.MODERATION_REPORT_OUTCOME,
                actor=None,
                url=report.get_absolute_url(),
                params={"title": case.excerpt[:140], "reason": outcome},
            )
        elif report.reporter_email:
            report_email_send(
                report=report, template="outcome", title=case.excerpt[:140], outcome=outcome
            )
    case.reports.filter(outcome_sent_at__isnull=True).update(outcome_sent_at=timezone.now())


@transaction.atomic
def note_add(
    *, moderator: User, body: str, case_id: int | None = None, person_id: int | None = None
) -> Note:
    """An internal note on a case or on a person, for the team only."""
    _require_moderator(moderator)
    body = text_clean(
        body,
        field="body",
        max_length=NOTE_MAX_LENGTH,
        required=True,
        empty_message=_("Write the note first."),
    )
    case = _case_for_moderator(moderator, case_id) if case_id is not None else None
    person = None
    if person_id is not None:
        person = User.objects.filter(pk=person_id).first()
        if person is None:
            raise NotFound()
        if person.pk == moderator.pk:
            raise Forbidden(_("Notes about you are for the other moderators."))
    if case is None and person is None:
        raise InvalidInput(_("Say which case or person the note is about."))
    return Note.objects.create(case=case, person=person, author=moderator, body=body)


# --- Actions (D3) and statements of reasons (D4) ------------------------------------------------


def action_kinds_for(target: Target, *, with_case: bool) -> list[str]:
    """The actions that apply to `target`, gentlest first (what the action form offers)."""
    kinds = [ActionKind.DISMISS] if with_case else []
    if target.author is not None:
        kinds += [ActionKind.NOTE, ActionKind.WARNING]
    if target.kind.can_hide:
        kinds.append(ActionKind.HIDE)
    if target.kind.is_room or target.kind.room is not None:
        kinds += [ActionKind.SLOW_MODE, ActionKind.LOCK]
    if target.author is not None:
        kinds += [ActionKind.RESTRICT, ActionKind.SUSPEND]
    if target.kind.can_hide:
        kinds.append(ActionKind.DELETE)
    if target.author is not None:
        kinds.append(ActionKind.BAN)
    return [str(kind) for kind in kinds]


def _clean_until(kind: str, until: datetime | None) -> datetime | None:
    if kind not in TIMED_ACTIONS:
        return None
    if until is None:
        raise InvalidInput.for_field("until", _("Say until when."))
    if timezone.is_naive(until):
        until = timezone.make_aware(until)
    if until <= timezone.now():
        raise InvalidInput.for_field("until", _("Choose a date in the future."))
    if until > timezone.now() + timedelta(days=3660):
        raise InvalidInput.for_field(
            "until", _("Choose a date within ten years; a permanent ban is a separate action.")
        )
    return until


def account_sanction(
    *, user: User | Any, kinds: frozenset[str] = ACCOUNT_ACTIONS, with_statement: bool = False
) -> Action | None:
    """The restriction, suspension or ban in force on `user`, the most severe first (with its
    statement of reasons fetched along, when asked)."""
    if not getattr(user, "is_authenticated", False):
        return None
    now = timezone.now()
    actions = Action.objects.filter(
        subject_id=user.pk, kind__in=kinds, reversed_at__isnull=True
    ).filter(Q(until__isnull=True) | Q(until__gt=now))
    if with_statement:
        actions = actions.select_related("statement")
    in_force = list(actions)
    order = [ActionKind.BAN, ActionKind.SUSPEND, ActionKind.RESTRICT]
    in_force.sort(key=lambda action: order.index(ActionKind(action.kind)))
    return in_force[0] if in_force else None


# In a person's sessions while they may be under a restriction: the banner then looks it up
# (perchoir.moderation.context_processors), so that nobody else pays a query for it.
SANCTION_HINT_SESSION_KEY = "moderation_sanction_hint"


def _sessions_of(user: User) -> Iterator[Session]:
    user_id = str(user.pk)
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == user_id:
            yield session


def _session_store(session: Session) -> Any:
    # Through the configured engine, so that a cached copy (cached_db) changes too.
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=session.session_key)


def _end_sessions(user: User) -> None:
    """A suspended or banned person is signed out everywhere."""
    for session in _sessions_of(user):
        _session_store(session).delete()


def _hint_sessions(user: User) -> None:
    """A person restricted to reading sees the banner at once wherever they are signed in."""
    for session in _sessions_of(user):
        store = _session_store(session)
        store[SANCTION_HINT_SESSION_KEY] = True
        store.save()


def _apply(action: Action, target: Target) -> dict[str, Any]:
    """Carry out the action; returns what it changed (before), to undo it exactly."""
    kind = ActionKind(action.kind)
    if kind in CONTENT_ACTIONS:
        assert target.kind.hide is not None
        was_hidden = target.is_hidden
        target.kind.hide(
            target.obj,
            HideState(reason=action.reason, action_id=action.pk, removed=kind == ActionKind.DELETE),
        )
        return {"hidden": was_hidden}
    if kind in ROOM_ACTIONS:
        room = _room(target)
        if kind == ActionKind.SLOW_MODE:
            assert room.kind.set_slow_mode is not None
            previous = room.kind.set_slow_mode(room.obj, action.slow_mode_seconds or 0)
            return {"slow_mode_seconds": previous}
        assert room.kind.set_lock is not None
        return room.kind.set_lock(room.obj, True, action.until)
    if kind in (ActionKind.SUSPEND, ActionKind.BAN) and action.subject is not None:
        _end_sessions(action.subject)
    elif kind == ActionKind.RESTRICT and action.subject is not None:
        _hint_sessions(action.subject)
    return {}


def _room(target: Target) -> Target:
    if target.kind.is_room:
        return target
    where = target.kind.room(target.obj) if target.kind.room else None
    if where is None:
        raise InvalidInput.for_field("kind", _("This action applies to conversations only."))
    room = target_get(*where)
    if not room.kind.is_room:
        raise InvalidInput.for_field("kind", _("This action applies to conversations only."))
    return room


def _revert(action: Action, target: Target | None) -> None:
    kind = ActionKind(action.kind)
    before = action.previous_state or {}
    if kind in CONTENT_ACTIONS and target is not None:
        assert target.kind.restore is not None
        if not before.get("hidden"):
            target.kind.restore(target.obj)
    elif kind in ROOM_ACTIONS and target is not None:
        room = _room(target)
        if kind == ActionKind.SLOW_MODE:
            assert room.kind.set_slow_mode is not None
            room.kind.set_slow_mode(room.obj, int(before.get("slow_mode_seconds") or 0))
        else:
            assert room.kind.set_lock is not None
            until = before.get("locked_until")
            room.kind.set_lock(
                room.obj,
                bool(before.get("locked")),
                datetime.fromisoformat(until) if until else None,
            )
    # Restrictions, suspensions and bans end with `reversed_at`: nothing else to undo.


@transaction.atomic
def action_take(
    *,
    moderator: User,
    kind: str,
    target_kind: str,
    target_id: int,
    reason: str,
    case_id: int | None = None,
    rule_id: int | None = None,
    until: datetime | None = None,
    slow_mode_seconds: int | None = None,
    confirmed: bool = False,
) -> Action:
    """Take one of the actions, gentlest first; the person gets a statement of reasons, the
    case (if any) is resolved and its reporters told the outcome, and it is all logged."""
    _require_moderator(moderator)
    if kind not in ActionKind.values:
        raise InvalidInput.for_field("kind", _("Choose an action."))
    target = target_get(target_kind, target_id)
    subject = target.author
    if subject is not None and subject.pk == moderator.pk:
        raise Forbidden(_("You cannot moderate yourself: another moderator will."))
    if subject is not None and subject.role == Role.ADMIN and moderator.role != Role.ADMIN:
        raise Forbidden(_("Only an administrator can act on an administrator."))
    case = _case_for_moderator(moderator, case_id, lock=True) if case_id is not None else None
    if case is not None and (case.target_kind, case.target_id) != (target.kind.name, target.id):
        raise InvalidInput(_("This action is not about this case's content."))
    if case is not None and case.status == CaseStatus.RESOLVED:
        raise Conflict(_("This case is already resolved."))
    reason = text_clean(
        reason,
        field="reason",
        max_length=REASON_MAX_LENGTH,
        required=kind != ActionKind.DISMISS,
        empty_message=_("Say why: the person will read it."),
    )
    if kind in SEVERE_ACTIONS and not confirmed:
        raise InvalidInput.for_field(
            "confirmed",
            _("This cannot be done in one click: confirm that a gentler action is not enough."),
        )
    if kind == ActionKind.DISMISS and case is None:
        raise InvalidInput(_("Only the reports of a case can be dismissed."))
    if kind in CONTENT_ACTIONS and not target.kind.can_hide:
        raise InvalidInput.for_field("kind", _("This kind of content cannot be hidden."))
    if kind in CONTENT_ACTIONS and target.is_hidden:
        raise Conflict(_("This content is already hidden."))
    if kind in ACCOUNT_ACTIONS | {ActionKind.NOTE, ActionKind.WARNING} and subject is None:
        raise InvalidInput.for_field("kind", _("Nobody to act on."))
    if kind == ActionKind.SLOW_MODE and not 1 <= (slow_mode_seconds or 0) <= SLOW_MODE_MAX_SECONDS:
        raise InvalidInput.for_field(
            "slow_mode_seconds",
            _("Choose between 1 and %(max)d seconds.") % {"max": SLOW_MODE_MAX_SECONDS},
        )
    if kind in ROOM_ACTIONS:
        _room(target)
    until = _clean_until(kind, until)
    rule = Rule.objects.filter(pk=rule_id).first() if rule_id is not None else None
    if rule_id is not None and rule is None:
        raise InvalidInput.for_field("rule", _("Choose one of the site's rules."))
    action = Action.objects.create(
        kind=kind,
        case=case,
        moderator=moderator,
        subject=subject,
        target_kind=target.kind.name,
        target_id=target.id,
        rule=rule,
        reason=reason,
        until=until,
        slow_mode_seconds=slow_mode_seconds if kind == ActionKind.SLOW_MODE else None,
    )
    action.previous_state = _apply(action, target)
    action.save(update_fields=["previous_state"])
    log_append(
        actor=moderator,
        verb=f"action.{kind}",
        subject=subject,
        target_kind=target.kind.name,
        target_id=target.id,
        case_id=case.pk if case else None,
        action_id=action.pk,
        reason=reason,
        before=action.previous_state,
        after={
            "until": until,
            "slow_mode_seconds": action.slow_mode_seconds,
            "rule": rule.number if rule else None,
        },
    )
    if kind != ActionKind.DISMISS and subject is not None:
        _statement_send(action, target, after_report=case is not None)
    if case is not None:
        outcome = (
            _("The moderators found no breach of the rules.")
            if kind == ActionKind.DISMISS
            else _("The moderators took action: %(action)s.") % {"action": ActionKind(kind).label}
        )
        _resolve(case, moderator, reason, outcome=str(outcome))
    return action


def _statement_send(action: Action, target: Target, *, after_report: bool) -> StatementOfReasons:
    rule = action.rule
    statement = StatementOfReasons.objects.create(
        action=action,
        recipient=action.subject,
        content_excerpt=target.excerpt[:1000],
        content_url=target.url,
        rule_text=f"{rule.number}. {rule.title_en}"[:250] if rule else "",
        after_report=after_report,
        appeal_until=timezone.now() + appeal_period(),
    )
    assert action.subject is not None
    notification_send(
        recipient=action.subject,
        kind=NotificationKind.MODERATION_STATEMENT,
        actor=None,
        url=statement.get_absolute_url(),
        params={"title": _title(target), "reason": action.reason},
    )
    return statement


def _undo(action: Action, moderator: User, reason: str, *, verb: str) -> Action:
    if action.is_reversed:
        raise Conflict(_("This action was already undone."))
    try:
        target: Target | None = target_get(action.target_kind, action.target_id)
    except NotFound:
        target = None
    _revert(action, target)
    action.reversed_at = timezone.now()
    action.reversed_by = moderator
    action.save(update_fields=["reversed_at", "reversed_by"])
    log_append(
        actor=moderator,
        verb=verb,
        subject=action.subject,
        target_kind=action.target_kind,
        target_id=action.target_id,
        case_id=action.case_id,
        action_id=action.pk,
        reason=reason,
        before={"in_force": True},
        after={"in_force": False},
    )
    return action


@transaction.atomic
def action_undo(*, moderator: User, action_id: int, reason: str) -> Action:
    """A moderator undoes an action and its effects (content visible again, restriction
    lifted); the person is told."""
    _require_moderator(moderator)
    action = Action.objects.select_for_update().filter(pk=action_id).first()
    if action is None:
        raise NotFound()
    if action.subject_id == moderator.pk:
        raise Forbidden(_("You cannot moderate yourself: another moderator will."))
    reason = text_clean(
        reason,
        field="reason",
        max_length=REASON_MAX_LENGTH,
        required=True,
        empty_message=_("Say why it is undone."),
    )
    _undo(action, moderator, reason, verb=f"action.{action.kind}.undone")
    statement = StatementOfReasons.objects.filter(action=action).first()
    if action.subject is not None and statement is not None:
        notification_send(
            recipient=action.subject,
            kind=NotificationKind.MODERATION_ACTION_UNDONE,
            actor=None,
            url=statement.get_absolute_url(),
            params={"title": statement.content_excerpt[:140], "reason": reason},
        )
    return action


# --- Appeals (D5) -------------------------------------------------------------------------------


@transaction.atomic
def appeal_create(*, appellant: User, statement_id: int, explanation: str) -> Appeal:
    statement = (
        StatementOfReasons.objects.select_for_update()
        .select_related("action")
        .filter(pk=statement_id)
        .first()
    )
    if statement is None or statement.recipient_id != appellant.pk:
        raise NotFound()
    if statement.action.kind == ActionKind.NOTE:
        raise InvalidInput(_("A private note is not a decision: there is nothing to appeal."))
    if statement.action.is_reversed:
        raise Conflict(_("This action was already undone."))
    if Appeal.objects.filter(statement=statement).exists():
        raise Conflict(_("You have already appealed this decision."))
    if not statement.can_still_appeal:
        raise Forbidden(
            _("The time to appeal ended on %(date)s.")
            % {"date": statement.appeal_until.date().isoformat()}
        )
    explanation = text_clean(
        explanation,
        field="explanation",
        max_length=EXPLANATION_MAX_LENGTH,
        required=True,
        empty_message=_("Explain why the decision should change."),
    )
    appeal = Appeal.objects.create(
        statement=statement, appellant=appellant, explanation=explanation
    )
    log_append(
        actor=appellant,
        actor_role="person",
        verb="appeal.created",
        subject=appellant,
        target_kind=statement.action.target_kind,
        target_id=statement.action.target_id,
        action_id=statement.action_id,
        reason=explanation,
    )
    return appeal


@transaction.atomic
def appeal_decide(*, moderator: User, appeal_id: int, grant: bool, reason: str) -> Appeal:
    """Another moderator than the one who acted decides; granting undoes the action."""
    _require_moderator(moderator)
    appeal = (
        Appeal.objects.select_for_update(of=("self",))
        .select_related("statement__action")
        .filter(pk=appeal_id)
        .first()
    )
    if appeal is None:
        raise NotFound()
    action = appeal.statement.action
    if appeal.appellant_id == moderator.pk:
        raise Forbidden(_("You cannot decide your own appeal."))
    if action.moderator_id == moderator.pk:
        raise Forbidden(_("A different moderator than the one who acted decides this appeal."))
    if appeal.status != AppealStatus.PENDING:
        raise Conflict(_("This appeal has already been decided."))
    reason = text_clean(
        reason,
        field="reason",
        max_length=REASON_MAX_LENGTH,
        required=True,
        empty_message=_("Explain the decision: the person will read it."),
    )
    appeal.status = AppealStatus.GRANTED if grant else AppealStatus.REJECTED
    appeal.decided_by = moderator
    appeal.decided_at = timezone.now()
    appeal.decision_reason = reason
    appeal.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    if grant and not action.is_reversed:
        _undo(action, moderator, reason, verb=f"action.{action.kind}.undone_on_appeal")
    log_append(
        actor=moderator,
        verb="appeal.granted" if grant else "appeal.rejected",
        subject=action.subject,
        target_kind=action.target_kind,
        target_id=action.target_id,
        action_id=action.pk,
        reason=reason,
        before={"status": AppealStatus.PENDING},
        after={"status": appeal.status},
    )
    if appeal.appellant is not None:
        notification_send(
            recipient=appeal.appellant,
            kind=NotificationKind.MODERATION_APPEAL_DECIDED,
            actor=None,
            url=appeal.statement.get_absolute_url(),
            params={"title": appeal.statement.content_excerpt[:140], "reason": reason},
        )
    return appeal


# --- Rules --------------------------------------------------------------------------------------


@transaction.atomic
def rule_save(
    *,
    admin: User,
    number: int,
    title_en: str,
    title_fr: str = "",
    body_en: str = "",
    body_fr: str = "",
) -> Rule:
    """Administrators write the rules, in English and French."""
    if not permissions.is_admin(admin):
        raise Forbidden(_("Only administrators change the rules."))
    if not 1 <= number <= 999:
        raise InvalidInput.for_field("number", _("Number the rule from 1 to 999."))
    title_en = text_clean(
        title_en,
        field="title_en",
        max_length=200,
        required=True,
        empty_message=_("Give the rule a title."),
    )
    values = {
        "title_en": title_en,
        "title_fr": text_clean(title_fr, field="title_fr", max_length=200, required=False),
        "body_en": text_clean(body_en, field="body_en", max_length=5000, required=False),
        "body_fr": text_clean(body_fr, field="body_fr", max_length=5000, required=False),
    }
    rule, created = Rule.objects.update_or_create(number=number, defaults=values)
    log_append(
        actor=admin,
        verb="rule.created" if created else "rule.changed",
        reason=title_en,
        after={"number": number, **values},
    )
    return rule
