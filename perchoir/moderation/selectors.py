"""Reads of moderation: the queue and its cases for moderators, statements for the person
concerned, receipts for reporters, and the public transparency counts."""

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from perchoir.accounts.models import User
from perchoir.core.errors import NotFound

from . import permissions
from .models import (
    LOCKED_OUT_ACTIONS,
    Action,
    Appeal,
    AppealStatus,
    Case,
    CaseStatus,
    LogEntry,
    Note,
    Report,
    ReportCategory,
    Rule,
    StatementOfReasons,
)
from .targets import Target, target_get, target_kinds

QUEUE_PAGE_SIZE = 50
HISTORY_SIZE = 20


def _moderator_only(viewer: Any) -> None:
    # For anyone else, moderation pages do not exist.
    if not permissions.is_moderator(viewer):
        raise NotFound()


@dataclass(frozen=True)
class QueueFilters:
    status: str = ""  # "" = not resolved yet
    category: str = ""
    target_kind: str = ""
    mine: bool = False  # claimed by or assigned to the viewer


def cases_queue(*, viewer: Any, filters: QueueFilters) -> QuerySet[Case]:
    """The review queue, oldest first: a constant number of queries whatever its length."""
    _moderator_only(viewer)
    cases = Case.objects.select_related("subject", "claimed_by", "assignee").annotate(
        report_count=Count("reports")
    )
    if filters.status in CaseStatus.values:
        cases = cases.filter(status=filters.status)
    else:
        cases = cases.exclude(status=CaseStatus.RESOLVED)
    if filters.category in ReportCategory.values:
        cases = cases.filter(
            pk__in=Report.objects.filter(category=filters.category).values("case_id")
        )
    if filters.target_kind in target_kinds():
        cases = cases.filter(target_kind=filters.target_kind)
    if filters.mine:
        cases = cases.filter(Q(claimed_by=viewer) | Q(assignee=viewer))
    if filters.status == CaseStatus.RESOLVED:
        return cases.order_by("-resolved_at", "-id")
    return cases.order_by("created_at", "id")


@dataclass
class CaseView:
    case: Case
    target: Target | None
    reports: list[Report]
    notes: list[Note]
    actions: list[Action]
    history: list[LogEntry]
    # The person's previous cases, actions and the team's notes about them (D2, D7).
    previous_cases: list[Case] = field(default_factory=list)
    previous_actions: list[Action] = field(default_factory=list)
    person_notes: list[Note] = field(default_factory=list)


def case_get_for_moderator(*, viewer: Any, case_id: int) -> CaseView:
    _moderator_only(viewer)
    case = (
        Case.objects.select_related("subject", "claimed_by", "assignee").filter(pk=case_id).first()
    )
    if case is None:
        raise NotFound()
    try:
        target: Target | None = target_get(case.target_kind, case.target_id)
    except NotFound:
        target = None
    view = CaseView(
        case=case,
        target=target,
        reports=list(case.reports.select_related("reporter").order_by("created_at", "id")),
        notes=list(case.notes.select_related("author").order_by("created_at", "id")),
        actions=list(
            case.actions.select_related(
                "moderator", "subject", "rule", "statement__appeal"
            ).order_by("created_at", "id")
        ),
        history=list(LogEntry.objects.filter(case_id=case.pk).order_by("created_at", "id")),
    )
    if case.subject_id is not None:
        view.previous_cases = list(
            Case.objects.filter(subject_id=case.subject_id)
            .exclude(pk=case.pk)
            .order_by("-created_at", "-id")[:HISTORY_SIZE]
        )
        view.previous_actions = list(
            Action.objects.filter(subject_id=case.subject_id)
            .exclude(case=case)
            .select_related("moderator", "subject", "rule", "statement")
            .order_by("-created_at", "-id")[:HISTORY_SIZE]
        )
        view.person_notes = list(
            Note.objects.filter(person_id=case.subject_id)
            .select_related("author")
            .order_by("-created_at", "-id")[:HISTORY_SIZE]
        )
    return view


def locked_out_exists(user_ref: str = "user_id") -> Exists:
    """Whether the person at `user_ref` (of the outer query) is suspended or banned right now:
    a subquery, so that authenticating an access token costs no query more."""
    return Exists(
        Action.objects.filter(
            subject_id=OuterRef(user_ref), kind__in=LOCKED_OUT_ACTIONS, reversed_at__isnull=True
        ).filter(Q(until__isnull=True) | Q(until__gt=timezone.now()))
    )


def moderators(*, viewer: Any) -> QuerySet[User]:
    _moderator_only(viewer)
    return User.objects.filter(role__in=["moderator", "admin"], is_active=True).order_by("handle")


def statement_get_for_viewer(*, viewer: Any, statement_id: int) -> StatementOfReasons:
    """The person concerned and the moderators read a statement; for others it does not exist."""
    statement = (
        StatementOfReasons.objects.select_related("action__rule", "recipient")
        .prefetch_related(Prefetch("appeal", queryset=Appeal.objects.all()))
        .filter(pk=statement_id)
        .first()
    )
    if statement is None or not permissions.is_member(viewer):
        raise NotFound()
    if statement.recipient_id != viewer.pk and not permissions.is_moderator(viewer):
        raise NotFound()
    return statement


def statement_of_action(*, viewer: Any, action_id: int) -> StatementOfReasons:
    statement = StatementOfReasons.objects.filter(action_id=action_id).only("id").first()
    if statement is None:
        raise NotFound()
    return statement_get_for_viewer(viewer=viewer, statement_id=statement.pk)


def statement_appeal(statement: StatementOfReasons) -> Appeal | None:
    try:
        return statement.appeal
    except Appeal.DoesNotExist:
        return None


def statements_of(*, user: User) -> QuerySet[StatementOfReasons]:
    return StatementOfReasons.objects.filter(recipient=user).select_related("action")


def appeals_pending(*, viewer: Any) -> QuerySet[Appeal]:
    _moderator_only(viewer)
    return (
        Appeal.objects.filter(status=AppealStatus.PENDING)
        .select_related("appellant", "statement__action__moderator")
        .order_by("created_at", "id")
    )


def appeal_get_for_moderator(*, viewer: Any, appeal_id: int) -> Appeal:
    _moderator_only(viewer)
    appeal = (
        Appeal.objects.select_related(
            "appellant", "decided_by", "statement__action__moderator", "statement__action__rule"
        )
        .filter(pk=appeal_id)
        .first()
    )
    if appeal is None:
        raise NotFound()
    return appeal


def report_by_receipt(*, receipt: str) -> Report:
    """A reporter's receipt: who knows its secret address reads it (visitors have no account)."""
    try:
        key = UUID(receipt)
    except ValueError:
        raise NotFound() from None
    report = Report.objects.select_related("case").filter(receipt=key).first()
    if report is None:
        raise NotFound()
    return report


def rules_list() -> list[Rule]:
    return list(Rule.objects.order_by("number"))


def log_entries(*, viewer: Any, subject_id: int | None = None) -> QuerySet[LogEntry]:
    _moderator_only(viewer)
    entries = LogEntry.objects.order_by("-created_at", "-id")
    if subject_id is not None:
        entries = entries.filter(subject_id=subject_id)
    return entries


@dataclass(frozen=True)
class TransparencyRow:
    month: Any
    kind: str
    reason: str
    count: int


def transparency_counts() -> dict[str, list[dict[str, Any]]]:
    """Public counts: actions per month, kind and rule; reports per month and category."""
    actions = list(
        Action.objects.annotate(month=TruncMonth("created_at"))
        .values("month", "kind", "rule__number", "rule__title_en", "rule__title_fr")
        .annotate(count=Count("id"))
        .order_by("-month", "kind", "rule__number")
    )
    reports = list(
        Report.objects.annotate(month=TruncMonth("created_at"))
        .values("month", "category")
        .annotate(count=Count("id"))
        .order_by("-month", "category")
    )
    appeals = list(
        Appeal.objects.annotate(month=TruncMonth("created_at"))
        .values("month", "status")
        .annotate(count=Count("id"))
        .order_by("-month", "status")
    )
    return {"actions": actions, "reports": reports, "appeals": appeals}
