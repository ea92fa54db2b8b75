"""Writes to the site's own settings."""

from django.db import transaction
from django.utils.translation import gettext as _

from perchoir.accounts.models import User
from perchoir.invitations.permissions import can_change_site_rules

from .errors import InvalidInput, NotFound
from .models import SiteMode, SiteSettings
from .selectors import site_settings_get

INVITE_QUOTA_LIMIT = 10_000
INVITE_MAX_DAYS_LIMIT = 365
INVITE_MAX_USES_LIMIT = 1_000


def _check_range(field: str, value: int, low: int, high: int, errors: dict[str, list[str]]) -> None:
    if not low <= value <= high:
        errors.setdefault(field, []).append(
            _("Enter a number between %(low)d and %(high)d.") % {"low": low, "high": high}
        )


@transaction.atomic
def site_settings_update(
    *,
    actor: User,
    mode: str | None = None,
    members_may_invite: bool | None = None,
    invite_quota: int | None = None,
    invite_max_days: int | None = None,
    invite_max_uses: int | None = None,
) -> SiteSettings:
    """Change the sign-up mode and the invitation rules; None leaves a value as it is."""
    if not can_change_site_rules(actor):
        raise NotFound()
    errors: dict[str, list[str]] = {}
    if mode is not None and mode not in SiteMode.values:
        errors["mode"] = [_("Choose open, invite-only or closed.")]
    if invite_quota is not None:
        _check_range("invite_quota", invite_quota, 0, INVITE_QUOTA_LIMIT, errors)
    if invite_max_days is not None:
        _check_range("invite_max_days", invite_max_days, 1, INVITE_MAX_DAYS_LIMIT, errors)
    if invite_max_uses is not None:
        _check_range("invite_max_uses", invite_max_uses, 1, INVITE_MAX_USES_LIMIT, errors)
    if errors:
        raise InvalidInput(fields=errors)

    site_settings_get()  # the row exists before it is locked
    site = SiteSettings.objects.select_for_update().get(id=1)
    changes = {
        "mode": mode,
        "members_may_invite": members_may_invite,
        "invite_quota": invite_quota,
        "invite_max_days": invite_max_days,
        "invite_max_uses": invite_max_uses,
    }
    updated = [name for name, value in changes.items() if value is not None]
    for name in updated:
        setattr(site, name, changes[name])
    if updated:
        site.save(update_fields=[*updated, "updated_at"])
    return site
