"""Conversation pages: each view parses a form, calls one service or selector, and renders."""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from perchoir.core.errors import InvalidInput, RateLimited
from perchoir.core.forms import form_add_service_errors
from perchoir.core.types import AuthenticatedRequest
from perchoir.live.selectors import live_stream_last_event_id
from perchoir.moderation.hiding import HiddenByModerators

from . import permissions, selectors, services
from .forms import (
    ConversationStartForm,
    HighlightForm,
    InviteForm,
    JoinRequestForm,
    LockForm,
    MessageEditForm,
    MessageForm,
    RemoveParticipantForm,
    SettingsForm,
    SlowModeForm,
    SuggestionForm,
)
from .models import Conversation, Message
from .permissions import Standing

LIST_PAGE_SIZE = 30


def _int_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() and len(value) < 19 else None


def _conversation_context(
    request: HttpRequest, conversation: Conversation, standing: Standing
) -> dict[str, Any]:
    return {
        "conversation": conversation,
        "standing": standing,
        **permissions.capabilities(request.user, conversation, standing),
    }


# --- Lists and starting -------------------------------------------------------------------------


def conversation_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.conversations_listed(viewer=request.user), LIST_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    mine = selectors.conversations_of_member(viewer=request.user)[:10]
    invitations = (
        list(selectors.invitations_pending_for(user=request.user))
        if request.user.is_authenticated
        else []
    )
    return render(
        request,
        "conversations/list.html",
        {"page": page, "mine": mine, "invitations": invitations},
    )


def _start_initial(request: HttpRequest) -> tuple[dict[str, Any], Message | None]:
    """A branch starts prefilled from `?branch_conversation=&branch_message=&passage=`."""
    initial: dict[str, Any] = {}
    conversation_id = _int_param(request, "branch_conversation")
    message_id = _int_param(request, "branch_message")
    if conversation_id is None or message_id is None:
        return initial, None
    _conversation, _standing, message = selectors.message_get_for_viewer(
        viewer=request.user, conversation_id=conversation_id, message_id=message_id
    )
    passage = services.normalise_passage(request.GET.get("passage", ""))
    initial.update(branch_conversation=conversation_id, branch_message=message_id, passage=passage)
    return initial, message


@login_required
def conversation_start(request: AuthenticatedRequest) -> HttpResponse:
    initial, branch_message = _start_initial(request)
    form = ConversationStartForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            conversation = services.conversation_start(
                starter=request.user,
                title=data["title"],
                body=data["body"],
                visibility=data["visibility"],
                invite_policy=data["invite_policy"],
                origin=services.StartOrigin(
                    link_url=data["link_url"],
                    branch_conversation_id=data["branch_conversation"],
                    branch_message_id=data["branch_message"],
                    passage=data["passage"],
                ),
                invitees=[data["invitees"]] if data["invitees"].strip() else [],
            )
        except InvalidInput as error:
            form_add_service_errors(form, error)
        else:
            return redirect(conversation)
    if branch_message is None and form.is_bound and form.cleaned_data.get("branch_message"):
        branch_message = _branch_message_from_form(request, form)
    return render(
        request,
        "conversations/start.html",
        {
            "form": form,
            "branch_message": branch_message,
            "passage": initial.get("passage") or form.data.get("passage", ""),
        },
        status=400 if form.errors else 200,
    )


def _branch_message_from_form(request: HttpRequest, form: forms.Form) -> Message | None:
    try:
        return selectors.message_get_for_viewer(
            viewer=request.user,
            conversation_id=form.cleaned_data["branch_conversation"],
            message_id=form.cleaned_data["branch_message"],
        )[2]
    except Exception:
        return None


# --- Reading ------------------------------------------------------------------------------------


def conversation_detail(request: HttpRequest, conversation_id: int) -> HttpResponse:
    try:
        conversation, standing = selectors.conversation_get_for_viewer(
            viewer=request.user, conversation_id=conversation_id
        )
    except HiddenByModerators as hidden:
        # Hidden by the moderators: a notice saying so and why takes its place.
        return render(request, "moderation/hidden.html", {"error": hidden})
    # Before reading the messages: an event committed meanwhile arrives twice (the page ignores
    # the copy), never not at all.
    last_event_id = live_stream_last_event_id(conversation.live_stream)
    context = _conversation_context(request, conversation, standing)
    context.update(
        page=_thread_page(request, context, last_event_id),
        participants=selectors.participants_active(conversation=conversation),
        composer=MessageForm(initial={"client_token": secrets.token_urlsafe(16)}),
        last_event_id=last_event_id,
    )
    if context["can_answer_requests"]:
        context["pending_requests"] = selectors.join_requests_pending_count(
            conversation=conversation
        )
    elif request.user.is_authenticated:
        context["my_request"] = selectors.join_request_of(
            conversation=conversation,
            user=request.user,
        )
    return render(request, "conversations/detail.html", context)


# The rendered thread is kept this long at most; any new, edited or deleted message (a live event)
# makes a new one at once. Other changes (an avatar, a branch) show within this time.
THREAD_CACHE_SECONDS = 30
# What the messages' own links depend on, besides who reads.
THREAD_CAPABILITIES = ("can_post", "can_highlight", "can_branch")


@dataclass(frozen=True)
class ThreadPage:
    html: SafeString
    older: int | None
    newer: int | None
    is_last: bool


def _thread_page(request: HttpRequest, context: dict[str, Any], last_event_id: int) -> ThreadPage:
    """A page of messages rendered once for every reader alike (signed out), or for one
    person: messages are the costly part of the page, and they change only with an event.
    Kept in this process's memory (the "fragments" cache)."""
    conversation = context["conversation"]
    after, before = _int_param(request, "after"), _int_param(request, "before")
    latest = "latest" in request.GET
    allowed = "".join(
        str(int(context[name])) for name in ("can_post", "can_highlight", "can_branch")
    )
    reader = f"u{request.user.pk}:{allowed}" if request.user.is_authenticated else "anyone"
    key = (
        f"conversation-thread:{conversation.pk}:{get_language()}:{after}:{before}:{latest}:"
        f"{last_event_id}:{reader}"
    )
    cached = caches["fragments"].get(key)
    if cached is not None:
        return cast(ThreadPage, cached)
    page = selectors.messages_page(
        conversation=conversation, after=after, before=before, latest=latest
    )
    html = render_to_string(
        "conversations/_thread.html",
        {
            "messages": page.messages,
            "highlight_counts": selectors.highlight_counts(messages=page.messages),
            "user": request.user,
            **{name: context[name] for name in THREAD_CAPABILITIES},
        },
    )
    thread = ThreadPage(mark_safe(html), page.older, page.newer, page.is_last)  # noqa: S308 — our template
    caches["fragments"].set(key, thread, THREAD_CACHE_SECONDS)
    return thread


def message_permalink(request: HttpRequest, conversation_id: int, message_id: int) -> HttpResponse:
    _conversation, _standing, message = selectors.message_get_for_viewer(
        viewer=request.user, conversation_id=conversation_id, message_id=message_id
    )
    anchor = selectors.message_page_anchor(message=message)
    url = reverse("conversations:detail", args=[conversation_id])
    if anchor is not None:
        url += f"?after={anchor}"
    return HttpResponseRedirect(f"{url}#m-{message.pk}")


def message_history(request: HttpRequest, conversation_id: int, message_id: int) -> HttpResponse:
    conversation, standing, message = selectors.message_get_for_viewer(
        viewer=request.user, conversation_id=conversation_id, message_id=message_id
    )
    # A deleted message's earlier words are not shown again: the tombstone is the answer.
    hidden = message.is_deleted or message.hidden_from(request.user)
    revisions = [] if hidden else selectors.message_revisions(message=message)
    context = _conversation_context(request, conversation, standing)
    context.update(message=message, revisions=revisions)
    return render(request, "conversations/history.html", context)


def highlights(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation, standing = selectors.conversation_get_for_viewer(
        viewer=request.user, conversation_id=conversation_id
    )
    context = _conversation_context(request, conversation, standing)
    context["ranked"] = selectors.highlights_ranked(conversation=conversation)
    return render(request, "conversations/highlights.html", context)


# --- Writing ------------------------------------------------------------------------------------


def _composer_page(
    request: HttpRequest,
    conversation: Conversation,
    standing: Standing,
    form: forms.Form,
    *,
    template: str,
    status: int,
    **extra: Any,
) -> HttpResponse:
    context = _conversation_context(request, conversation, standing)
    context.update(form=form, **extra)
    return render(request, template, context, status=status)


@login_required
def message_reply(
    request: AuthenticatedRequest, conversation_id: int, message_id: int
) -> HttpResponse:
    """The composer with a quote of one message (or a passage of it): works without JavaScript."""
    conversation, standing, message = selectors.message_get_for_viewer(
        viewer=request.user, conversation_id=conversation_id, message_id=message_id
    )
    passage = services.normalise_passage(request.GET.get("passage", ""))
    form = MessageForm(
        initial={
            "reply_to": message.pk,
            "quoted_passage": passage,
            "client_token": secrets.token_urlsafe(16),
        }
    )
    return _composer_page(
        request,
        conversation,
        standing,
        form,
        template="conversations/reply.html",
        status=200,
        message=message,
        passage=passage,
    )


@login_required
@require_POST
def message_post(request: AuthenticatedRequest, conversation_id: int) -> HttpResponse:
    form = MessageForm(request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            message = services.message_post(
                author=request.user,
                conversation_id=conversation_id,
                body=data["body"],
                reply_to_id=data["reply_to"],
                quoted_passage=data["quoted_passage"],
                client_token=data["client_token"],
            )
        except InvalidInput as error:
            form_add_service_errors(form, error)
        except RateLimited as error:
            # Slow mode or too fast: keep the text in the form, say when to try again.
            form.add_error(None, str(error.message))
            status = 429
        else:
            return redirect(message.get_absolute_url())
    conversation, standing = selectors.conversation_get_for_viewer(
        viewer=request.user, conversation_id=conversation_id
    )
    reply_to = form.cleaned_data.get("reply_to") if hasattr(form, "cleaned_data") else None
    quoted = conversation.messages.filter(pk=reply_to).first() if reply_to else None
    return _composer_page(
        request,
        conversation,
        standing,
        form,
        template="conversations/reply.html",
        status=status,
        message=quoted,
        passage=form.data.get("quoted_passage", ""),
    )


@login_required
def message_edit(
    request: AuthenticatedRequest, conversation_id: int, message_id: int
) -> HttpResponse:
    conversation, standing, message = selectors.message_get_for_viewer(
        viewer=request.user, conversation_id=conversation_id, message_id=message_id
    )
    if not permissions.can_edit_message(request.user, message):
        return _forbidden(request, _("Only its author can change a message."))
    form = MessageEditForm(request.POST or None, initial={"body": message.body})
    if request.method == "POST" and form.is_valid():
        try:
            message = services.message_edit(
                author=request.user,
                conversation_id=conversation_id,
                message_id=message_id,
                body=form.cleaned_data["body"],
            )
        except InvalidInput as error:
            form_add_service_errors(form, error)
        else:
            messages.success(
                request, _("Your message was changed; its history keeps the earlier version.")
            )
            return redirect(message.get_absolute_url())
    return _composer_page(
        request,
        conversation,
        standing,
        form,
        template="conversations/edit.html",
        status=400 if form.errors else 200,
        message=message,
    )


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "errors/403.html", {"message": message}, status=403)


@login_required
def message_delete(
    request: AuthenticatedRequest, conversation_id: int, message_id: int
) -> HttpResponse:
    conversation, standing, message = selectors.message_get_for_viewer(
        viewer=request.user, conversation_id=conversation_id, message_id=message_id
    )
    if request.method == "POST":
        services.message_delete(
            author=request.user, conversation_id=conversation_id, message_id=message_id
        )
        messages.success(request, _("Your message was deleted; a note takes its place."))
        return redirect(message.get_absolute_url())
    if not permissions.can_delete_message(request.user, message):
        return _forbidden(request, _("Only its author can delete a message."))
    context = _conversation_context(request, conversation, standing)
    context["message"] = message
    return render(request, "conversations/delete.html", context)


@login_required
def highlight_add(
    request: AuthenticatedRequest, conversation_id: int, message_id: int
) -> HttpResponse:
    conversation, standing, message = selectors.message_get_for_viewer(
        viewer=request.user, conversation_id=conversation_id, message_id=message_id
    )
    form = HighlightForm(request.POST or None, initial={"passage": request.GET.get("passage", "")})
    if request.method == "POST" and form.is_valid():
        try:
            services.highlight_add(
                user=request.user,
                conversation_id=conversation_id,
                message_id=message_id,
                passage=form.cleaned_data["passage"],
            )
        except InvalidInput as error:
            form_add_service_errors(form, error)
        else:
            messages.success(
                request, _("Highlighted. The highlights page shows what readers marked most.")
            )
            return redirect(message.get_absolute_url())
    return _composer_page(
        request,
        conversation,
        standing,
        form,
        template="conversations/highlight.html",
        status=400 if form.errors else 200,
        message=message,
    )


# --- People: invitations, requests, suggestions -------------------------------------------------


@login_required
def invite(request: AuthenticatedRequest, conversation_id: int) -> HttpResponse:
    conversation, standing = selectors.conversation_get_for_viewer(
        viewer=request.user, conversation_id=conversation_id
    )
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = services.conversation_invite(
                inviter=request.user,
                conversation_id=conversation_id,
                addresses=[form.cleaned_data["invitees"]],
            )
        except InvalidInput as error:
            form_add_service_errors(form, error)
        else:
            _announce_invitations(request, outcome)
            return redirect(conversation)
    if not permissions.can_invite(request.user, conversation, standing):
        return _forbidden(request, _("You cannot invite people to this conversation."))
    return _composer_page(
        request,
        conversation,
        standing,
        form,
        template="conversations/invite.html",
        status=400 if form.errors else 200,
    )


def _announce_invitations(request: HttpRequest, outcome: services.InviteOutcome) -> None:
    if outcome.invited:
        messages.success(
            request,
            _("Invited: %(people)s.")
            % {"people": ", ".join("@" + p.handle for p in outcome.invited)},
        )
    if outcome.waiting:
        messages.success(
            request,
            _("Invitations waiting for: %(addresses)s.")
            % {"addresses": ", ".join(i.address for i in outcome.waiting)},
        )
    if outcome.already_in:
        messages.info(
            request,
            _("Already taking part: %(people)s.")
            % {"people": ", ".join("@" + p.handle for p in outcome.already_in)},
        )


@login_required
@require_POST
def invitation_answer(request: AuthenticatedRequest, conversation_id: int) -> HttpResponse:
    if request.POST.get("answer") == "accept":
        services.invitation_accept(user=request.user, conversation_id=conversation_id)
        messages.success(request, _("Welcome: you take part in this conversation now."))
        return redirect("conversations:detail", conversation_id)
    services.invitation_decline(user=request.user, conversation_id=conversation_id)
    messages.info(request, _("Invitation declined."))
    return redirect("conversations:list")


def _ask_page(
    request: AuthenticatedRequest,
    conversation_id: int,
    form: forms.Form,
    ask: Callable[[dict[str, Any]], object],
    *,
    template: str,
    sent: str,
) -> HttpResponse:
    """A reader's request to the participants (to join, or a suggested message): the form, the
    service, the notice that they will be told."""
    conversation, standing = selectors.conversation_get_for_viewer(
        viewer=request.user, conversation_id=conversation_id
    )
    if request.method == "POST" and form.is_valid():
        try:
            ask(form.cleaned_data)
        except InvalidInput as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, sent)
            return redirect(conversation)
    return _composer_page(
        request,
        conversation,
        standing,
        form,
        template=template,
        status=400 if form.errors else 200,
    )


@login_required
def join_request(request: AuthenticatedRequest, conversation_id: int) -> HttpResponse:
    return _ask_page(
        request,
        conversation_id,
        JoinRequestForm(request.POST or None),
        lambda data: services.join_request_create(
            requester=request.user, conversation_id=conversation_id, pitch=data["pitch"]
        ),
        template="conversations/join.html",
        sent=_("Your request was sent; you will be told the answer."),
    )


@login_required
def suggest(request: AuthenticatedRequest, conversation_id: int) -> HttpResponse:
    return _ask_page(
        request,
        conversation_id,
        SuggestionForm(request.POST or None),
        lambda data: services.suggestion_create(
            requester=request.user, conversation_id=conversation_id, body=data["body"]
        ),
        template="conversations/suggest.html",
        sent=_("Your message was suggested; you will be told if it is approved."),
    )


@login_required
def requests(request: AuthenticatedRequest, conversation_id: int) -> HttpResponse:
    conversation, standing = selectors.conversation_get_for_viewer(
        viewer=request.user, conversation_id=conversation_id
    )
    if not permissions.can_answer_requests(request.user, conversation, standing):
        return _forbidden(request, _("Only participants answer requests."))
    context = _conversation_context(request, conversation, standing)
    context["pending"] = selectors.join_requests_pending(conversation=conversation)
    return render(request, "conversations/requests.html", context)


@login_required
@require_POST
def request_answer(
    request: AuthenticatedRequest, conversation_id: int, request_id: int
) -> HttpResponse:
    approve = request.POST.get("answer") == "approve"
    services.join_request_decide(
        actor=request.user, conversation_id=conversation_id, request_id=request_id, approve=approve
    )
    messages.success(
        request, _("Approved; they were told.") if approve else _("Declined; they were told.")
    )
    return redirect("conversations:requests", conversation_id)


@login_required
@require_POST
def leave(request: AuthenticatedRequest, conversation_id: int) -> HttpResponse:
    services.conversation_leave(user=request.user, conversation_id=conversation_id)
    messages.info(
        request, _("You left the conversation. You can still read it if it is not private.")
    )
    return redirect("conversations:list")


# --- The room -----------------------------------------------------------------------------------


def _room_page(
    request: AuthenticatedRequest,
    conversation: Conversation,
    standing: Standing,
    status: int = 200,
    **forms_: forms.Form,
) -> HttpResponse:
    context = _conversation_context(request, conversation, standing)
    context.update(
        lock_form=forms_.get("lock_form") or LockForm(),
        slow_form=forms_.get("slow_form")
        or SlowModeForm(initial={"seconds": conversation.slow_mode_seconds}),
        settings_form=forms_.get("settings_form")
        or SettingsForm(
            initial={
                "title": conversation.title,
                "visibility": conversation.visibility,
                "invite_policy": conversation.invite_policy,
            }
        ),
        remove_form=forms_.get("remove_form"),
        participants=selectors.participants_active(conversation=conversation),
        log=selectors.room_log(conversation=conversation)[:100],
    )
    return render(request, "conversations/room.html", context, status=status)


@login_required
def room(request: AuthenticatedRequest, conversation_id: int) -> HttpResponse:
    conversation, standing = selectors.conversation_get_for_viewer(
        viewer=request.user, conversation_id=conversation_id
    )
    if not permissions.can_manage_room(request.user, conversation):
        return _forbidden(request, _("Only the person who started this conversation manages it."))
    return _room_page(request, conversation, standing)


ROOM_ACTIONS = {
    "lock": LockForm,
    "unlock": LockForm,
    "slow-mode": SlowModeForm,
    "remove": RemoveParticipantForm,
    "settings": SettingsForm,
}
ROOM_FORM_NAMES = {
    "lock": "lock_form",
    "unlock": "lock_form",
    "slow-mode": "slow_form",
    "remove": "remove_form",
    "settings": "settings_form",
}


def _room_apply(
    request: AuthenticatedRequest, conversation_id: int, action: str, data: dict[str, Any]
) -> str:
    user = request.user
    if action in ("lock", "unlock"):
        services.conversation_lock(
            actor=user,
            conversation_id=conversation_id,
            locked=action == "lock",
            reason=data["reason"],
        )
        return (
            _("The conversation is locked.")
            if action == "lock"
            else _("The conversation is open again.")
        )
    if action == "slow-mode":
        services.conversation_slow_mode_set(
            actor=user,
            conversation_id=conversation_id,
            seconds=data["seconds"],
            reason=data["reason"],
        )
        return _("Slow mode saved.")
    if action == "remove":
        services.participant_remove(
            actor=user,
            conversation_id=conversation_id,
            handle=data["handle"],
            reason=data["reason"],
        )
        return _("@%(handle)s was removed and told why.") % {"handle": data["handle"].lstrip("@")}
    services.conversation_settings_update(
        actor=user,
        conversation_id=conversation_id,
        title=data["title"],
        visibility=data["visibility"],
        invite_policy=data["invite_policy"],
    )
    return _("Settings saved.")


@login_required
@require_POST
def room_action(request: AuthenticatedRequest, conversation_id: int, action: str) -> HttpResponse:
    form_class = ROOM_ACTIONS.get(action)
    if form_class is None:
        return redirect("conversations:room", conversation_id)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            notice = _room_apply(request, conversation_id, action, form.cleaned_data)
        except InvalidInput as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, notice)
            return redirect("conversations:room", conversation_id)
    conversation, standing = selectors.conversation_get_for_viewer(
        viewer=request.user, conversation_id=conversation_id
    )
    if not permissions.can_manage_room(request.user, conversation):
        return _forbidden(request, _("Only the person who started this conversation manages it."))
    return _room_page(
        request, conversation, standing, status=400, **{ROOM_FORM_NAMES[action]: form}
    )
