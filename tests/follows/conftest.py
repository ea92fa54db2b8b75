import pytest
from django.test import Client

from perchoir.api.services import access_token_create


@pytest.fixture
def bearer(member):
    """A client that authenticates with the member's personal access token, no session."""
    _, secret = access_token_create(user=member, name="Script")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
