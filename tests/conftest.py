import pytest
from django.core.cache import cache, caches
from django.utils import translation

from .factories import AdminFactory, ModeratorFactory, UserFactory

# The real ASGI server of `perchoir run`, for live streams and browser tests of live pages;
# web pages on 127.0.0.1 for the safe fetcher.
pytest_plugins = ["tests.asgi_server", "tests.webpages", "tests.openapi_check"]


@pytest.fixture(autouse=True)
def _isolated_site(request, settings, tmp_path):
    """Each test gets its own media folder, tasks run at once, and an empty cache (rate limits)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.SITE_URL = "http://testserver"
    # A request handled in French leaves French active in the thread; each test starts afresh.
    translation.activate(settings.LANGUAGE_CODE)
    # Rendered fragments are keyed by ids that another test's data may reuse.
    caches["fragments"].clear()
    yield
    # The cache lives in the database (or Redis): only tests that reach a database can fill it.
    if request.node.get_closest_marker("django_db") or USES_DATABASE & set(request.fixturenames):
        _cache_clear(settings)


def _cache_clear(settings) -> None:
    """Empty this test process's cache. In Redis, only this process's keys: parallel workers
    (pytest-xdist) share the database, and one's clear() would reset another's counters."""
    default = settings.CACHES["default"]
    if "redis" not in default["BACKEND"].lower():
        cache.clear()
        return
    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    keys = list(client.scan_iter(match=f"{default.get('KEY_PREFIX', '')}:*"))
    if keys:
        client.delete(*keys)


USES_DATABASE = {"db", "transactional_db", "live_server", "django_db_reset_sequences"}


@pytest.fixture
def member(db):
    return UserFactory()


@pytest.fixture
def moderator(db):
    return ModeratorFactory()


@pytest.fixture
def admin_user(db):
    return AdminFactory()


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client
