"""A member deletes their account: confirmed with their password, hidden at once, undone by
signing in or by the emailed link during the grace period, then performed by the worker in the
way they chose, leaving other people's conversations whole."""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.files.storage import default_storage
from django.utils import timezone

from perchoir.accounts.models import User
from perchoir.accounts.services import profile_update
from perchoir.api.models import AccessToken
from perchoir.conversations.models import Highlight, Message
from perchoir.core.errors import Conflict, InvalidInput
from perchoir.follows.models import Follow
from perchoir.media.models import Image
from perchoir.notifications.models import Notification
from perchoir.privacy.models import AccountDeletion, DeletionMode, DeletionStatus
from perchoir.privacy.services import (
    account_deletion_cancel,
    account_deletion_perform,
    account_deletion_request,
    privacy_sweep,
)
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def cancel_token_from_email() -> str:
    (email,) = [m for m in mail.outbox if "will be deleted" in m.subject]
    match = re.search(r"/settings/delete-account/cancel/([^/\s]+)/", email.body)
    assert match is not None, email.body
    return match.group(1)


def schedule(person, mode=DeletionMode.ANONYMISE, capture=None) -> AccountDeletion:
    if capture is None:
        deletion, _token = account_deletion_request(user=person, mode=mode, password=PASSWORD)
        return deletion
    with capture(execute=True):
        deletion, _token = account_deletion_request(user=person, mode=mode, password=PASSWORD)
    return deletion


def after_grace(deletion: AccountDeletion):
    return deletion.scheduled_for + timedelta(seconds=1)


# --- Asking -------------------------------------------------------------------------------------


def test_the_delete_page_asks_for_the_password_and_the_way(
    member_client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        page = member_client.get("/settings/delete-account/")
    assert page.status_code == 200
    assert b"Your password" in page.content
    assert b"Keep what I wrote" in page.content
    assert b"Remove what I wrote" in page.content
    assert b"14 days" in page.content


def test_a_wrong_password_schedules_nothing(member, member_client):
    response = member_client.post(
        "/settings/delete-account/", {"mode": "anonymise", "password": "not it"}
    )

    assert response.status_code == 200
    assert b"This is not your password." in response.content
    assert not AccountDeletion.objects.exists()
    member.refresh_from_db()
    assert member.is_active


def test_a_way_the_site_does_not_offer_is_refused(member, member_client, settings):
    settings.ACCOUNT_DELETION_MODES = ["anonymise"]
    page = member_client.get("/settings/delete-account/")
    assert b"Remove what I wrote" not in page.content

    response = member_client.post(
        "/settings/delete-account/", {"mode": "remove", "password": PASSWORD}
    )

    assert response.status_code == 200
    assert not AccountDeletion.objects.exists()
    with pytest.raises(InvalidInput):
        account_deletion_request(user=member, mode="remove", password=PASSWORD)


def test_asking_hides_the_account_at_once_signs_out_and_emails_a_cancel_link(
    member, member_client, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(
            "/settings/delete-account/", {"mode": "anonymise", "password": PASSWORD}
        )

    assert response.status_code == 200
    assert b"Your account will be deleted" in response.content
    deletion = AccountDeletion.objects.get(user=member)
    assert deletion.status == DeletionStatus.PENDING
    assert deletion.scheduled_for - deletion.requested_at == timedelta(days=14)
    member.refresh_from_db()
    assert not member.is_active
    # Signed out, and the profile is gone for everyone.
    assert member_client.get("/settings/data/").status_code == 302
    assert client.get(f"/@{member.handle}").status_code == 404
    assert cancel_token_from_email()


def test_the_grace_period_is_a_setting(member, settings):
    settings.ACCOUNT_DELETION_GRACE_DAYS = 3
    deletion = schedule(member)
    assert deletion.scheduled_for - deletion.requested_at == timedelta(days=3)


def test_asking_twice_is_a_conflict(member):
    schedule(member)
    member.is_active = True  # as a stale session would think
    with pytest.raises(Conflict):
        schedule(member)


# --- Cancelling ---------------------------------------------------------------------------------


def test_signing_in_again_cancels_the_deletion(member, client):
    deletion = schedule(member)

    response = client.post(
        "/accounts/login/", {"login": member.email, "password": PASSWORD}, follow=True
    )

    assert response.status_code == 200
    assert b"Your account will not be deleted" in response.content
    deletion.refresh_from_db()
    assert deletion.status == DeletionStatus.CANCELLED
    member.refresh_from_db()
    assert member.is_active
    assert client.get("/settings/data/").status_code == 200
    # Nothing happens when the grace period would have ended.
    account_deletion_perform(deletion_id=deletion.pk, now=after_grace(deletion))
    member.refresh_from_db()
    assert member.is_active
    assert member.email


def test_a_wrong_password_at_sign_in_cancels_nothing(member, client):
    deletion = schedule(member)

    client.post("/accounts/login/", {"login": member.email, "password": "wrong"})

    deletion.refresh_from_db()
    assert deletion.status == DeletionStatus.PENDING


def test_the_emailed_link_cancels_the_deletion(member, client, django_capture_on_commit_callbacks):
    deletion = schedule(member, capture=django_capture_on_commit_callbacks)
    token = cancel_token_from_email()
    url = f"/settings/delete-account/cancel/{token}/"

    page = client.get(url)
    assert page.status_code == 200
    assert b"Keep my account" in page.content
    deletion.refresh_from_db()
    assert deletion.status == DeletionStatus.PENDING  # a GET changes nothing

    response = client.post(url)

    assert response.status_code == 302
    deletion.refresh_from_db()
    assert deletion.status == DeletionStatus.CANCELLED
    member.refresh_from_db()
    assert member.is_active
    assert client.get(url).status_code == 200  # says it was cancelled


def test_a_wrong_cancel_link_is_not_found(client):
    assert client.get("/settings/delete-account/cancel/nonsense/").status_code == 404
    with pytest.raises(Exception, match="not valid"):
        account_deletion_cancel(token="nonsense")


# --- Performing ---------------------------------------------------------------------------------


def test_nothing_happens_before_the_grace_period_ends(world):
    deletion = schedule(world.member)

    account_deletion_perform(
        deletion_id=deletion.pk, now=deletion.scheduled_for - timedelta(minutes=1)
    )
    assert privacy_sweep(now=deletion.scheduled_for - timedelta(minutes=1)) == (0, 0)

    deletion.refresh_from_db()
    assert deletion.status == DeletionStatus.PENDING
    assert User.objects.get(pk=world.member.pk).handle == "alice"


def _common_erasure_checks(world, member: User) -> None:
    assert not member.is_active
    assert member.handle.startswith("deleted_")
    assert member.display_name == "Deleted account"
    assert member.email == ""
    assert member.bio == ""
    assert member.avatar_id is None
    assert not member.has_usable_password()
    assert not EmailAddress.objects.filter(user=member).exists()
    assert not AccessToken.objects.filter(user=member).exists()
    assert not Follow.objects.filter(follower=member).exists()
    assert not Follow.objects.filter(followed=member).exists()
    assert not Notification.objects.filter(recipient=member).exists()
    # Bob's reply is still there, still a reply to the message it answered.
    reply = Message.objects.get(pk=world.friends_public_reply.pk)
    assert reply.deleted_at is None
    assert reply.reply_to is not None
    assert reply.reply_to.author_id == member.pk
    assert Message.objects.filter(conversation=world.private, author=world.friend).count() == 1


def test_anonymised_after_the_grace_period_content_stays_as_a_deleted_account(
    world, client, django_capture_on_commit_callbacks
):
    avatar_name = world.member.avatar.file.name
    deletion = schedule(world.member)

    with django_capture_on_commit_callbacks(execute=True):
        assert privacy_sweep(now=after_grace(deletion)) == (1, 0)

    deletion.refresh_from_db()
    assert deletion.status == DeletionStatus.DONE
    member = User.objects.get(pk=world.member.pk)
    _common_erasure_checks(world, member)
    # What they wrote stays, by "Deleted account".
    mine = Message.objects.filter(author=member)
    assert mine.count() == 2
    assert not mine.filter(deleted_at__isnull=False).exists()
    assert Highlight.objects.filter(user=member).exists()
    assert not default_storage.exists(avatar_name)
    page = client.get(world.public.get_absolute_url())
    assert page.status_code == 200
    assert b"Deleted account" in page.content
    assert b"Herons, edited." in page.content
    assert b"Bob answers in public." in page.content
    assert b"@alice" not in page.content


def test_removed_after_the_grace_period_messages_become_tombstones(
    world, client, django_capture_on_commit_callbacks
):
    deletion = schedule(world.member, mode=DeletionMode.REMOVE)

    with django_capture_on_commit_callbacks(execute=True):
        account_deletion_perform(deletion_id=deletion.pk, now=after_grace(deletion))

    member = User.objects.get(pk=world.member.pk)
    _common_erasure_checks(world, member)
    mine = Message.objects.filter(author=member)
    assert mine.count() == 2
    assert not mine.filter(deleted_at__isnull=True).exists()
    assert not Highlight.objects.filter(user=member).exists()
    assert not Image.objects.filter(uploaded_by=member).exists()
    page = client.get(world.public.get_absolute_url())
    assert b"This message was deleted by its author." in page.content
    assert b"Herons, edited." not in page.content
    assert b"Bob answers in public." in page.content
    # Bob still reads his private conversation, with Alice's message as a tombstone.
    bob = client
    bob.force_login(world.friend)
    room = bob.get(world.private.get_absolute_url())
    assert room.status_code == 200
    assert b"Bob&#x27;s private words" in room.content or b"Bob's private words" in room.content
    assert b"Alice writes in private." not in room.content


def test_the_deleted_handle_cannot_be_taken_at_once(world, django_capture_on_commit_callbacks):
    deletion = schedule(world.member)
    with django_capture_on_commit_callbacks(execute=True):
        account_deletion_perform(deletion_id=deletion.pk, now=after_grace(deletion))

    with pytest.raises(InvalidInput) as error:
        profile_update(user=world.stranger, display_name="Carol", handle="Alice", bio="")

    assert "deleted" in str(error.value.fields["handle"])


def test_performing_twice_changes_nothing_more(world, django_capture_on_commit_callbacks):
    deletion = schedule(world.member)
    with django_capture_on_commit_callbacks(execute=True):
        account_deletion_perform(deletion_id=deletion.pk, now=after_grace(deletion))
    handle = User.objects.get(pk=world.member.pk).handle

    account_deletion_perform(deletion_id=deletion.pk, now=after_grace(deletion))

    assert User.objects.get(pk=world.member.pk).handle == handle


def test_too_late_to_cancel_once_deleted(member, client, django_capture_on_commit_callbacks):
    deletion = schedule(member, capture=django_capture_on_commit_callbacks)
    token = cancel_token_from_email()
    account_deletion_perform(deletion_id=deletion.pk, now=after_grace(deletion))

    # The token was replaced when the deletion was done: the link leads nowhere.
    assert client.get(f"/settings/delete-account/cancel/{token}/").status_code == 404
    assert (
        client.post("/accounts/login/", {"login": member.email, "password": PASSWORD}).status_code
        == 200
    )
    assert not User.objects.get(pk=member.pk).is_active
    assert timezone.now()


# --- Accounts without a password ----------------------------------------------------------------


def _recently_signed_in_again(client, person) -> None:
    """As after allauth's "confirm who you are" step (by a provider), a minute ago."""
    import time

    from allauth.account.internal.flows.login import (
        _AUTHENTICATION_METHODS_USER_SESSION_KEY,
        AUTHENTICATION_METHODS_SESSION_KEY,
    )

    session = client.session
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(person.pk)
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "socialaccount", "at": time.time() - 60, "provider": "github"}
    ]
    session.save()


def test_without_a_password_the_person_confirms_by_signing_in_again(member, client):
    member.set_unusable_password()
    member.save(update_fields=["password"])
    client.force_login(member)  # a session from long ago: no recent sign-in recorded

    page = client.get("/settings/delete-account/")
    assert page.status_code == 200
    assert b"Your password" not in page.content
    assert b"Sign out to confirm it is me" in page.content
    refused = client.post("/settings/delete-account/", {"mode": "anonymise"})
    assert b"confirm who you are by signing in again" in refused.content
    assert not AccountDeletion.objects.exists()

    _recently_signed_in_again(client, member)
    page = client.get("/settings/delete-account/")
    assert b"Sign out to confirm it is me" not in page.content
    done = client.post("/settings/delete-account/", {"mode": "anonymise"})

    assert done.status_code == 200
    assert b"Your account will be deleted" in done.content
    assert AccountDeletion.objects.get().user == member


def test_the_person_is_told_once_it_is_done_and_keeps_no_powers(
    moderator, django_capture_on_commit_callbacks
):
    deletion = schedule(moderator)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        account_deletion_perform(deletion_id=deletion.pk, now=after_grace(deletion))

    (email,) = mail.outbox
    assert email.to == [f"{deletion.user.handle}@example.org"]
    assert "was deleted" in email.subject
    person = User.objects.get(pk=moderator.pk)
    assert person.role == "member"
    assert not person.is_superuser


def test_the_sweep_command_performs_what_is_due(member, django_capture_on_commit_callbacks):
    from io import StringIO

    from django.core.management import call_command

    deletion = schedule(member)
    AccountDeletion.objects.filter(pk=deletion.pk).update(
        scheduled_for=timezone.now() - timedelta(minutes=1)
    )
    output = StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("privacy_sweep", stdout=output)

    assert "1 account(s) deleted, 0 export(s) expired." in output.getvalue()
    assert AccountDeletion.objects.get().status == DeletionStatus.DONE
