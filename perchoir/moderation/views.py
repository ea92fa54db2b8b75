"""Moderation pages: reporting, the review queue and its cases, actions, statements, appeals,
the rules and the transparency page. Each view parses a form, calls one service or selector,
and renders; moderation pages do not exist for people who are not moderators."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from perchoir.core.errors import ApplicationError, InvalidInput, NotFound
from perchoir.core.forms import form_add_service_errors
from perchoir.core.types import AuthenticatedRequest

from . import permissions, selectors, services
from .forms import (
    ActionForm,
    AppealDecisionForm,
    AppealForm,
    AssignForm,
    NoteForm,
    QueueFilterForm,
    ReportForm,
    ResolveForm,
    RuleForm,
    UndoForm,
)
from .models import SEVERE_ACTIONS, ActionKind, AppealStatus, ReportCategory
from .signin import statement_key_valid
from .targets import target_get, target_kinds

LOG_PAGE_SIZE = 100


def _moderator(request: HttpRequest) -> None:
    if not permissions.is_moderator(request.user):
        raise NotFound()


# --- Reporting (D1) -----------------------------------------------------------------------------


def report(request: HttpRequest, target_kind: str, target_id: int) -> HttpResponse:
    """Anyone reports what they see; visitors give an email address."""
    try:
        target = target_get(target_kind, target_id)
    except InvalidInput:
        raise NotFound() from None
    viewer = request.user if request.user.is_authenticated else None
    if not target.kind.visible_to(viewer, target.obj):
        raise NotFound()
    form = ReportForm(
        request.POST if request.method == "POST" else None,
        initial={"location_url": request.GET.get("from", "") or target.url},
    )
    if request.method == "POST" and form.is_valid():
        try:
            created = services.report_create(
                reporter=viewer,
                email=form.cleaned_data["email"],
                target_kind=target_kind,
                target_id=target_id,
                category=form.cleaned_data["category"],
                explanation=form.cleaned_data["explanation"],
                location_url=form.cleaned_data["location_url"],
            )
        except InvalidInput as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("Thank you: your report was received."))
            return HttpResponseRedirect(created.get_absolute_url())
    return render(
        request,
        "moderation/report.html",
        {"form": form, "target": target, "needs_email": viewer is None},
        status=400 if request.method == "POST" else 200,
    )


def report_receipt(request: HttpRequest, receipt: str) -> HttpResponse:
    found = selectors.report_by_receipt(receipt=receipt)
    return render(request, "moderation/receipt.html", {"report": found})


# --- The queue and its cases (D2, D7) -----------------------------------------------------------


@login_required
def queue(request: AuthenticatedRequest) -> HttpResponse:
    _moderator(request)
    kinds = [(name, str(kind.label)) for name, kind in target_kinds().items()]
    form = QueueFilterForm(request.GET or None, kinds=kinds)
    filters = selectors.QueueFilters()
    if form.is_bound and form.is_valid():
        filters = selectors.QueueFilters(
            status=form.cleaned_data["status"],
            category=form.cleaned_data["category"],
            target_kind=form.cleaned_data["target_kind"],
            mine=form.cleaned_data["mine"],
        )
    cases = selectors.cases_queue(viewer=request.user, filters=filters)
    page = Paginator(cases, selectors.QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    filters_query = request.GET.copy()
    filters_query.pop("page", None)
    return render(
        request,
        "moderation/queue.html",
        {
            "form": form,
            "page": page,
            "kinds": dict(kinds),
            "appeals_count": selectors.appeals_pending(viewer=request.user).count(),
            "filters_query": filters_query.urlencode(),
        },
    )


def _case_page(
    request: AuthenticatedRequest, case_id: int, status: int = 200, **forms: Any
) -> HttpResponse:
    view = selectors.case_get_for_moderator(viewer=request.user, case_id=case_id)
    context: dict[str, Any] = {
        "view": view,
        "case": view.case,
        "kinds": {name: kind.label for name, kind in target_kinds().items()},
        "note_form": NoteForm(),
        "assign_form": AssignForm(),
        "resolve_form": ResolveForm(),
        "undo_form": UndoForm(),
        "is_about_me": view.case.subject_id == request.user.pk,
        "moderators": selectors.moderators(viewer=request.user),
    }
    context.update(forms)
    return render(request, "moderation/case.html", context, status=status)


@login_required
def case(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    _moderator(request)
    return _case_page(request, case_id)


CASE_OPERATIONS = {
    "claim": None,
    "release": None,
    "assign": AssignForm,
    "note": NoteForm,
    "person-note": NoteForm,
    "resolve": ResolveForm,
}


@login_required
@require_POST
def case_operation(request: AuthenticatedRequest, case_id: int, operation: str) -> HttpResponse:
    _moderator(request)
    if operation not in CASE_OPERATIONS:
        raise NotFound()
    form_class = CASE_OPERATIONS[operation]
    form = form_class(request.POST) if form_class is not None else None
    form_name = f"{operation.replace('-', '_')}_form"
    if form is not None and not form.is_valid():
        return _case_page(request, case_id, status=400, **{form_name: form})
    data = form.cleaned_data if form is not None else {}
    user = request.user
    try:
        if operation == "claim":
            services.case_claim(moderator=user, case_id=case_id)
            done = _("You claimed this case.")
        elif operation == "release":
            services.case_release(moderator=user, case_id=case_id)
            done = _("You released this case.")
        elif operation == "assign":
            services.case_assign(moderator=user, case_id=case_id, assignee_handle=data["assignee"])
            done = _("The case is assigned.")
        elif operation == "note":
            services.note_add(moderator=user, case_id=case_id, body=data["body"])
            done = _("Your note is saved.")
        elif operation == "person-note":
            view = selectors.case_get_for_moderator(viewer=user, case_id=case_id)
            services.note_add(moderator=user, person_id=view.case.subject_id, body=data["body"])
            done = _("Your note is saved.")
        else:
            services.case_resolve(moderator=user, case_id=case_id, resolution=data["resolution"])
            done = _("The case is resolved; the reporters are told.")
    except InvalidInput as error:
        if form is None:
            raise
        form_add_service_errors(form, error)
        return _case_page(request, case_id, status=400, **{form_name: form})
    except ApplicationError as error:
        if error.status == 404:
            raise
        messages.error(request, str(error.message))
        return HttpResponseRedirect(reverse("moderation:case", args=[case_id]))
    messages.success(request, done)
    return HttpResponseRedirect(reverse("moderation:case", args=[case_id]))


# --- Actions (D3) -------------------------------------------------------------------------------


@login_required
def act(request: AuthenticatedRequest, target_kind: str, target_id: int) -> HttpResponse:
    """Choose an action on content or a person, from a case (`?case=`) or directly. Deleting
    and banning show a second page asking to confirm, with the reason."""
    _moderator(request)
    try:
        target = target_get(target_kind, target_id)
    except InvalidInput:
        raise NotFound() from None
    case_param = request.GET.get("case") or request.POST.get("case") or ""
    case_id = int(case_param) if case_param.isdigit() and len(case_param) < 19 else None
    form = ActionForm(
        request.POST if request.method == "POST" else None,
        kinds=services.action_kinds_for(target, with_case=case_id is not None),
    )
    confirming = False
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["kind"] in SEVERE_ACTIONS and not data["confirmed"]:
            confirming = True
            if not data["reason"].strip():
                form.add_error("reason", _("Say why: the person will read it."))
                confirming = False
                status = 400
        else:
            try:
                action = services.action_take(
                    moderator=request.user,
                    kind=data["kind"],
                    target_kind=target_kind,
                    target_id=target_id,
                    reason=data["reason"],
                    case_id=case_id,
                    rule_id=data["rule"].pk if data["rule"] else None,
                    until=data["until"],
                    slow_mode_seconds=data["slow_mode_seconds"],
                    confirmed=data["confirmed"],
                )
            except InvalidInput as error:
                form_add_service_errors(form, error)
                status = 400
            else:
                messages.success(
                    request,
                    _("Done: %(action)s. The person was sent a statement of reasons.")
                    % {"action": ActionKind(action.kind).label}
                    if action.kind != ActionKind.DISMISS
                    else _("The reports were dismissed; the reporters are told."),
                )
                if case_id is not None:
                    return HttpResponseRedirect(reverse("moderation:case", args=[case_id]))
                return HttpResponseRedirect(reverse("moderation:queue"))
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "moderation/act.html",
        {
            "form": form,
            "target": target,
            "case_id": case_id,
            "confirming": confirming,
            "kind_label": ActionKind(form.cleaned_data["kind"]).label if confirming else "",
            "severe": sorted(SEVERE_ACTIONS),
        },
        status=status,
    )


@login_required
@require_POST
def action_undo(request: AuthenticatedRequest, action_id: int) -> HttpResponse:
    _moderator(request)
    form = UndoForm(request.POST)
    back = request.POST.get("next", "")
    if not back.startswith("/moderation/"):
        back = reverse("moderation:queue")
    if not form.is_valid():
        messages.error(request, _("Say why it is undone."))
        return HttpResponseRedirect(back)
    try:
        services.action_undo(
            moderator=request.user, action_id=action_id, reason=form.cleaned_data["reason"]
        )
    except ApplicationError as error:
        if error.status == 404:
            raise
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The action is undone; the person is told."))
    return HttpResponseRedirect(back)


# --- Statements of reasons (D4) and appeals (D5) ------------------------------------------------


def _statement_viewer(request: HttpRequest, statement_id: int) -> Any:
    """The signed-in person, or the statement's recipient reading it by its signed key (a
    suspended person cannot sign in, yet may appeal)."""
    key = request.GET.get("key", "")
    if key and statement_key_valid(statement_id, key):
        from .models import StatementOfReasons

        statement = (
            StatementOfReasons.objects.select_related("recipient").filter(pk=statement_id).first()
        )
        if statement is not None and statement.recipient is not None:
            return statement.recipient
    return request.user


def statement(request: HttpRequest, statement_id: int) -> HttpResponse:
    viewer = _statement_viewer(request, statement_id)
    found = selectors.statement_get_for_viewer(viewer=viewer, statement_id=statement_id)
    appeal = selectors.statement_appeal(found)
    is_recipient = found.recipient_id == viewer.pk
    form = AppealForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if not is_recipient:
            raise NotFound()
        if form.is_valid():
            try:
                services.appeal_create(
                    appellant=viewer,
                    statement_id=statement_id,
                    explanation=form.cleaned_data["explanation"],
                )
            except InvalidInput as error:
                form_add_service_errors(form, error)
                status = 400
            except ApplicationError as error:
                if error.status == 404:
                    raise
                form.add_error(None, str(error.message))
                status = 400
            else:
                messages.success(
                    request, _("Your appeal is sent. A different moderator will decide.")
                )
                return HttpResponseRedirect(request.get_full_path())
        else:
            status = 400
    return render(
        request,
        "moderation/statement.html",
        {
            "statement": found,
            "action": found.action,
            "appeal": appeal,
            "is_recipient": is_recipient,
            "form": form,
            "can_appeal": is_recipient
            and appeal is None
            and found.action.kind != ActionKind.NOTE
            and not found.action.is_reversed
            and found.can_still_appeal,
        },
        status=status,
    )


@login_required
def statement_for_action(request: AuthenticatedRequest, action_id: int) -> HttpResponse:
    """From a hidden message, its author goes to the statement about it."""
    found = selectors.statement_of_action(viewer=request.user, action_id=action_id)
    return HttpResponseRedirect(found.get_absolute_url())


@login_required
def appeals(request: AuthenticatedRequest) -> HttpResponse:
    _moderator(request)
    return render(
        request,
        "moderation/appeals.html",
        {"appeals": list(selectors.appeals_pending(viewer=request.user)[:200])},
    )


@login_required
def appeal(request: AuthenticatedRequest, appeal_id: int) -> HttpResponse:
    _moderator(request)
    found = selectors.appeal_get_for_moderator(viewer=request.user, appeal_id=appeal_id)
    form = AppealDecisionForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.appeal_decide(
                    moderator=request.user,
                    appeal_id=appeal_id,
                    grant=form.cleaned_data["decision"] == "grant",
                    reason=form.cleaned_data["reason"],
                )
            except InvalidInput as error:
                form_add_service_errors(form, error)
                status = 400
            except ApplicationError as error:
                if error.status == 404:
                    raise
                form.add_error(None, str(error.message))
                status = 403 if error.status == 403 else 409
            else:
                messages.success(request, _("The appeal is decided; the person is told."))
                return HttpResponseRedirect(reverse("moderation:appeal", args=[appeal_id]))
        else:
            status = 400
    action = found.statement.action
    return render(
        request,
        "moderation/appeal.html",
        {
            "appeal": found,
            "statement": found.statement,
            "action": action,
            "form": form,
            "is_pending": found.status == AppealStatus.PENDING,
            "may_decide": action.moderator_id != request.user.pk
            and found.appellant_id != request.user.pk,
        },
        status=status,
    )


# --- Rules, transparency, the log (D6) ----------------------------------------------------------


def rules(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "moderation/rules.html",
        {"rules": selectors.rules_list(), "can_edit": permissions.is_admin(request.user)},
    )


@login_required
def rules_edit(request: AuthenticatedRequest) -> HttpResponse:
    if not permissions.is_admin(request.user):
        raise NotFound()
    form = RuleForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.rule_save(admin=request.user, **form.cleaned_data)
            except InvalidInput as error:
                form_add_service_errors(form, error)
                status = 400
            else:
                messages.success(request, _("The rule is saved."))
                return HttpResponseRedirect(reverse("moderation:rules-edit"))
        else:
            status = 400
    return render(
        request,
        "moderation/rules_edit.html",
        {"form": form, "rules": selectors.rules_list()},
        status=status,
    )


def transparency(request: HttpRequest) -> HttpResponse:
    counts = selectors.transparency_counts()
    return render(
        request,
        "moderation/transparency.html",
        {
            **counts,
            "action_labels": dict(ActionKind.choices),
            "status_labels": dict(AppealStatus.choices),
            "category_labels": dict(ReportCategory.choices),
        },
    )


@login_required
def log(request: AuthenticatedRequest) -> HttpResponse:
    _moderator(request)
    entries = selectors.log_entries(viewer=request.user)
    page = Paginator(entries, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "moderation/log.html", {"page": page})
