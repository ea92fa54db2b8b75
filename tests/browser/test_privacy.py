"""Your data in a real browser: from the settings, export everything (built by the real worker)
and download it; ask for the account's deletion, then change your mind by signing in again.
axe-core checks every page visited (see conftest.py)."""

import io
import json
import zipfile

import pytest

from perchoir.accounts.models import User
from perchoir.conversations.services import conversation_start
from perchoir.privacy.models import AccountDeletion, DeletionStatus
from tests.factories import PASSWORD, UserFactory
from tests.privacy.test_worker import run_worker

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _queued_tasks(settings, tmp_path):
    """Tasks wait in the database queue for the real worker; archives kept for this test."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.VAR_DIR = tmp_path / "var"


def test_a_member_exports_their_data_and_downloads_it(page, sign_in, settings):
    ines = UserFactory(handle="ines", display_name="Inès")
    conversation_start(starter=ines, title="Swifts over the roofs", body="They are back!")
    sign_in(page, ines)

    page.goto("/settings/profile/")
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Your data").click()
    page.wait_for_url("**/settings/data/")
    assert page.get_by_role("heading", level=1).inner_text() == "Your data"
    page.get_by_role("button", name="Export my data").click()
    page.wait_for_url("**/settings/data/")
    assert "Your data is being prepared" in page.locator("main").inner_text()
    assert page.get_by_role("button", name="Export my data").count() == 0

    finished = run_worker(settings)
    assert finished.returncode == 0, finished.stderr

    page.reload()
    link = page.get_by_role("link", name="Download the archive")
    assert link.count() == 1
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.startswith("perchoir-ines-")
    with open(download.path(), "rb") as archive_file:
        archive = zipfile.ZipFile(io.BytesIO(archive_file.read()))
    messages = json.loads(archive.read("conversations.json"))["messages"]
    assert [message["body"] for message in messages] == ["They are back!"]


def test_a_member_asks_for_deletion_then_signs_in_again_to_cancel_it(page, sign_in):
    jo = UserFactory(handle="jo", email="jo@example.org")
    sign_in(page, jo)

    page.goto("/settings/data/")
    page.get_by_role("navigation", name="Settings").get_by_role(
        "link", name="Delete account"
    ).click()
    page.wait_for_url("**/settings/delete-account/")
    page.get_by_label("Remove what I wrote").check()
    page.get_by_label("Your password").fill("not my password")
    page.get_by_role("button", name="Delete my account").click()
    assert "This is not your password." in page.locator("main").inner_text()
    assert not AccountDeletion.objects.exists()

    page.get_by_label("Remove what I wrote").check()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Your account will be deleted"
    assert not User.objects.get(pk=jo.pk).is_active

    page.get_by_role("link", name="Sign in to cancel the deletion").click()
    page.wait_for_url("**/accounts/login/**")
    page.get_by_label("Email").fill("jo@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "Your account will not be deleted" in page.locator("body").inner_text()
    assert AccountDeletion.objects.get().status == DeletionStatus.CANCELLED
    assert User.objects.get(pk=jo.pk).is_active
