import pytest
from django.test import Client

from perchoir.api.services import access_token_create


@pytest.fixture
def make_token():
    """A live token and its secret for `user`."""

    def make(user, **kwargs):
        kwargs.setdefault("name", "Script")
        return access_token_create(user=user, **kwargs)

    return make


@pytest.fixture
def bearer(member, make_token):
    """A client that authenticates with the member's personal access token, no session."""
    _, secret = make_token(member)
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
