"""The load scenarios' baseline page: 100 rows through a template, and only when switched on."""

import importlib

import pytest
from django.urls import clear_url_caches

import perchoir.urls
from perchoir.accounts.models import User

pytestmark = pytest.mark.django_db


def reload_urls() -> None:
    importlib.reload(perchoir.urls)
    clear_url_caches()


@pytest.fixture
def baseline_on(settings):
    settings.BENCH_BASELINE = True
    reload_urls()
    yield
    settings.BENCH_BASELINE = False
    reload_urls()


def test_the_baseline_page_does_not_exist_on_a_normal_site(client):
    assert client.get("/bench/baseline/").status_code == 404


def test_the_baseline_page_renders_one_hundred_rows(client, baseline_on):
    User.objects.bulk_create(
        User(handle=f"row{n}", email=f"row{n}@example.org") for n in range(120)
    )
    response = client.get("/bench/baseline/")
    assert response.status_code == 200
    assert response.text.count("<tr>") == 100
    assert "row0" in response.text
    assert "row119" not in response.text
