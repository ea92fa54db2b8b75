import pytest
from django.core.cache import cache

from .factories import AdminFactory, ModeratorFactory, UserFactory


@pytest.fixture(autouse=True)
def _isolated_site(request, settings, tmp_path):
    """Each test gets its own media folder, tasks run at once, and an empty cache (rate limits)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.SITE_URL = "http://testserver"
    yield
    # The cache lives in the database (or Redis): only tests that reach a database can fill it.
    if request.node.get_closest_marker("django_db") or USES_DATABASE & set(request.fixturenames):
        cache.clear()


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
