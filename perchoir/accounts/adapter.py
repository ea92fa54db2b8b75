from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from perchoir.core.selectors import site_settings_get
from perchoir.invitations.models import PendingInvitation
from perchoir.invitations.services import (
    FOUNDER_SESSION_KEY,
    INVITE_SESSION_KEY,
    PENDING_INVITE_SESSION_KEY,
    pending_invitation_landing_url,
    pending_invitations_claim,
    signup_is_open,
    signup_user_save,
)

from .validators import validate_handle

# Where someone who arrived by an invitation to a conversation (or another place) lands.
LANDING_SESSION_KEY = "perchoir_landing_url"


def landing_remember(request: HttpRequest, invitations: list[PendingInvitation]) -> None:
    url = pending_invitation_landing_url(invitations)
    if url is not None:
        request.session[LANDING_SESSION_KEY] = url


def landing_take(request: HttpRequest) -> str | None:
    session = getattr(request, "session", None)
    return session.pop(LANDING_SESSION_KEY, None) if session is not None else None


class AccountAdapter(DefaultAccountAdapter):
    def clean_username(self, username: str, shallow: bool = False) -> str:
        validate_handle(username)
        return super().clean_username(username, shallow=shallow)

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """Open sites: anyone. Invite-only: a usable invite link followed in this session.
        Closed: nobody. The founder link opens sign-up whatever the mode, once."""
        session = getattr(request, "session", None)
        if session is None:
            return False
        return signup_is_open(
            founder_token=session.get(FOUNDER_SESSION_KEY),
            invite_code=session.get(INVITE_SESSION_KEY),
            pending_token=session.get(PENDING_INVITE_SESSION_KEY),
        )

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        user = super().save_user(request, user, form, commit=False)
        if not commit:
            return user
        # Checks the mode and the invite link again, locked, in the user's own transaction.
        saved = signup_user_save(
            user=user,
            founder_token=request.session.get(FOUNDER_SESSION_KEY),
            invite_code=request.session.get(INVITE_SESSION_KEY),
            pending_token=request.session.get(PENDING_INVITE_SESSION_KEY),
        )
        request.session.pop(FOUNDER_SESSION_KEY, None)
        request.session.pop(INVITE_SESSION_KEY, None)
        request.session.pop(PENDING_INVITE_SESSION_KEY, None)
        landing_remember(request, list(saved.claimed_invitations.all()))
        return saved

    def pre_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> HttpResponse | None:
        """A suspended or banned person cannot sign in, and is told why and until when."""
        from perchoir.moderation.signin import sign_in_refused

        refused = sign_in_refused(request, user)
        if refused is not None:
            from allauth.account.internal.stagekit import clear_login

            clear_login(request)
            return refused
        # An account waiting to be deleted is inactive; signing in again cancels the deletion
        # (perchoir.privacy), once every step of the sign-in is done (post_login).
        from perchoir.privacy.services import account_deletion_pending_for

        if not user.is_active and account_deletion_pending_for(user=user) is not None:
            return None
        return super().pre_login(request, user, **kwargs)

    def post_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> Any:
        from perchoir.privacy.services import account_deletion_cancel_at_sign_in

        if account_deletion_cancel_at_sign_in(user=user) is not None:
            messages.success(request, _("Welcome back! Your account will not be deleted."))
        return super().post_login(request, user, **kwargs)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        return landing_take(request) or super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        return landing_take(request) or super().get_signup_redirect_url(request)

    def get_email_verification_redirect_url(self, email_address: EmailAddress) -> str:
        return landing_take(self.request) or super().get_email_verification_redirect_url(
            email_address
        )

    def confirm_email(self, request: HttpRequest, email_address: EmailAddress) -> bool:
        """Verifying an address claims the invitations waiting for it; a newcomer who came by
        invitation is welcomed on the page they land on (the home page)."""
        confirmed = super().confirm_email(request, email_address)
        if not confirmed:
            return confirmed
        user = email_address.user
        claimed = pending_invitations_claim(user=user, email=email_address.email)
        landing_remember(request, claimed)
        inviter = claimed[0].inviter if claimed else None
        if inviter is None and user.last_login is None:
            # Signed up through an emailed invitation's link: claimed at sign-up.
            earlier = user.claimed_invitations.select_related("inviter").first()
            inviter = earlier.inviter if earlier is not None else None
        if inviter is not None:
            messages.success(
                request,
                _("Welcome to %(site)s! You are here at the invitation of %(name)s.")
                % {"site": site_settings_get().name, "name": inviter.name},
            )
        return confirmed
