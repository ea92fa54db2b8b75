"""Discovery pages: search, explore and home. Each parses its input, calls one selector, renders."""

from datetime import UTC, datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from perchoir.core.errors import InvalidInput
from perchoir.core.forms import form_add_service_errors
from perchoir.core.types import AuthenticatedRequest

from . import explore as explore_selectors
from . import selectors, services
from .forms import DigestForm, SearchForm
from .home import home_feed


def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    results = None
    if form.is_bound and form.is_valid():
        try:
            results = selectors.search(
                viewer=request.user, query=form.query(), page=request.GET.get("page")
            )
        except InvalidInput as error:
            form_add_service_errors(form, error)
    params = request.GET.copy()
    params.pop("page", None)
    everywhere = params.copy()
    everywhere.pop("collection", None)
    return render(
        request,
        "discovery/search.html",
        {
            "form": form,
            "results": results,
            "params": params.urlencode(),
            "everywhere": everywhere.urlencode(),
        },
    )


EXPLORE_PAGE_SIZE = 20


def explore(request: HttpRequest) -> HttpResponse:
    page = Paginator(
        explore_selectors.conversations_lively(viewer=request.user), EXPLORE_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "discovery/explore.html",
        {
            "page": page,
            "people": explore_selectors.people_to_follow(viewer=request.user),
            "collections": explore_selectors.collections_notable(viewer=request.user),
            "items": explore_selectors.items_new(viewer=request.user),
        },
    )


def _before_param(request: HttpRequest) -> datetime | None:
    value = request.GET.get("before", "")
    try:
        parsed = datetime.fromisoformat(value) if value and len(value) < 40 else None
    except ValueError:
        return None
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, UTC)
    return parsed


@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    """A member's home, served at the site's address (`core:home`)."""
    feed = home_feed(viewer=request.user, before=_before_param(request))
    if feed.newest_unseen and request.GET.get("before") is None:
        services.home_mark_seen(user=request.user, seen_at=feed.newest_unseen)
    return render(request, "discovery/home.html", {"feed": feed})


def home_moved(request: HttpRequest) -> HttpResponse:
    """Home's first address: old links and bookmarks land on `/`, with their page."""
    target = reverse("core:home")
    query = request.GET.urlencode()
    return redirect(f"{target}?{query}" if query else target, permanent=True)


@login_required
def digest_settings(request: AuthenticatedRequest) -> HttpResponse:
    current = selectors.digest_frequency_of(user=request.user)
    form = DigestForm(request.POST or None, initial={"frequency": current})
    if request.method == "POST" and form.is_valid():
        try:
            services.digest_preference_set(
                user=request.user, frequency=form.cleaned_data["frequency"]
            )
        except InvalidInput as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("Your digest choice is saved."))
            return redirect("discovery:digest-settings")
    return render(
        request,
        "discovery/digest_settings.html",
        {"form": form, "settings_section": "notifications"},
    )


@csrf_exempt  # the signed token is the credential; mail clients post here in one click
def digest_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        try:
            services.digest_unsubscribe(token=token)
        except InvalidInput as error:
            return render(
                request, "discovery/digest_unsubscribe.html", {"error": error.message}, status=400
            )
        return render(request, "discovery/digest_unsubscribe.html", {"done": True})
    return render(request, "discovery/digest_unsubscribe.html", {"token": token})
