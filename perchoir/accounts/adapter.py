from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from .validators import validate_handle


class AccountAdapter(DefaultAccountAdapter):
    def clean_username(self, username: str, shallow: bool = False) -> str:
        validate_handle(username)
        return super().clean_username(username, shallow=shallow)

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return True
