from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from perchoir.accounts.models import User
from perchoir.accounts.selectors import profile_get_by_handle
from perchoir.core.errors import Forbidden, InvalidInput
from perchoir.core.forms import form_add_service_errors
from perchoir.core.types import AuthenticatedRequest

from . import selectors, services
from .forms import FollowImportForm
from .models import Follow, FollowImportStatus

PAGE_SIZE = 50


def _back(request: HttpRequest, person_handle: str) -> HttpResponseRedirect:
    """Back where the button was (a list or the profile), never to another site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return redirect("accounts:profile", handle=person_handle)


@login_required
@require_POST
def follow(request: AuthenticatedRequest, handle: str) -> HttpResponse:
    try:
        followed = services.follow_create(follower=request.user, handle=handle).followed
    except (InvalidInput, Forbidden) as error:
        messages.error(request, str(error.message))
        return _back(request, handle)
    messages.success(request, _("You follow %(name)s.") % {"name": followed.name})
    return _back(request, followed.handle)


@login_required
@require_POST
def unfollow(request: AuthenticatedRequest, handle: str) -> HttpResponse:
    services.follow_delete(follower=request.user, handle=handle)
    messages.success(request, _("You no longer follow @%(handle)s.") % {"handle": handle})
    return _back(request, handle)


@login_required
def block(request: AuthenticatedRequest, handle: str) -> HttpResponse:
    """A page that says what blocking does (GET), then blocks (POST)."""
    person = profile_get_by_handle(handle)
    if request.method == "POST":
        try:
            services.block_create(blocker=request.user, handle=person.handle)
        except InvalidInput as error:
            messages.error(request, str(error.message))
        else:
            messages.success(
                request,
                _("You blocked @%(handle)s. You can unblock them in your settings.")
                % {"handle": person.handle},
            )
        return _back(request, person.handle)
    return render(request, "follows/block.html", {"person": person})


@login_required
@require_POST
def unblock(request: AuthenticatedRequest, handle: str) -> HttpResponse:
    services.block_delete(blocker=request.user, handle=handle)
    messages.success(request, _("You no longer block @%(handle)s.") % {"handle": handle})
    messages.info(
        request, _("The follows, invitations and requests that the block ended do not come back.")
    )
    return _back(request, handle)


@login_required
def blocked(request: AuthenticatedRequest) -> HttpResponse:
    page = Paginator(selectors.blocks_of(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "follows/blocked.html", {"page": page, "settings_section": "blocked"})


def _people_page(
    request: HttpRequest, handle: str, *, direction: str
) -> tuple[User, Page[Follow], list[dict[str, object]]] | HttpResponse:
    person = profile_get_by_handle(handle)
    if person.handle != handle:
        return redirect(f"follows:{direction}", handle=person.handle)
    if direction == "followers":
        rows = selectors.followers_list(person=person)
    else:
        rows = selectors.following_list(person=person)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    people = [row.follower if direction == "followers" else row.followed for row in page]
    followed_ids = selectors.following_ids_among(
        viewer=request.user, people_ids=[p.id for p in people]
    )
    entries = [
        {
            "person": someone,
            "viewer_follows": someone.id in followed_ids,
            "is_viewer": someone.id == request.user.pk,
        }
        for someone in people
    ]
    return person, page, entries


def _people_list(request: HttpRequest, handle: str, direction: str) -> HttpResponse:
    result = _people_page(request, handle, direction=direction)
    if isinstance(result, HttpResponse):
        return result
    person, page, entries = result
    return render(
        request,
        "follows/people.html",
        {"person": person, "page": page, "entries": entries, "direction": direction},
    )


def followers(request: HttpRequest, handle: str) -> HttpResponse:
    return _people_list(request, handle, "followers")


def following(request: HttpRequest, handle: str) -> HttpResponse:
    return _people_list(request, handle, "following")


# --- Find friends ---------------------------------------------------------------------------


@login_required
def import_start(request: AuthenticatedRequest) -> HttpResponse:
    form = FollowImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            follow_import = services.follow_import_create(
                user=request.user, text=form.cleaned_data["list"]
            )
        except InvalidInput as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("Your list is being matched; this page shows progress."))
            return redirect("follows:import-detail", import_id=follow_import.id)
    imports = selectors.follow_import_list_for_user(user=request.user)[:10]
    return render(
        request,
        "follows/import.html",
        {"form": form, "imports": imports, "settings_section": "friends"},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def import_detail(request: AuthenticatedRequest, import_id: int) -> HttpResponse:
    follow_import = selectors.follow_import_get_for_user(user=request.user, import_id=import_id)
    here = Paginator(selectors.follow_import_matches(follow_import=follow_import), PAGE_SIZE)
    here_page = here.get_page(request.GET.get("here"))
    missing = Paginator(selectors.follow_import_missing(follow_import=follow_import), PAGE_SIZE)
    missing_page = missing.get_page(request.GET.get("missing"))
    followed_ids = selectors.following_ids_among(
        viewer=request.user, people_ids=[entry.person_id for entry in here_page]
    )
    return render(
        request,
        "follows/import_detail.html",
        {
            "follow_import": follow_import,
            "running": follow_import.status != FollowImportStatus.DONE,
            "here_page": here_page,
            "missing_page": missing_page,
            "followed_ids": followed_ids,
            "settings_section": "friends",
        },
    )


@login_required
@require_POST
def import_follow_all(request: AuthenticatedRequest, import_id: int) -> HttpResponse:
    count = services.follow_import_follow_all(user=request.user, import_id=import_id)
    if count:
        message = ngettext(
            "You now follow %(count)d more person.", "You now follow %(count)d more people.", count
        ) % {"count": count}
    else:
        message = _("You already follow everyone this list found.")
    messages.success(request, message)
    return redirect("follows:import-detail", import_id=import_id)


@login_required
@require_POST
def import_invite(request: AuthenticatedRequest, import_id: int, entry_id: int) -> HttpResponse:
    try:
        invitation = services.follow_import_invite(
            user=request.user, import_id=import_id, entry_id=entry_id
        )
    except (InvalidInput, Forbidden) as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request,
            _(
                "Your invitation to %(address)s is waiting: it will be accepted when that person "
                "first signs in with that account."
            )
            % {"address": invitation.address},
        )
    return _back_to_import(request, import_id)


def _back_to_import(request: HttpRequest, import_id: int) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return redirect("follows:import-detail", import_id=import_id)
