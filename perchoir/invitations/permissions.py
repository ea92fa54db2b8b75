"""Who may do what with invitations: pure predicates, no queries, tested as a matrix."""

from typing import Any

from perchoir.accounts.models import Role
from perchoir.core.models import SiteMode, SiteSettings

from .models import InviteLink


def _signed_in(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_admin(user: Any) -> bool:
    return _signed_in(user) and (user.role == Role.ADMIN or user.is_superuser)


def is_moderator(user: Any) -> bool:
    """Moderators and administrators."""
    return _signed_in(user) and (user.role == Role.MODERATOR or is_admin(user))


def invite_quota_applies(user: Any) -> bool:
    """Only members count their invitations; moderators and administrators have no quota."""
    return not is_moderator(user)


def can_create_invite_link(user: Any, site: SiteSettings) -> bool:
    if not _signed_in(user):
        return False
    return is_moderator(user) or site.members_may_invite


def can_revoke_invite_link(user: Any, link: InviteLink) -> bool:
    """Its creator, and moderators (who stop a link that spreads where it should not)."""
    if not _signed_in(user):
        return False
    return link.created_by_id == user.id or is_moderator(user)


def can_view_invite_tree(user: Any) -> bool:
    return is_moderator(user)


def can_review_invite_requests(user: Any) -> bool:
    return is_admin(user)


def can_change_site_rules(user: Any) -> bool:
    return is_admin(user)


def can_request_invitation(user: Any, site: SiteSettings) -> bool:
    """People without an account, on an invite-only site."""
    signed_in = user is not None and user.is_authenticated
    return not signed_in and site.mode == SiteMode.INVITE_ONLY
