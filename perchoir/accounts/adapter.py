from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from perchoir.invitations.services import (
    FOUNDER_SESSION_KEY,
    INVITE_SESSION_KEY,
    signup_is_open,
    signup_user_save,
)

from .validators import validate_handle


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
        )
        request.session.pop(FOUNDER_SESSION_KEY, None)
        request.session.pop(INVITE_SESSION_KEY, None)
        return saved
