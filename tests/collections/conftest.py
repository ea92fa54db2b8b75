import pytest
from django.test import Client

from perchoir.api.services import access_token_create
from tests.factories import ModeratorFactory, UserFactory

from .factories import CollectionFactory

API = "/api/v1/collections"


@pytest.fixture
def owner(db):
    return UserFactory(display_name="Ada Lovelace", handle="ada")


@pytest.fixture
def stranger(db):
    return UserFactory(display_name="Grace Hopper", handle="grace")


@pytest.fixture
def contributor(db):
    return UserFactory(display_name="Alan Turing", handle="alan")


@pytest.fixture
def moderator_user(db):
    return ModeratorFactory(handle="mod")


@pytest.fixture
def collection(owner, contributor):
    return CollectionFactory(
        owner=owner, title="Rivers", policy="invited", contributors=[contributor]
    )


def signed_in(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


class ApiClient:
    def __init__(self, client: Client) -> None:
        self.client = client

    def get(self, path: str = "", **params: object):
        return self.client.get(API + path, params)

    def post(self, path: str = "", data: object | None = None):
        return self.client.post(API + path, data or {}, content_type="application/json")

    def post_multipart(self, path: str, data: dict):
        return self.client.post(API + path, data)

    def put(self, path: str, data: object):
        return self.client.put(API + path, data, content_type="application/json")

    def delete(self, path: str, data: object | None = None):
        if data is None:
            return self.client.delete(API + path)
        return self.client.delete(API + path, data, content_type="application/json")


@pytest.fixture
def api_as():
    def make(person=None) -> ApiClient:
        return ApiClient(signed_in(person))

    return make


@pytest.fixture
def token_for():
    def make(person) -> ApiClient:
        _, secret = access_token_create(user=person, name="tests")
        return ApiClient(Client(HTTP_AUTHORIZATION=f"Bearer {secret}"))

    return make
