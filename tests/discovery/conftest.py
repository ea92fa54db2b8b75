import pytest
from django.test import Client


@pytest.fixture
def signed_in():
    def make(person) -> Client:
        client = Client()
        client.force_login(person)
        return client

    return make
