import pytest
from django.test import Client

from perchoir.api.services import access_token_create
from perchoir.notifications.models import NotificationKind
from perchoir.notifications.services import notification_send
from tests.factories import UserFactory

URL = "/conversations/7/"


@pytest.fixture
def ada(db):
    """Someone who does things that others are told about."""
    return UserFactory(handle="ada", display_name="Ada Lovelace")


@pytest.fixture
def notify(ada):
    """notify(recipient, kind=…, actor=…, url=…, **params): one notification, as a service would."""

    def notify(recipient, kind=NotificationKind.MESSAGE_REPLY, actor=ada, url=URL, **params):
        params.setdefault("title", "Birds of Paris")
        return notification_send(
            recipient=recipient, kind=kind, actor=actor, url=url, params=params
        )

    return notify


@pytest.fixture
def bearer(member):
    """A client that authenticates with the member's personal access token, no session."""
    _, secret = access_token_create(user=member, name="Script")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
