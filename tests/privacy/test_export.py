"""A member exports everything they wrote: a zip of JSON and their images, built in the
background, linked by email and on the page, for them only, for a few days."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from perchoir.privacy.models import DataExport, ExportStatus
from perchoir.privacy.registry import ExportData, register, sections
from perchoir.privacy.services import (
    data_export_expire,
    data_export_request,
    export_storage,
    privacy_sweep,
)

pytestmark = pytest.mark.django_db


def request_export(client, capture) -> DataExport:
    with capture(execute=True):
        response = client.post("/settings/data/export/")
    assert response.status_code == 302
    return DataExport.objects.latest("id")


def archive_of(response) -> zipfile.ZipFile:
    content = b"".join(response.streaming_content)
    return zipfile.ZipFile(io.BytesIO(content))


def everything(archive: zipfile.ZipFile) -> str:
    return "\n".join(
        archive.read(name).decode() for name in archive.namelist() if name.endswith(".json")
    )


def test_export_holds_everything_the_member_wrote_and_their_images(
    world, signed_in, django_capture_on_commit_callbacks
):
    client = signed_in(world.member)
    export = request_export(client, django_capture_on_commit_callbacks)
    assert export.status == ExportStatus.READY

    response = client.get(f"/settings/data/exports/{export.pk}/download/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    archive = archive_of(response)
    assert archive.testzip() is None
    names = set(archive.namelist())
    assert {"export.json", "README.txt", "account.json", "conversations.json"} <= names
    account = json.loads(archive.read("account.json"))
    assert account["profile"]["handle"] == "alice"
    assert account["profile"]["bio"] == "I *love* birds."
    assert account["email_addresses"][0]["email"] == "alice@example.org"
    # The avatar and the uploaded image are in the archive, as files.
    assert account["profile"]["avatar"] in names
    media = json.loads(archive.read("media.json"))
    assert len(media["images"]) == 2
    assert all(image["file"] in names for image in media["images"])
    assert archive.read(account["profile"]["avatar"])[:8] == b"\x89PNG\r\n\x1a\n"

    talk = json.loads(archive.read("conversations.json"))
    assert [c["title"] for c in talk["conversations_started"]] == ["Birds of the marsh"]
    bodies = {message["body"] for message in talk["messages"]}
    assert bodies == {"Herons, edited.", "Alice writes in private."}
    edited = next(m for m in talk["messages"] if m["body"] == "Herons, edited.")
    assert [revision["body"] for revision in edited["revisions"]] == ["Herons first draft."]
    assert [h["passage"] for h in talk["highlights"]] == ["answers"]
    assert [i["invitee"] for i in talk["invitations_sent"]] == ["bob"]
    follows = json.loads(archive.read("follows.json"))
    assert [f["handle"] for f in follows["following"]] == ["bob"]
    assert [f["handle"] for f in follows["followers"]] == ["carol"]
    invitations = json.loads(archive.read("invitations.json"))
    assert invitations["invite_links"][0]["note"] == "for my cousin"
    assert invitations["invitations_sent"][0]["message"] == "Come and see!"
    notifications = json.loads(archive.read("notifications.json"))
    assert {n["kind"] for n in notifications["notifications"]} >= {
        "message_reply",
        "conversation_invitation",
    }
    tokens = json.loads(archive.read("access_tokens.json"))
    assert [token["name"] for token in tokens["access_tokens"]] == ["My script"]


def test_export_holds_nothing_of_other_peoples_private_data(
    world, signed_in, django_capture_on_commit_callbacks
):
    client = signed_in(world.member)
    export = request_export(client, django_capture_on_commit_callbacks)
    archive = archive_of(client.get(f"/settings/data/exports/{export.pk}/download/"))
    text = everything(archive) + archive.read("README.txt").decode()

    # Bob's words in a private conversation, other people's addresses, any secret: absent.
    assert world.friends_private_words not in text
    assert "bob-secret@example.org" not in text
    assert "carol@example.org" not in text
    assert "cousin-secret@example.org" not in text
    assert world.token_secret not in text
    assert world.token_secret[:8] not in text
    assert "password" not in json.loads(archive.read("account.json"))["profile"]
    # Bob's public reply is his, not Alice's: not copied either (a highlight keeps the passage).
    assert "Bob answers in public." not in text


def test_building_the_export_emails_the_download_link(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        export = data_export_request(user=world.member)
    export.refresh_from_db()

    (email,) = [m for m in mail.outbox if "your data" in m.subject.lower()]
    assert f"/settings/data/exports/{export.pk}/download/" in email.body
    assert "is ready" in email.subject
    assert "http://testserver/settings/data/" in email.body


def test_the_data_page_shows_the_download_link_once_ready(
    world, signed_in, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    client = signed_in(world.member)
    page = client.get("/settings/data/")
    assert b"Export my data" in page.content
    export = request_export(client, django_capture_on_commit_callbacks)

    with django_assert_max_num_queries(12):
        page = client.get("/settings/data/")

    assert f"/settings/data/exports/{export.pk}/download/".encode() in page.content
    assert b"Ready to download" in page.content


def test_a_second_export_while_one_is_prepared_is_refused(world, signed_in):
    client = signed_in(world.member)
    client.post("/settings/data/export/")  # without commit callbacks: it stays pending

    response = client.post("/settings/data/export/", follow=True)

    assert b"already being prepared" in response.content
    assert DataExport.objects.filter(user=world.member).count() == 1


def test_nobody_else_can_download_an_export(
    world, signed_in, client, django_capture_on_commit_callbacks
):
    export = request_export(signed_in(world.member), django_capture_on_commit_callbacks)
    url = f"/settings/data/exports/{export.pk}/download/"

    assert signed_in(world.friend).get(url).status_code == 404
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    # Not in the public media either.
    assert not (world.member and export.file_name.startswith("images/"))
    assert client.get("/media/" + export.file_name).status_code == 404


def test_an_expired_export_cannot_be_downloaded_and_its_file_is_deleted(
    world, signed_in, django_capture_on_commit_callbacks
):
    client = signed_in(world.member)
    export = request_export(client, django_capture_on_commit_callbacks)
    storage = export_storage()
    assert storage.exists(export.file_name)
    name = export.file_name
    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    assert client.get(f"/settings/data/exports/{export.pk}/download/").status_code == 404
    assert privacy_sweep() == (0, 1)

    export.refresh_from_db()
    assert export.status == ExportStatus.EXPIRED
    assert not storage.exists(name)
    assert b"/download/" not in client.get("/settings/data/").content


def test_expiring_before_its_time_does_nothing(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        export = data_export_request(user=world.member)
    export.refresh_from_db()

    data_export_expire(export_id=export.pk)

    export.refresh_from_db()
    assert export.status == ExportStatus.READY
    assert export_storage().exists(export.file_name)
    assert export.expires_at > timezone.now() + timedelta(days=6)


def test_a_new_app_adds_its_section_with_one_registration(
    world, signed_in, django_capture_on_commit_callbacks
):
    before = {section.name for section in sections()}
    register(
        "garden",
        export=lambda user: ExportData(data={"plants": [f"{user.handle}'s rose"]}),
        erase=lambda user, mode: None,
    )
    try:
        client = signed_in(world.member)
        export = request_export(client, django_capture_on_commit_callbacks)
        archive = archive_of(client.get(f"/settings/data/exports/{export.pk}/download/"))
        assert json.loads(archive.read("garden.json")) == {"plants": ["alice's rose"]}
        assert "garden" in json.loads(archive.read("export.json"))["sections"]
    finally:
        from perchoir.privacy import registry

        registry._sections.pop("garden")
    assert {section.name for section in sections()} == before


def test_linked_identities_are_exported_without_what_the_provider_sent(
    world, signed_in, django_capture_on_commit_callbacks
):
    from allauth.socialaccount.models import SocialAccount

    SocialAccount.objects.create(
        user=world.member,
        provider="github",
        uid="4242",
        extra_data={"login": "alice-gh", "email": "alice-private@example.org", "token": "gho_x"},
    )
    client = signed_in(world.member)
    export = request_export(client, django_capture_on_commit_callbacks)
    archive = archive_of(client.get(f"/settings/data/exports/{export.pk}/download/"))

    account = json.loads(archive.read("account.json"))
    assert [(i["provider"], i["uid"]) for i in account["linked_identities"]] == [("github", "4242")]
    text = everything(archive)
    assert "gho_x" not in text
    assert "alice-private@example.org" not in text


def test_an_export_that_fails_says_so_and_sends_nothing(
    world, signed_in, django_capture_on_commit_callbacks
):
    def broken(user):
        raise RuntimeError("disk full")

    register("broken", export=broken, erase=lambda user, mode: None)
    try:
        client = signed_in(world.member)
        mail.outbox.clear()
        export = request_export(client, django_capture_on_commit_callbacks)
    finally:
        from perchoir.privacy import registry

        registry._sections.pop("broken")

    assert export.status == ExportStatus.FAILED
    assert not mail.outbox
    page = client.get("/settings/data/")
    assert b"Could not be prepared" in page.content
    assert b"/download/" not in page.content
    # A new one can be asked for.
    assert b"Export my data" in page.content


def test_a_lost_build_is_given_up_after_a_day_so_another_can_be_asked(world, signed_in):
    client = signed_in(world.member)
    client.post("/settings/data/export/")  # queued, never run
    export = DataExport.objects.get()
    DataExport.objects.filter(pk=export.pk).update(created_at=timezone.now() - timedelta(days=2))

    privacy_sweep()

    export.refresh_from_db()
    assert export.status == ExportStatus.FAILED
    assert b"Export my data" in client.get("/settings/data/").content
