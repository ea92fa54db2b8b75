import pytest
from django.test import Client

from perchoir.api.services import access_token_create

API = "/api/v1/conversations"


class ApiClient:
    """A person (or nobody) calling the conversations API with JSON bodies."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def get(self, path: str = "", **params: object):
        return self.client.get(API + path, params)

    def post(self, path: str = "", data: object | None = None):
        return self.client.post(API + path, data or {}, content_type="application/json")

    def put(self, path: str, data: object):
        return self.client.put(API + path, data, content_type="application/json")

    def patch(self, path: str, data: object):
        return self.client.patch(API + path, data, content_type="application/json")

    def delete(self, path: str):
        return self.client.delete(API + path)


@pytest.fixture
def api_as():
    """`api_as(person)`: the API as that person through their session; `api_as(None)`: anonymous."""

    def make(person=None) -> ApiClient:
        client = Client()
        if person is not None:
            client.force_login(person)
        return ApiClient(client)

    return make


@pytest.fixture
def api_token():
    """`api_token(person)`: the API as that person through a personal access token, no session."""

    def make(person) -> ApiClient:
        _, secret = access_token_create(user=person, name="tests")
        return ApiClient(Client(HTTP_AUTHORIZATION=f"Bearer {secret}"))

    return make
