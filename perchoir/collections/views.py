"""Collection pages: each view parses a form, calls one service or selector, and renders."""

import secrets
from dataclasses import dataclass
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from perchoir.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from perchoir.core.forms import form_add_service_errors
from perchoir.core.types import AuthenticatedRequest
from perchoir.moderation.hiding import HiddenByModerators

from . import permissions, selectors, services
from .forms import (
    CollectionForm,
    ContactForm,
    ContributionRequestForm,
    InviteForm,
    ItemForm,
    RemoveForm,
    programme_text,
    time_zone_names,
)
from .models import Collection, ConnectionStatus, ItemKind
from .permissions import Standing
from .selectors import Sort

LIST_PAGE_SIZE = 30


def _context(request: HttpRequest, collection: Collection, standing: Standing) -> dict[str, Any]:
    return {
        "collection": collection,
        "standing": standing,
        **permissions.capabilities(request.user, collection, standing),
    }


def _int(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 19 else None


# --- Lists, creating, settings -----------------------------------------------------------------


def collection_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.collections_listed(viewer=request.user), LIST_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    mine = list(selectors.collections_of_member(viewer=request.user)[:24])
    invitations = (
        selectors.invitations_pending_for(user=request.user)
        if request.user.is_authenticated
        else []
    )
    return render(
        request,
        "collections/list.html",
        {"page": page, "mine": mine, "invitations": invitations},
    )


@login_required
def collection_create(request: AuthenticatedRequest) -> HttpResponse:
    form = CollectionForm(
        request.POST or None,
        request.FILES or None,
        initial={"client_token": secrets.token_urlsafe(16)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            collection = services.collection_create(
                owner=request.user,
                title=data["title"],
                description=data["description"],
                visibility=data["visibility"],
                policy=data["policy"],
                cover_file=data["cover"] or None,
                client_token=data["client_token"],
            )
        except InvalidInput as error:
            form_add_service_errors(form, error)
        else:
            return redirect(collection)
    return render(
        request,
        "collections/form.html",
        {"form": form, "editing": None},
        status=400 if form.errors else 200,
    )


@login_required
def collection_edit(request: AuthenticatedRequest, collection_id: int) -> HttpResponse:
    collection, standing = selectors.collection_get_for_manager(
        viewer=request.user, collection_id=collection_id
    )
    initial = {
        "title": collection.title,
        "description": collection.description,
        "visibility": collection.visibility,
        "policy": collection.policy,
    }
    form = CollectionForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.collection_update(
                actor=request.user,
                collection_id=collection_id,
                title=data["title"],
                description=data["description"],
                visibility=data["visibility"],
                policy=data["policy"],
                cover_file=data["cover"] or None,
                remove_cover=data["cover"] is False,
            )
        except InvalidInput as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("The collection was saved."))
            return redirect(collection)
    context = _context(request, collection, standing)
    context.update(form=form, editing=collection)
    return render(request, "collections/form.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def collection_delete(request: AuthenticatedRequest, collection_id: int) -> HttpResponse:
    services.collection_delete(actor=request.user, collection_id=collection_id)
    messages.success(request, _("The collection was deleted."))
    return redirect("collections:list")


# --- Reading ------------------------------------------------------------------------------------


# The rendered grid is kept this long at most; any change to what it shows (an item added,
# moved, edited, recommended) makes a new one at once. Others (a link's card, thumbnails made in
# the background, an author's new name) show within this time.
ITEMS_CACHE_SECONDS = 30


@dataclass(frozen=True)
class ItemsFragment:
    html: SafeString
    count: int
    next_cursor: str | None
    sort: str


def _items_fragment(
    request: HttpRequest, collection: Collection, layout: str, reorder: bool
) -> ItemsFragment:
    """A page of items rendered once for every visitor alike (or for one member), kept in this
    process's memory (the "fragments" cache) until the collection's items change. The owner's
    reordering view carries forms (and their CSRF token): it is never kept."""
    sort = request.GET.get("sort", Sort.MANUAL)
    cursor = request.GET.get("cursor", "")[:80]
    reader = f"u{request.user.pk}" if request.user.is_authenticated else "anyone"
    key = (
        f"collection-items:{collection.pk}:{collection.items_version}:{get_language()}:"
        f"{sort}:{layout}:{cursor}:{reader}"
    )
    cached = None if reorder else caches["fragments"].get(key)
    if cached is not None:
        return cast(ItemsFragment, cached)
    page = selectors.collection_items_page(
        collection=collection, viewer=request.user, sort=sort, cursor=cursor
    )
    reorder = reorder and page.sort == Sort.MANUAL
    html = render_to_string(
        "collections/_items.html",
        {
            "collection": collection,
            "connections": page.connections,
            "layout": layout,
            "reorder": reorder,
            "recommended": selectors.recommended_item_ids(
                viewer=request.user, items=[c.item for c in page.connections]
            ),
        },
        request=request if reorder else None,
    )
    fragment = ItemsFragment(
        mark_safe(html),  # noqa: S308 — our template
        len(page.connections),
        page.next_cursor,
        page.sort,
    )
    if not reorder:
        caches["fragments"].set(key, fragment, ITEMS_CACHE_SECONDS)
    return fragment


def collection_detail(request: HttpRequest, collection_id: int) -> HttpResponse:
    try:
        collection, standing = selectors.collection_get_for_viewer(
            viewer=request.user, collection_id=collection_id
        )
    except HiddenByModerators as hidden:
        # Hidden by the moderators: a notice saying so and why takes its place.
        return render(request, "moderation/hidden.html", {"error": hidden})
    context = _context(request, collection, standing)
    layout = "list" if request.GET.get("view") == "list" else "grid"
    reorder = context["can_manage"] and request.GET.get("sort", Sort.MANUAL) == Sort.MANUAL
    items = _items_fragment(request, collection, layout, reorder)
    context.update(
        items=items,
        layout=layout,
        sorts=[
            (Sort.MANUAL, _("In order")),
            (Sort.NEWEST, _("Newest")),
            (Sort.RECOMMENDED, _("Most recommended")),
        ],
        reorder=reorder,
    )
    if context["can_manage"]:
        context["pending_count"] = selectors.pending_connections_count(collection=collection)
    elif context["can_request_to_contribute"]:
        context["my_request"] = selectors.contribution_request_of(
            collection=collection,
            user=request.user,  # type: ignore[arg-type]
        )
    return render(request, "collections/detail.html", context)


def item_detail(request: HttpRequest, collection_id: int, item_id: int) -> HttpResponse:
    try:
        collection, standing, connection = selectors.connection_get_for_viewer(
            viewer=request.user, collection_id=collection_id, item_id=item_id
        )
    except HiddenByModerators as hidden:
        return render(request, "moderation/hidden.html", {"error": hidden})
    item = connection.item
    context = _context(request, collection, standing)
    context.update(
        connection=connection,
        item=item,
        holding=selectors.collections_holding(item=item, viewer=request.user),
        recommended=bool(selectors.recommended_item_ids(viewer=request.user, items=[item])),
        can_edit=permissions.can_edit_item(request.user, item),
        can_remove=permissions.can_remove(request.user, collection, standing, connection),
        # Someone else's item: the reason is asked, logged and sent to them.
        remove_needs_reason=connection.added_by_id != request.user.pk,
        pending=connection.status != ConnectionStatus.APPROVED,
    )
    if request.user.is_authenticated and not item.is_draft:
        context["connect_targets"] = selectors.collections_to_connect(
            viewer=request.user, item=item
        )
    return render(request, "collections/item.html", context)


# --- Items --------------------------------------------------------------------------------------


@login_required
def item_add(request: AuthenticatedRequest, collection_id: int) -> HttpResponse:
    collection, standing = selectors.collection_get_for_viewer(
        viewer=request.user, collection_id=collection_id
    )
    context = _context(request, collection, standing)
    if not context["can_contribute"]:
        services.contribution_status_for(request.user, collection, standing)  # raises the reason
    kind = request.GET.get("kind") or request.POST.get("kind") or ""
    if kind not in ItemKind.values:
        context["kinds"] = ItemKind.choices
        return render(request, "collections/add_choose.html", context)
    form = ItemForm(
        request.POST or None,
        request.FILES or None,
        kind=kind,
        initial={"client_token": secrets.token_urlsafe(16), "publish": True},
    )
    if request.method == "POST" and form.is_valid():
        try:
            connection = services.item_add(
                actor=request.user,
                collection_id=collection_id,
                kind=kind,
                fields=form.item_fields(),
                image_file=form.cleaned_data.get("image") or None,
                publish=form.cleaned_data.get("publish", True)
                if kind == ItemKind.ARTICLE
                else True,
                client_token=form.cleaned_data.get("client_token", ""),
            )
        except InvalidInput as error:
            form_add_service_errors(form, error)
        else:
            if connection.status == ConnectionStatus.PENDING:
                messages.success(
                    request, _("Submitted: it shows in the collection once the owner approves it.")
                )
            return redirect(connection.get_absolute_url())
    context.update(
        form=form, kind=kind, kind_label=ItemKind(kind).label, time_zones=time_zone_names()
    )
    return render(request, "collections/add.html", context, status=400 if form.errors else 200)


@login_required
def item_edit(request: AuthenticatedRequest, collection_id: int, item_id: int) -> HttpResponse:
    collection, standing, connection = selectors.connection_get_for_viewer(
        viewer=request.user, collection_id=collection_id, item_id=item_id
    )
    item = connection.item
    if not permissions.can_edit_item(request.user, item):
        raise Forbidden(_("Only its author changes an item."))
    zone = item.time_zone or "UTC"
    from zoneinfo import ZoneInfo

    def local(moment: Any) -> str:
        return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M") if moment else ""

    initial = {
        "title": item.title,
        "body": item.body,
        "alt_text": item.alt_text,
        "caption": item.caption,
        "link_url": item.link_url,
        "starts_at": local(item.starts_at),
        "ends_at": local(item.ends_at),
        "time_zone": item.time_zone,
        "place": item.place,
        "online_url": item.online_url,
        "audience": item.audience,
        "programme": programme_text(item.programme),
        "publish": not item.is_draft,
    }
    form = ItemForm(request.POST or None, request.FILES or None, kind=item.kind, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.item_update(
                actor=request.user,
                collection_id=collection_id,
                item_id=item_id,
                fields=form.item_fields(),
                image_file=form.cleaned_data.get("image") or None,
                publish=form.cleaned_data.get("publish") if item.kind == ItemKind.ARTICLE else None,
            )
        except InvalidInput as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(connection.get_absolute_url())
    context = _context(request, collection, standing)
    context.update(
        form=form,
        kind=item.kind,
        kind_label=ItemKind(item.kind).label,
        item=item,
        connection=connection,
        time_zones=time_zone_names(),
    )
    return render(request, "collections/add.html", context, status=400 if form.errors else 200)


def _remove_again(
    request: AuthenticatedRequest, collection: Collection, form: RemoveForm, **context: Any
) -> HttpResponse:
    """The removal's form again, with what was wrong (the reason), keeping what was typed."""
    return render(
        request,
        "collections/remove.html",
        {"collection": collection, "form": form, **context},
        status=400,
    )


@login_required
@require_POST
def item_remove(request: AuthenticatedRequest, collection_id: int, item_id: int) -> HttpResponse:
    form = RemoveForm(request.POST)
    if form.is_valid():
        try:
            services.connection_remove(
                actor=request.user,
                collection_id=collection_id,
                item_id=item_id,
                reason=form.cleaned_data["reason"],
            )
        except InvalidInput as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("The item was taken out of the collection."))
            return redirect("collections:detail", collection_id)
    collection, _standing, connection = selectors.connection_get_for_viewer(
        viewer=request.user, collection_id=collection_id, item_id=item_id, for_removal=True
    )
    return _remove_again(
        request,
        collection,
        form,
        connection=connection,
        item_shown=not connection.item.hidden_from(request.user),
    )


@login_required
@require_POST
def item_recommend(request: AuthenticatedRequest, collection_id: int, item_id: int) -> HttpResponse:
    services.item_recommend(
        user=request.user,
        collection_id=collection_id,
        item_id=item_id,
        recommend=request.POST.get("recommend") != "0",
    )
    return redirect("collections:item", collection_id, item_id)


@login_required
@require_POST
def item_connect(request: AuthenticatedRequest, collection_id: int, item_id: int) -> HttpResponse:
    target_id = _int(request.POST.get("target"))
    if target_id is None:
        raise InvalidInput(_("Choose a collection."))
    try:
        connection = services.item_connect(
            actor=request.user,
            collection_id=collection_id,
            item_id=item_id,
            target_collection_id=target_id,
        )
    except Conflict as error:
        messages.info(request, str(error.message))
        return redirect("collections:item", collection_id, item_id)
    if connection.status == ConnectionStatus.PENDING:
        messages.success(
            request,
            _("Submitted to “%(title)s” for approval.") % {"title": connection.collection.title},
        )
    else:
        messages.success(
            request, _("Added to “%(title)s”.") % {"title": connection.collection.title}
        )
    return redirect("collections:item", collection_id, item_id)


@login_required
@require_POST
def item_move(request: AuthenticatedRequest, collection_id: int, item_id: int) -> HttpResponse:
    """Move buttons (up, down, top, bottom) and the "to place n" field: no script needed."""
    number = _int(request.POST.get("number"))
    if number is not None:
        services.connection_move_to(
            actor=request.user, collection_id=collection_id, item_id=item_id, number=number
        )
    else:
        services.connection_move_step(
            actor=request.user,
            collection_id=collection_id,
            item_id=item_id,
            direction=request.POST.get("direction", ""),
        )
    url = reverse("collections:detail", args=[collection_id]) + "?view=list"
    return redirect(f"{url}#item-{item_id}")


@login_required
def event_contact(request: AuthenticatedRequest, collection_id: int, item_id: int) -> HttpResponse:
    collection, standing, connection = selectors.connection_get_for_viewer(
        viewer=request.user, collection_id=collection_id, item_id=item_id
    )
    if connection.item.kind != ItemKind.EVENT:
        raise NotFound()
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            conversation = services.event_organiser_contact(
                user=request.user,
                collection_id=collection_id,
                item_id=item_id,
                message=form.cleaned_data["message"],
            )
        except InvalidInput as error:
            form_add_service_errors(form, error)
        else:
            return redirect(conversation)
    context = _context(request, collection, standing)
    context.update(form=form, item=connection.item, connection=connection)
    return render(request, "collections/contact.html", context, status=400 if form.errors else 200)


# --- Approvals, contributors, following ---------------------------------------------------------


@login_required
def queue(request: AuthenticatedRequest, collection_id: int) -> HttpResponse:
    collection, standing = selectors.collection_get_for_manager(
        viewer=request.user, collection_id=collection_id
    )
    context = _context(request, collection, standing)
    context["pending"] = selectors.pending_connections(collection=collection)
    context["hidden"] = selectors.connections_hidden_from_owner(collection=collection)
    return render(request, "collections/queue.html", context)


@login_required
@require_POST
def queue_decide(
    request: AuthenticatedRequest, collection_id: int, connection_id: int
) -> HttpResponse:
    approve = request.POST.get("decision") == "approve"
    services.connection_decide(
        actor=request.user,
        collection_id=collection_id,
        connection_id=connection_id,
        approve=approve,
    )
    messages.success(
        request, _("Approved: it is now in the collection.") if approve else _("Declined.")
    )
    return redirect("collections:queue", collection_id)


@login_required
def contributors(request: AuthenticatedRequest, collection_id: int) -> HttpResponse:
    collection, standing = selectors.collection_get_for_viewer(
        viewer=request.user, collection_id=collection_id
    )
    context = _context(request, collection, standing)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = services.contributor_invite(
                actor=request.user,
                collection_id=collection_id,
                addresses=[form.cleaned_data["invitees"]],
            )
        except InvalidInput as error:
            form_add_service_errors(form, error)
        else:
            invited = len(outcome.invited) + len(outcome.waiting)
            messages.success(
                request,
                _("Invitations sent: %(count)d.") % {"count": invited}
                if invited
                else _("Everyone named is already a contributor."),
            )
            return redirect("collections:contributors", collection_id)
    context.update(
        form=form,
        contributors=selectors.contributors_of(collection=collection),
    )
    if context["can_manage"]:
        context.update(
            invitations=selectors.contributor_invitations_pending(collection=collection),
            requests=selectors.contribution_requests_pending(collection=collection),
            invite_url=(
                request.build_absolute_uri(
                    reverse("collections:join", args=[collection.pk, collection.invite_token])
                )
                if collection.invite_token
                else ""
            ),
        )
    return render(
        request, "collections/contributors.html", context, status=400 if form.errors else 200
    )


@login_required
@require_POST
def contributor_remove(request: AuthenticatedRequest, collection_id: int) -> HttpResponse:
    form = RemoveForm(request.POST)
    handle = request.POST.get("handle", "")[:64].strip().lstrip("@")
    if form.is_valid():
        try:
            services.contributor_remove(
                actor=request.user,
                collection_id=collection_id,
                handle=handle,
                reason=form.cleaned_data["reason"],
            )
        except InvalidInput as error:
            form_add_service_errors(form, error)
        else:
            return _contributor_removed(request, collection_id, handle)
    collection, _standing = selectors.collection_get_for_viewer(
        viewer=request.user, collection_id=collection_id
    )
    return _remove_again(request, collection, form, handle=handle)


def _contributor_removed(
    request: AuthenticatedRequest, collection_id: int, handle: str
) -> HttpResponse:
    if handle.lower() == request.user.handle.lower():
        messages.success(request, _("You no longer contribute to this collection."))
        return redirect("collections:detail", collection_id)
    messages.success(
        request,
        _("@%(handle)s no longer contributes, and was told why.") % {"handle": handle},
    )
    return redirect("collections:contributors", collection_id)


@login_required
@require_POST
def invite_link(request: AuthenticatedRequest, collection_id: int) -> HttpResponse:
    services.collection_invite_link_reset(
        actor=request.user, collection_id=collection_id, enable=request.POST.get("enable") != "0"
    )
    return redirect("collections:contributors", collection_id)


@login_required
def join(request: AuthenticatedRequest, collection_id: int, token: str) -> HttpResponse:
    if request.method == "POST":
        services.collection_join_by_link(
            user=request.user, collection_id=collection_id, token=token
        )
        messages.success(request, _("Welcome: you now contribute to this collection."))
        return redirect("collections:detail", collection_id)
    collection = (
        Collection.objects.filter(pk=collection_id, invite_token=token)
        .exclude(invite_token="")
        .first()
    )
    if collection is None:
        raise NotFound(_("This invite link does not work any more; ask for a new one."))
    return render(request, "collections/join.html", {"collection": collection, "token": token})


@login_required
@require_POST
def invitation_answer(request: AuthenticatedRequest, collection_id: int) -> HttpResponse:
    accept = request.POST.get("answer") == "accept"
    services.contributor_invitation_answer(
        user=request.user, collection_id=collection_id, accept=accept
    )
    if accept:
        messages.success(request, _("Welcome: you now contribute to this collection."))
        return redirect("collections:detail", collection_id)
    messages.success(request, _("Invitation declined."))
    return redirect("collections:list")


@login_required
@require_POST
def contribution_request(request: AuthenticatedRequest, collection_id: int) -> HttpResponse:
    form = ContributionRequestForm(request.POST)
    message = form.cleaned_data["message"] if form.is_valid() else ""
    services.contribution_request_create(
        requester=request.user, collection_id=collection_id, message=message
    )
    messages.success(request, _("Your request was sent to the owner."))
    return redirect("collections:detail", collection_id)


@login_required
@require_POST
def contribution_request_decide(
    request: AuthenticatedRequest, collection_id: int, request_id: int
) -> HttpResponse:
    services.contribution_request_decide(
        actor=request.user,
        collection_id=collection_id,
        request_id=request_id,
        approve=request.POST.get("decision") == "approve",
    )
    return redirect("collections:contributors", collection_id)


@login_required
@require_POST
def follow(request: AuthenticatedRequest, collection_id: int) -> HttpResponse:
    services.collection_follow(
        user=request.user, collection_id=collection_id, follow=request.POST.get("follow") != "0"
    )
    return redirect("collections:detail", collection_id)
