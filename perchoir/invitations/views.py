from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from perchoir.accounts.models import User
from perchoir.core.errors import ApplicationError, InvalidInput, NotFound
from perchoir.core.forms import form_add_service_errors
from perchoir.core.models import SiteMode
from perchoir.core.selectors import site_settings_get
from perchoir.core.services import site_settings_update
from perchoir.core.types import AuthenticatedRequest

from . import selectors, services
from .forms import (
    InviteLinkCreateForm,
    InviteRequestForm,
    PendingInvitationCreateForm,
    SiteRulesForm,
)
from .models import (
    InviteLinkStatus,
    PendingInvitation,
    PendingInvitationAddressKind,
    PendingInvitationStatus,
    PendingInvitationTargetKind,
)
from .permissions import (
    can_change_site_rules,
    can_create_invite_link,
    can_review_invite_requests,
    can_view_invite_tree,
    invite_quota_applies,
)


def client_key(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


def founder(request: HttpRequest, token: str) -> HttpResponse:
    if not services.founder_token_is_valid(token):
        return render(request, "invitations/founder_used.html", status=410)
    request.session[services.FOUNDER_SESSION_KEY] = token
    return redirect("account_signup")


def join(request: HttpRequest, code: str) -> HttpResponse:
    if request.user.is_authenticated:
        return render(request, "invitations/join_signed_in.html")
    try:
        link = selectors.invite_link_get_by_code(code=code)
    except NotFound as error:
        return render(
            request, "invitations/join_unusable.html", {"message": error.message}, status=404
        )
    site = site_settings_get()
    if site.mode == SiteMode.CLOSED:
        message = _("This site is not accepting new accounts at the moment.")
        return render(request, "invitations/join_unusable.html", {"message": message}, status=410)
    status = link.status()
    if status != InviteLinkStatus.ACTIVE:
        message = services.invite_link_unusable_message(status)
        return render(
            request,
            "invitations/join_unusable.html",
            {"message": message, "link": link},
            status=410,
        )
    request.session[services.INVITE_SESSION_KEY] = link.code
    return render(request, "invitations/join.html", {"link": link, "inviter": link.created_by})


def _links_page(
    request: AuthenticatedRequest,
    *,
    form: InviteLinkCreateForm | None = None,
    pending_form: PendingInvitationCreateForm | None = None,
    status: int = 200,
) -> HttpResponse:
    site = site_settings_get()
    user = request.user
    now = timezone.now()
    own_links = list(selectors.invite_link_list_for_user(user=user))
    rows = [
        {
            "link": link,
            "status": link.status(now),
            "url": services.invite_link_url(link),
            "joined": list(link.joined_users.all()),
        }
        for link in own_links
    ]
    invitations = list(selectors.pending_invitation_list_for_user(user=user))
    pending_rows = [
        {"invitation": invitation, "status": invitation.status(now)} for invitation in invitations
    ]
    quota = None
    if invite_quota_applies(user):
        held = sum(link.max_uses if link.is_usable(now) else link.uses_count for link in own_links)
        held += sum(
            1
            for row in pending_rows
            if row["status"] in (PendingInvitationStatus.WAITING, PendingInvitationStatus.CLAIMED)
        )
        quota = {"total": site.invite_quota, "left": max(0, site.invite_quota - held)}
    context = {
        "settings_section": "invitations",
        "form": form or InviteLinkCreateForm(site=site),
        "pending_form": pending_form or PendingInvitationCreateForm(),
        "may_create": can_create_invite_link(user, site),
        "rows": rows,
        "pending_rows": pending_rows,
        "quota": quota,
        "may_view_tree": can_view_invite_tree(user),
        "may_review": can_review_invite_requests(user),
        "may_change_rules": can_change_site_rules(user),
        "statuses": InviteLinkStatus,
        "pending_statuses": PendingInvitationStatus,
    }
    return render(request, "invitations/links.html", context, status=status)


@login_required
def links(request: AuthenticatedRequest) -> HttpResponse:
    if request.method != "POST":
        return _links_page(request)
    site = site_settings_get()
    form = InviteLinkCreateForm(request.POST, site=site)
    if not can_create_invite_link(request.user, site):
        form.add_error(
            None, _("On this site, only moderators and administrators create invite links.")
        )
    elif form.is_valid():
        try:
            services.invite_link_create(
                user=request.user,
                note=form.cleaned_data["note"],
                days=form.cleaned_data["days"],
                max_uses=form.cleaned_data["max_uses"],
            )
        except InvalidInput as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("Your invite link is ready: copy it and send it."))
            return redirect("invitations:links")
    return _links_page(request, form=form, status=400)


@login_required
@require_POST
def pending_create(request: AuthenticatedRequest) -> HttpResponse:
    form = PendingInvitationCreateForm(request.POST)
    if not can_create_invite_link(request.user, site_settings_get()):
        form.add_error(None, _("On this site, only moderators and administrators invite people."))
    elif form.is_valid():
        try:
            before = timezone.now()
            invitation = services.pending_invitation_create(
                inviter=request.user,
                address=form.cleaned_data["address"],
                message=form.cleaned_data["message"],
            )
        except InvalidInput as error:
            form_add_service_errors(form, error)
        else:
            if invitation.created_at < before:
                messages.info(
                    request,
                    _("An invitation to %(address)s is already waiting; nothing was sent again.")
                    % {"address": invitation.address},
                )
            elif invitation.address_kind == PendingInvitationAddressKind.EMAIL:
                messages.success(
                    request,
                    _("Your invitation is on its way to %(address)s.")
                    % {"address": invitation.address},
                )
            else:
                messages.success(
                    request,
                    _(
                        "Your invitation to %(address)s is waiting: it will be accepted when "
                        "that person first signs in with that account. Let them know!"
                    )
                    % {"address": invitation.address},
                )
            return redirect("invitations:links")
    return _links_page(request, pending_form=form, status=400)


@login_required
@require_POST
def pending_revoke(request: AuthenticatedRequest, invitation_id: int) -> HttpResponse:
    services.pending_invitation_revoke(user=request.user, invitation_id=invitation_id)
    messages.success(request, _("The invitation is withdrawn."))
    return redirect("invitations:links")


def pending_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link of an emailed invitation: it opens sign-up, even on an invite-only site. A member
    who follows it accepts an invitation to a conversation or a collection as themselves."""
    invitation = selectors.pending_invitation_get_by_token(token=token)
    if invitation is None:
        message = _("This invitation does not exist. Check that you copied the whole address.")
        return render(
            request, "invitations/pending_unusable.html", {"message": message}, status=404
        )
    if request.user.is_authenticated and invitation.target_kind == PendingInvitationTargetKind.SITE:
        return render(request, "invitations/join_signed_in.html")
    if not request.user.is_authenticated and site_settings_get().mode == SiteMode.CLOSED:
        message = _("This site is not accepting new accounts at the moment.")
        return render(
            request, "invitations/pending_unusable.html", {"message": message}, status=410
        )
    status = invitation.status()
    if status != PendingInvitationStatus.WAITING:
        message = services.pending_invitation_unusable_message(status)
        return render(
            request, "invitations/pending_unusable.html", {"message": message}, status=410
        )
    if request.user.is_authenticated:
        return _pending_accept_as_member(cast(AuthenticatedRequest, request), invitation, token)
    request.session[services.PENDING_INVITE_SESSION_KEY] = token
    return render(
        request,
        "invitations/pending_accept.html",
        {"invitation": invitation, "inviter": invitation.inviter},
    )


def _pending_accept_as_member(
    request: AuthenticatedRequest, invitation: PendingInvitation, token: str
) -> HttpResponse:
    if request.method == "POST":
        try:
            accepted = services.pending_invitation_accept_as_member(user=request.user, token=token)
        except ApplicationError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("The invitation is accepted."))
            return redirect(services.pending_invitation_landing_url([accepted]) or "core:home")
    return render(
        request,
        "invitations/pending_accept_member.html",
        {"invitation": invitation, "inviter": invitation.inviter},
    )


@login_required
@require_POST
def link_revoke(request: AuthenticatedRequest, link_id: int) -> HttpResponse:
    services.invite_link_revoke(user=request.user, link_id=link_id)
    messages.success(request, _("The invite link is revoked; nobody can join with it any more."))
    return redirect("invitations:links")


def tree(request: HttpRequest) -> HttpResponse:
    entries = selectors.invite_tree(viewer=request.user)
    return render(request, "invitations/tree.html", {"entries": entries})


def request_invitation(request: HttpRequest) -> HttpResponse:
    site = site_settings_get()
    if request.user.is_authenticated or site.mode != SiteMode.INVITE_ONLY:
        return render(request, "invitations/request_unavailable.html")
    form = InviteRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invite_request_create(
                viewer=request.user,
                email=form.cleaned_data["email"],
                message=form.cleaned_data["message"],
                language=getattr(request, "LANGUAGE_CODE", "") or "en",
                client_key=client_key(request),
            )
        except InvalidInput as error:
            form_add_service_errors(form, error)
        else:
            return redirect("invitations:request-sent")
    status = 400 if request.method == "POST" else 200
    return render(request, "invitations/request.html", {"form": form}, status=status)


def request_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "invitations/request_sent.html")


def requests(request: HttpRequest) -> HttpResponse:
    invite_requests = list(selectors.invite_request_list(viewer=request.user))
    return render(request, "invitations/requests.html", {"invite_requests": invite_requests})


@login_required
@require_POST
def request_approve(request: AuthenticatedRequest, request_id: int) -> HttpResponse:
    invite_request = services.invite_request_approve(actor=request.user, request_id=request_id)
    messages.success(
        request,
        _("Approved: an invite link is on its way to %(email)s.") % {"email": invite_request.email},
    )
    return redirect("invitations:requests")


@login_required
@require_POST
def request_decline(request: AuthenticatedRequest, request_id: int) -> HttpResponse:
    invite_request = services.invite_request_decline(actor=request.user, request_id=request_id)
    messages.success(
        request,
        _("Declined: %(email)s will be told by email.") % {"email": invite_request.email},
    )
    return redirect("invitations:requests")


def rules(request: HttpRequest) -> HttpResponse:
    if not can_change_site_rules(request.user):
        raise NotFound()
    actor = cast(User, request.user)
    site = site_settings_get()
    initial = {
        "mode": site.mode,
        "members_may_invite": site.members_may_invite,
        "invite_quota": site.invite_quota,
        "invite_max_days": site.invite_max_days,
        "invite_max_uses": site.invite_max_uses,
    }
    form = SiteRulesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            site_settings_update(actor=actor, **form.cleaned_data)
        except InvalidInput as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("The sign-up rules are saved."))
            return redirect("invitations:rules")
    status = 400 if request.method == "POST" else 200
    return render(request, "invitations/rules.html", {"form": form}, status=status)
