from datetime import UTC, datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from perchoir.core.types import AuthenticatedRequest

from . import selectors, services
from .forms import NotificationPreferencesForm
from .kinds import notification_describe
from .models import Notification
from .paths import is_local_path

PAGE_SIZE = 30
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _cursor(notification: Notification) -> str:
    """Where the next page starts: the last one's time (in microseconds) and id."""
    micros = (notification.created_at - EPOCH) // timedelta(microseconds=1)
    return f"{micros}-{notification.id}"


def _parse_cursor(value: str | None) -> tuple[datetime, int] | None:
    """A cursor from `?before=`; a damaged one starts again from the newest."""
    try:
        micros, notification_id = (value or "").split("-")
        return EPOCH + timedelta(microseconds=int(micros)), int(notification_id)
    except (ValueError, OverflowError):
        return None


@login_required
def notification_list(request: AuthenticatedRequest) -> HttpResponse:
    before = _parse_cursor(request.GET.get("before"))
    page, has_more = selectors.notification_page_for_user(
        user=request.user, before=before, size=PAGE_SIZE
    )
    a_minute_ago = timezone.now() - timedelta(minutes=1)
    entries = [
        {
            "notification": notification,
            "sentence": notification_describe(notification),
            "just_now": notification.created_at > a_minute_ago,
        }
        for notification in page
    ]
    return render(
        request,
        "notifications/list.html",
        {
            "entries": entries,
            "older_cursor": _cursor(page[-1]) if has_more else None,
            "is_first_page": before is None,
        },
    )


@login_required
def notification_open(request: AuthenticatedRequest, notification_id: int) -> HttpResponse:
    """Mark it read and go where it points; only ever to a path of this site."""
    notification = services.notification_mark_read(
        user=request.user, notification_id=notification_id
    )
    if not is_local_path(notification.url):
        return redirect("notifications:list")
    return redirect(notification.url)


@login_required
@require_POST
def notifications_read_all(request: AuthenticatedRequest) -> HttpResponse:
    services.notifications_mark_all_read(user=request.user)
    messages.success(request, _("All your notifications are marked as read."))
    return redirect("notifications:list")


@login_required
def preferences(request: AuthenticatedRequest) -> HttpResponse:
    current = selectors.notification_preferences_get(user=request.user)
    # Not `request.POST or None`: with every box unchecked, a POST may carry no field at all.
    data = request.POST if request.method == "POST" else None
    form = NotificationPreferencesForm(data, preferences=current)
    if request.method == "POST" and form.is_valid():
        services.notification_preferences_update(user=request.user, preferences=form.choices())
        messages.success(request, _("Your notification settings are saved."))
        return redirect("notifications:preferences")
    has_email = bool(selectors.verified_primary_emails(user_ids=[request.user.pk]))
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "has_email": has_email, "settings_section": "notifications"},
    )
