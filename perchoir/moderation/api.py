"""Reports, cases, actions and appeals over the API: the same services and selectors as the pages.

Reporting, the rules and the transparency counts are open to anyone (visitors report with an
email address); statements and appeals are the person's own; everything else is for moderators,
and does not exist (404) for anyone else.
"""

from datetime import datetime
from typing import Any, cast

from django.http import HttpRequest
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema, Status

from perchoir.api.auth import OPTIONAL, OPTIONAL_SECURITY
from perchoir.api.errors import ErrorOut, error_responses
from perchoir.api.openapi import doc
from perchoir.api.pagination import NewestFirst
from perchoir.core.types import AuthenticatedRequest

from . import selectors, services
from .models import (
    Action,
    Appeal,
    Case,
    LogEntry,
    Note,
    Report,
    Rule,
    StatementOfReasons,
)

router = Router(tags=["Moderation"])


def _page(
    request: HttpRequest,
    queryset: Any,
    pagination: NewestFirst.Input,
    *,
    ordering: tuple[str, ...] = ("-created_at", "-id"),
) -> dict[str, Any]:
    return cast(
        dict[str, Any],
        NewestFirst(ordering=ordering).paginate_queryset(queryset, pagination, request),
    )


# --- Schemas ------------------------------------------------------------------------------------


class ReportIn(Schema):
    target_kind: str = Field(
        description=doc(gettext_lazy("What is reported: message, conversation, person…"))
    )
    target_id: int
    category: str = Field(description=doc(gettext_lazy("spam, harassment, illegal or other.")))
    explanation: str
    email: str = Field(
        default="", description=doc(gettext_lazy("Visitors only: where the outcome is sent."))
    )
    location_url: str = Field(
        default="", description=doc(gettext_lazy("The site path where it was seen."))
    )


class ReportOut(Schema):
    receipt: str
    receipt_url: str
    category: str
    explanation: str
    target_kind: str
    target_id: int
    created_at: datetime
    reviewed: bool


class NoteOut(Schema):
    id: int
    author: str | None
    body: str
    created_at: datetime


class ActionOut(Schema):
    id: int
    kind: str
    case_id: int | None
    moderator: str | None
    subject: str | None
    target_kind: str
    target_id: int
    rule: int | None
    reason: str
    until: datetime | None
    slow_mode_seconds: int | None
    created_at: datetime
    reversed_at: datetime | None
    statement_id: int | None


class CaseReportOut(Schema):
    category: str
    explanation: str
    reporter: str | None = Field(description=doc(gettext_lazy("Empty for a visitor.")))
    location_url: str
    created_at: datetime


class LogEntryOut(Schema):
    id: int
    actor: str
    actor_role: str
    verb: str
    subject: str
    target_kind: str
    target_id: int | None
    case_id: int | None
    action_id: int | None
    reason: str
    before: dict[str, Any]
    after: dict[str, Any]
    created_at: datetime


class CaseOut(Schema):
    id: int
    target_kind: str
    target_id: int
    target_url: str | None
    excerpt: str
    subject: str | None
    status: str
    claimed_by: str | None
    assignee: str | None
    resolution: str
    created_at: datetime
    resolved_at: datetime | None
    report_count: int


class CaseDetailOut(CaseOut):
    reports: list[CaseReportOut]
    notes: list[NoteOut]
    actions: list[ActionOut]
    history: list[LogEntryOut]
    person_notes: list[NoteOut]
    previous_actions: list[ActionOut]


class CasePageOut(Schema):
    next: str | None
    previous: str | None
    results: list[CaseOut]


class LogPageOut(Schema):
    next: str | None
    previous: str | None
    results: list[LogEntryOut]


class AssignIn(Schema):
    assignee: str = Field(description=doc(gettext_lazy("A moderator's handle.")))


class NoteIn(Schema):
    body: str
    person_id: int | None = None


class ResolveIn(Schema):
    resolution: str = ""


class ActionIn(Schema):
    kind: str = Field(
        description=doc(
            gettext_lazy(
                "dismiss, note, warning, hide, slow_mode, lock, restrict, suspend, delete, ban"
            )
        )
    )
    target_kind: str
    target_id: int
    reason: str = ""
    case_id: int | None = None
    rule_id: int | None = None
    until: datetime | None = Field(
        default=None, description=doc(gettext_lazy("For lock, restrict and suspend."))
    )
    slow_mode_seconds: int | None = None
    confirmed: bool = Field(
        default=False,
        description=doc(gettext_lazy("Required for delete and ban: the second confirmation.")),
    )


class UndoIn(Schema):
    reason: str


class AppealOut(Schema):
    id: int
    statement_id: int
    status: str
    explanation: str
    decision_reason: str
    created_at: datetime
    decided_at: datetime | None


class StatementOut(Schema):
    id: int
    action: str
    content_excerpt: str
    content_url: str
    until: datetime | None
    rule: str
    reason: str
    after_report: bool
    appeal_until: datetime
    undone: bool
    created_at: datetime
    appeal: AppealOut | None


class AppealIn(Schema):
    explanation: str


class AppealDecisionIn(Schema):
    grant: bool
    reason: str


class RuleOut(Schema):
    number: int
    title: str
    body: str
    title_en: str
    title_fr: str
    body_en: str
    body_fr: str


class RuleIn(Schema):
    number: int
    title_en: str
    title_fr: str = ""
    body_en: str = ""
    body_fr: str = ""


class TransparencyRowOut(Schema):
    month: str
    key: str
    rule: int | None = None
    count: int


class TransparencyOut(Schema):
    actions: list[TransparencyRowOut]
    reports: list[TransparencyRowOut]
    appeals: list[TransparencyRowOut]


# --- Shapes -------------------------------------------------------------------------------------


def _handle(user: Any) -> str | None:
    return user.handle if user is not None else None


def _report(request: HttpRequest, report: Report) -> dict[str, Any]:
    return {
        "receipt": str(report.receipt),
        "receipt_url": request.build_absolute_uri(report.get_absolute_url()),
        "category": report.category,
        "explanation": report.explanation,
        "target_kind": report.target_kind,
        "target_id": report.target_id,
        "created_at": report.created_at,
        "reviewed": report.case.status == "resolved",
    }


def _note(note: Note) -> dict[str, Any]:
    return {
        "id": note.pk,
        "author": _handle(note.author),
        "body": note.body,
        "created_at": note.created_at,
    }


def _action(action: Action) -> dict[str, Any]:
    try:
        statement: StatementOfReasons | None = action.statement
    except StatementOfReasons.DoesNotExist:
        statement = None
    return {
        "id": action.pk,
        "kind": action.kind,
        "case_id": action.case_id,
        "moderator": _handle(action.moderator),
        "subject": _handle(action.subject),
        "target_kind": action.target_kind,
        "target_id": action.target_id,
        "rule": action.rule.number if action.rule else None,
        "reason": action.reason,
        "until": action.until,
        "slow_mode_seconds": action.slow_mode_seconds,
        "created_at": action.created_at,
        "reversed_at": action.reversed_at,
        "statement_id": statement.pk if statement else None,
    }


def _log_entry(entry: LogEntry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "actor": entry.actor_handle,
        "actor_role": entry.actor_role,
        "verb": entry.verb,
        "subject": entry.subject_handle,
        "target_kind": entry.target_kind,
        "target_id": entry.target_id,
        "case_id": entry.case_id,
        "action_id": entry.action_id,
        "reason": entry.reason,
        "before": entry.before,
        "after": entry.after,
        "created_at": entry.created_at,
    }


def _case(case: Case, report_count: int, target_url: str | None = None) -> dict[str, Any]:
    return {
        "id": case.pk,
        "target_kind": case.target_kind,
        "target_id": case.target_id,
        "target_url": target_url,
        "excerpt": case.excerpt,
        "subject": _handle(case.subject),
        "status": case.status,
        "claimed_by": _handle(case.claimed_by),
        "assignee": _handle(case.assignee),
        "resolution": case.resolution,
        "created_at": case.created_at,
        "resolved_at": case.resolved_at,
        "report_count": report_count,
    }


def _case_detail(request: HttpRequest, case_id: int) -> dict[str, Any]:
    view = selectors.case_get_for_moderator(viewer=request.user, case_id=case_id)
    data = _case(
        view.case,
        len(view.reports),
        request.build_absolute_uri(view.target.url) if view.target else None,
    )
    data.update(
        reports=[
            {
                "category": report.category,
                "explanation": report.explanation,
                "reporter": _handle(report.reporter),
                "location_url": report.location_url,
                "created_at": report.created_at,
            }
            for report in view.reports
        ],
        notes=[_note(note) for note in view.notes],
        actions=[_action(action) for action in view.actions],
        history=[_log_entry(entry) for entry in view.history],
        person_notes=[_note(note) for note in view.person_notes],
        previous_actions=[_action(action) for action in view.previous_actions],
    )
    return data


def _appeal(appeal: Appeal) -> dict[str, Any]:
    return {
        "id": appeal.pk,
        "statement_id": appeal.statement_id,
        "status": appeal.status,
        "explanation": appeal.explanation,
        "decision_reason": appeal.decision_reason,
        "created_at": appeal.created_at,
        "decided_at": appeal.decided_at,
    }


def _statement(statement: StatementOfReasons) -> dict[str, Any]:
    action = statement.action
    appeal = selectors.statement_appeal(statement)
    return {
        "id": statement.pk,
        "action": action.kind,
        "content_excerpt": statement.content_excerpt,
        "content_url": statement.content_url,
        "until": action.until,
        "rule": str(action.rule) if action.rule else statement.rule_text,
        "reason": action.reason,
        "after_report": statement.after_report,
        "appeal_until": statement.appeal_until,
        "undone": action.is_reversed,
        "created_at": statement.created_at,
        "appeal": _appeal(appeal) if appeal is not None else None,
    }


def _rule(rule: Rule) -> dict[str, Any]:
    return {
        "number": rule.number,
        "title": rule.title,
        "body": rule.body,
        "title_en": rule.title_en,
        "title_fr": rule.title_fr,
        "body_en": rule.body_en,
        "body_fr": rule.body_fr,
    }


# --- Reporting ----------------------------------------------------------------------------------


@router.post(
    "/reports",
    response={201: ReportOut, **error_responses(400, 404, 429)},
    auth=OPTIONAL,
    openapi_extra=OPTIONAL_SECURITY,
    summary=doc(gettext_lazy("Report content or a person")),
    description=doc(
        gettext_lazy(
            "Members report as themselves; visitors give an email address for the receipt and "
            "the outcome. Only what the caller can see can be reported."
        )
    ),
)
def report_create(request: HttpRequest, payload: ReportIn) -> object:
    user = request.user if request.user.is_authenticated else None
    report = services.report_create(
        reporter=user,
        email=payload.email,
        target_kind=payload.target_kind,
        target_id=payload.target_id,
        category=payload.category,
        explanation=payload.explanation,
        location_url=payload.location_url,
    )
    return Status(201, _report(request, report))


@router.get(
    "/reports/{receipt}",
    response={200: ReportOut, 404: ErrorOut},
    auth=OPTIONAL,
    openapi_extra=OPTIONAL_SECURITY,
    summary=doc(gettext_lazy("A report's receipt, and whether it was reviewed")),
)
def report_get(request: HttpRequest, receipt: str) -> object:
    return _report(request, selectors.report_by_receipt(receipt=receipt))


# --- Cases (moderators) -------------------------------------------------------------------------


@router.get(
    "/cases",
    response={200: CasePageOut, **error_responses(400, 401, 404)},
    summary=doc(gettext_lazy("The review queue (moderators)")),
)
def cases_list(
    request: AuthenticatedRequest,
    pagination: Query[NewestFirst.Input],
    status: str = "",
    category: str = "",
    target_kind: str = "",
    mine: bool = False,
) -> object:
    cases = selectors.cases_queue(
        viewer=request.user,
        filters=selectors.QueueFilters(
            status=status, category=category, target_kind=target_kind, mine=mine
        ),
    )
    page = _page(request, cases, pagination, ordering=("-created_at", "-id"))
    page["results"] = [_case(case, case.report_count) for case in page["results"]]
    return page


@router.get(
    "/cases/{case_id}",
    response={200: CaseDetailOut, **error_responses(401, 404)},
    summary=doc(gettext_lazy("A case with its content, reports, notes, actions and history")),
)
def case_get(request: AuthenticatedRequest, case_id: int) -> object:
    return _case_detail(request, case_id)


@router.post(
    "/cases/{case_id}/claim",
    response={200: CaseDetailOut, **error_responses(401, 403, 404, 409)},
    summary=doc(gettext_lazy("Claim a case (409 if another moderator has it)")),
)
def case_claim(request: AuthenticatedRequest, case_id: int) -> object:
    services.case_claim(moderator=request.user, case_id=case_id)
    return _case_detail(request, case_id)


@router.post(
    "/cases/{case_id}/release",
    response={200: CaseDetailOut, **error_responses(401, 403, 404, 409)},
    summary=doc(gettext_lazy("Release a case you claimed")),
)
def case_release(request: AuthenticatedRequest, case_id: int) -> object:
    services.case_release(moderator=request.user, case_id=case_id)
    return _case_detail(request, case_id)


@router.post(
    "/cases/{case_id}/assign",
    response={200: CaseDetailOut, **error_responses(400, 401, 403, 404)},
    summary=doc(gettext_lazy("Assign a case to a colleague")),
)
def case_assign(request: AuthenticatedRequest, case_id: int, payload: AssignIn) -> object:
    services.case_assign(moderator=request.user, case_id=case_id, assignee_handle=payload.assignee)
    return _case_detail(request, case_id)


@router.post(
    "/cases/{case_id}/notes",
    response={201: NoteOut, **error_responses(400, 401, 403, 404)},
    summary=doc(gettext_lazy("Add an internal note to a case")),
)
def case_note(request: AuthenticatedRequest, case_id: int, payload: NoteIn) -> object:
    note = services.note_add(moderator=request.user, case_id=case_id, body=payload.body)
    return Status(201, _note(note))


@router.post(
    "/people/{person_id}/notes",
    response={201: NoteOut, **error_responses(400, 401, 403, 404)},
    summary=doc(gettext_lazy("Add an internal note about a person")),
)
def person_note(request: AuthenticatedRequest, person_id: int, payload: NoteIn) -> object:
    note = services.note_add(moderator=request.user, person_id=person_id, body=payload.body)
    return Status(201, _note(note))


@router.post(
    "/cases/{case_id}/resolve",
    response={200: CaseDetailOut, **error_responses(400, 401, 403, 404, 409)},
    summary=doc(gettext_lazy("Resolve a case without an action; the reporters are told")),
)
def case_resolve(request: AuthenticatedRequest, case_id: int, payload: ResolveIn) -> object:
    services.case_resolve(moderator=request.user, case_id=case_id, resolution=payload.resolution)
    return _case_detail(request, case_id)


# --- Actions ------------------------------------------------------------------------------------


@router.post(
    "/actions",
    response={201: ActionOut, **error_responses(400, 401, 403, 404, 409)},
    summary=doc(gettext_lazy("Take an action (moderators)")),
    description=doc(
        gettext_lazy(
            "The person receives a statement of reasons; with `case_id`, the case is resolved "
            "and its reporters told the outcome. delete and ban need `confirmed` and a reason."
        )
    ),
)
def action_take(request: AuthenticatedRequest, payload: ActionIn) -> object:
    action = services.action_take(
        moderator=request.user,
        kind=payload.kind,
        target_kind=payload.target_kind,
        target_id=payload.target_id,
        reason=payload.reason,
        case_id=payload.case_id,
        rule_id=payload.rule_id,
        until=payload.until,
        slow_mode_seconds=payload.slow_mode_seconds,
        confirmed=payload.confirmed,
    )
    return Status(201, _action(action))


@router.post(
    "/actions/{action_id}/undo",
    response={200: ActionOut, **error_responses(400, 401, 403, 404, 409)},
    summary=doc(gettext_lazy("Undo an action and its effects")),
)
def action_undo(request: AuthenticatedRequest, action_id: int, payload: UndoIn) -> object:
    action = services.action_undo(
        moderator=request.user, action_id=action_id, reason=payload.reason
    )
    return _action(action)


# --- Statements and appeals ---------------------------------------------------------------------


@router.get(
    "/statements",
    response={200: list[StatementOut], 401: ErrorOut},
    summary=doc(gettext_lazy("The statements of reasons sent to you")),
)
def statements_mine(request: AuthenticatedRequest) -> object:
    statements = selectors.statements_of(user=request.user).select_related("action__rule")
    return [_statement(statement) for statement in statements[:200]]


@router.get(
    "/statements/{statement_id}",
    response={200: StatementOut, **error_responses(401, 404)},
    summary=doc(gettext_lazy("A statement of reasons (the person concerned, or moderators)")),
)
def statement_get(request: AuthenticatedRequest, statement_id: int) -> object:
    return _statement(
        selectors.statement_get_for_viewer(viewer=request.user, statement_id=statement_id)
    )


@router.post(
    "/statements/{statement_id}/appeal",
    response={201: AppealOut, **error_responses(400, 401, 403, 404, 409)},
    summary=doc(gettext_lazy("Appeal a decision, within the appeal period")),
)
def appeal_create(request: AuthenticatedRequest, statement_id: int, payload: AppealIn) -> object:
    appeal = services.appeal_create(
        appellant=request.user, statement_id=statement_id, explanation=payload.explanation
    )
    return Status(201, _appeal(appeal))


@router.get(
    "/appeals",
    response={200: list[AppealOut], **error_responses(401, 404)},
    summary=doc(gettext_lazy("Appeals waiting for a decision (moderators)")),
)
def appeals_list(request: AuthenticatedRequest) -> object:
    return [_appeal(appeal) for appeal in selectors.appeals_pending(viewer=request.user)[:200]]


@router.post(
    "/appeals/{appeal_id}/decide",
    response={200: AppealOut, **error_responses(400, 401, 403, 404, 409)},
    summary=doc(
        gettext_lazy("Grant or reject an appeal (another moderator than the one who acted)")
    ),
)
def appeal_decide(
    request: AuthenticatedRequest, appeal_id: int, payload: AppealDecisionIn
) -> object:
    appeal = services.appeal_decide(
        moderator=request.user, appeal_id=appeal_id, grant=payload.grant, reason=payload.reason
    )
    return _appeal(appeal)


# --- Rules, transparency, log -------------------------------------------------------------------


@router.get(
    "/rules",
    response={200: list[RuleOut]},
    auth=OPTIONAL,
    openapi_extra=OPTIONAL_SECURITY,
    summary=doc(gettext_lazy("The site's rules")),
)
def rules_list(request: HttpRequest) -> object:
    return [_rule(rule) for rule in selectors.rules_list()]


@router.put(
    "/rules",
    response={200: RuleOut, **error_responses(400, 401, 403)},
    summary=doc(gettext_lazy("Write or replace a rule (administrators)")),
)
def rule_save(request: AuthenticatedRequest, payload: RuleIn) -> object:
    rule = services.rule_save(admin=request.user, **payload.dict())
    return _rule(rule)


@router.get(
    "/transparency",
    response={200: TransparencyOut},
    auth=OPTIONAL,
    openapi_extra=OPTIONAL_SECURITY,
    summary=doc(gettext_lazy("Counts of actions, reports and appeals per month")),
)
def transparency(request: HttpRequest) -> object:
    counts = selectors.transparency_counts()

    def month(value: Any) -> str:
        return value.strftime("%Y-%m") if value else ""

    return {
        "actions": [
            {
                "month": month(row["month"]),
                "key": row["kind"],
                "rule": row["rule__number"],
                "count": row["count"],
            }
            for row in counts["actions"]
        ],
        "reports": [
            {"month": month(row["month"]), "key": row["category"], "count": row["count"]}
            for row in counts["reports"]
        ],
        "appeals": [
            {"month": month(row["month"]), "key": row["status"], "count": row["count"]}
            for row in counts["appeals"]
        ],
    }


@router.get(
    "/log",
    response={200: LogPageOut, **error_responses(400, 401, 404)},
    summary=doc(gettext_lazy("The moderation log, newest first (moderators)")),
)
def log(
    request: AuthenticatedRequest,
    pagination: Query[NewestFirst.Input],
    subject_id: int | None = None,
) -> object:
    page = _page(
        request, selectors.log_entries(viewer=request.user, subject_id=subject_id), pagination
    )
    page["results"] = [_log_entry(entry) for entry in page["results"]]
    return page
