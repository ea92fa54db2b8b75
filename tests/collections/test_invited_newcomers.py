"""People invited to contribute before they have an account arrive in the collection."""

import pytest
from django.core import mail

from perchoir.accounts.models import User
from perchoir.collections import services
from perchoir.collections.models import ContributorInvitation
from perchoir.core.models import SiteMode
from tests.invitations.helpers import signup_data, site_set
from tests.invitations.test_pending_claim import SIGNUP, confirmation_path

from .factories import CollectionFactory

pytestmark = pytest.mark.django_db


def test_invited_by_email_to_a_private_collection_they_sign_up_and_contribute(
    client, owner, django_capture_on_commit_callbacks
):
    site_set(mode=SiteMode.INVITE_ONLY)
    collection = CollectionFactory(
        owner=owner, title="Our rivers", visibility="private", policy="invited"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.contributor_invite(
            actor=owner, collection_id=collection.pk, addresses=["lin@example.net"]
        )
    email = mail.outbox[-1]
    assert "contribute to the collection “Our rivers”" in email.body
    link = next(word for word in email.body.split() if "/invitations/pending/accept/" in word)
    client.get(link.removeprefix("http://testserver"))

    with django_capture_on_commit_callbacks(execute=True):
        client.post(SIGNUP, signup_data("lin", "lin@example.net"))
    lin = User.objects.get(handle="lin")
    assert ContributorInvitation.objects.get(invitee=lin).collection == collection

    landed = client.post(confirmation_path("lin@example.net"))
    assert landed["Location"] == collection.get_absolute_url()
    page = client.get(landed["Location"]).content.decode()
    assert "You are invited to contribute" in page
    client.post(f"/k/{collection.pk}/invitation/", {"answer": "accept"})
    assert collection.contributors.filter(user=lin).exists()
