"""Signing in with an account elsewhere (allauth's social accounts): who may join, and how.

- A newcomer always confirms a handle suggested from the provider's username (no automatic
  sign-up); the display name comes from the provider.
- The site's sign-up rules apply as to everyone (`signup_user_save`): on an invite-only site an
  invite link followed in this session, or an invitation waiting for this very identity.
- Accounts are never found, linked or merged through an email address (settings:
  SOCIALACCOUNT_EMAIL_AUTHENTICATION=False); an address already used by a member cannot be given
  to a new account (allauth's unique email check in the sign-up form).
"""

import re
from typing import Any

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.models import EmailAddress
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialAccount, SocialLogin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse

from perchoir.core.models import SiteMode
from perchoir.core.selectors import site_settings_get
from perchoir.invitations.selectors import pending_invitation_for_identity
from perchoir.invitations.services import (
    FOUNDER_SESSION_KEY,
    INVITE_SESSION_KEY,
    PENDING_INVITE_SESSION_KEY,
    pending_invitations_claim,
    signup_is_open,
    signup_user_save,
)

from .adapter import landing_remember, landing_take
from .models import DISPLAY_NAME_MAX_LENGTH, User
from .tasks import profile_avatar_import_task
from .validators import HANDLE_MAX_LENGTH, HANDLE_MIN_LENGTH, validate_handle

_NOT_HANDLE_CHARACTERS = re.compile(r"[^A-Za-z0-9_]+")


def identity_username(account: SocialAccount) -> str:
    """The person's username at the provider (`octocat` of github:octocat), or ""."""
    provider = account.get_provider()
    fields = provider.extract_common_fields(account.extra_data) or {}
    return str(fields.get("username") or "").strip()


def handle_suggest(*candidates: str) -> str:
    """A valid handle nobody has, from the first usable candidate (the provider's username,
    the name, the email's local part), with a number added when it is taken."""
    base = ""
    for candidate in candidates:
        base = _NOT_HANDLE_CHARACTERS.sub("_", candidate or "").strip("_")
        if len(base) >= HANDLE_MIN_LENGTH:
            break
    if len(base) < HANDLE_MIN_LENGTH:
        base = "member"
    base = base[:HANDLE_MAX_LENGTH]
    for number in range(1, 1000):
        suffix = "" if number == 1 else str(number)
        handle = base[: HANDLE_MAX_LENGTH - len(suffix)] + suffix
        try:
            validate_handle(handle)
        except ValidationError:
            continue
        if not User.objects.filter(handle__iexact=handle).exists():
            return handle
    return ""  # The person chooses one in the form.


def _held_invitations(request: HttpRequest) -> dict[str, Any]:
    """What this visitor's session holds: the founder link, an invite link, an emailed one."""
    session = request.session
    return {
        "founder_token": session.get(FOUNDER_SESSION_KEY),
        "invite_code": session.get(INVITE_SESSION_KEY),
        "pending_token": session.get(PENDING_INVITE_SESSION_KEY),
    }


def _avatar_import_later(user: User, sociallogin: SocialLogin) -> None:
    """The provider's picture becomes the new account's avatar, fetched in the background."""
    url = sociallogin.account.get_avatar_url()
    if url:
        transaction.on_commit(lambda: profile_avatar_import_task.enqueue(user_id=user.pk, url=url))


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def get_connect_redirect_url(self, request: HttpRequest, socialaccount: Any) -> str:
        # Where an invitation claimed by linking this identity leads, if one did.
        return landing_take(request) or reverse("accounts:settings-identities")

    def populate_user(self, request: HttpRequest, sociallogin: SocialLogin, data: Any) -> Any:
        user = super().populate_user(request, sociallogin, data)
        email = data.get("email") or ""
        user.handle = handle_suggest(
            data.get("username") or "", data.get("name") or "", email.partition("@")[0]
        )
        name = data.get("name") or " ".join(
            part for part in (data.get("first_name"), data.get("last_name")) if part
        )
        user.display_name = name.strip()[:DISPLAY_NAME_MAX_LENGTH]
        return user

    def _waiting_invitation(self, sociallogin: SocialLogin) -> Any:
        """On an invite-only site, an invitation waiting for this identity (or None)."""
        if site_settings_get().mode != SiteMode.INVITE_ONLY:
            return None
        username = identity_username(sociallogin.account)
        if not username:
            return None
        return pending_invitation_for_identity(sociallogin.account.provider, username)

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        if signup_is_open(**_held_invitations(request)):
            return True
        return self._waiting_invitation(sociallogin) is not None

    @transaction.atomic
    def save_user(self, request: HttpRequest, sociallogin: SocialLogin, form: Any = None) -> Any:
        user = sociallogin.user
        user.set_unusable_password()
        account_adapter = get_account_adapter(request)
        if form is not None:
            account_adapter.save_user(request, user, form, commit=False)
        else:
            account_adapter.populate_username(request, user)
        held = _held_invitations(request)
        if not signup_is_open(**held) and self._waiting_invitation(sociallogin) is not None:
            # Invited by name: the invitation is claimed below, which records who invited them.
            user.save()
        else:
            # Checks the mode and the invitation again, locked, and counts an invite link's use.
            signup_user_save(user=user, **held)
        for key in (FOUNDER_SESSION_KEY, INVITE_SESSION_KEY, PENDING_INVITE_SESSION_KEY):
            request.session.pop(key, None)
        sociallogin.save(request)
        # Invitations waiting for this identity, or for an address the provider vouched for.
        verified = EmailAddress.objects.filter(user=user, verified=True).first()
        claimed = pending_invitations_claim(
            user=user,
            provider=sociallogin.account.provider,
            username=identity_username(sociallogin.account) or None,
            email=verified.email if verified is not None else None,
        )
        landing_remember(request, claimed)
        _avatar_import_later(user, sociallogin)
        return user


def identity_linked(*, request: HttpRequest, sociallogin: SocialLogin, **kwargs: Any) -> None:
    """allauth's `social_account_added` signal, sent once a member linked another identity:
    invitations that waited for that identity (to a conversation, say) are claimed by them."""
    claimed = pending_invitations_claim(
        user=sociallogin.user,
        provider=sociallogin.account.provider,
        username=identity_username(sociallogin.account) or None,
    )
    landing_remember(request, claimed)
