"""People invited to a conversation before they have an account arrive in the conversation."""

import pytest
from django.core import mail

from perchoir.accounts.models import User
from perchoir.conversations import services
from perchoir.conversations.models import Invitation, Visibility
from perchoir.core.models import SiteMode
from tests.factories import UserFactory
from tests.invitations.helpers import signup_data, site_set
from tests.invitations.test_pending_claim import SIGNUP, confirmation_path

pytestmark = pytest.mark.django_db


def test_invited_by_email_to_a_private_conversation_they_sign_up_and_land_in_it(
    client, django_capture_on_commit_callbacks
):
    site_set(mode=SiteMode.INVITE_ONLY)
    ada = UserFactory(display_name="Ada")
    conversation = services.conversation_start(
        starter=ada, title="Our rivers", body="Hello", visibility=Visibility.PRIVATE
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.conversation_invite(
            inviter=ada, conversation_id=conversation.pk, addresses=["grace@example.net"]
        )
    email = mail.outbox[-1]
    assert "the conversation “Our rivers”" in email.body
    link = next(word for word in email.body.split() if "/invitations/pending/accept/" in word)
    client.get(link.removeprefix("http://testserver"))

    with django_capture_on_commit_callbacks(execute=True):
        client.post(SIGNUP, signup_data("grace", "grace@example.net"))
    grace = User.objects.get(handle="grace")
    assert Invitation.objects.get(invitee=grace).conversation == conversation

    landed = client.post(confirmation_path("grace@example.net"))
    assert landed["Location"] == conversation.get_absolute_url()
    page = client.get(landed["Location"]).content.decode()
    assert "You are invited to take part" in page
    client.post(f"/c/{conversation.pk}/invitation/", {"answer": "accept"})
    assert conversation.participants.filter(user=grace).exists()
