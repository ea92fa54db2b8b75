"""A person's discovery data in their export, and gone with their account."""

import pytest

from perchoir.conversations import services as conversations
from perchoir.discovery import services
from perchoir.discovery.models import DigestSubscription, SearchDocument
from perchoir.discovery.privacy import erase_discovery, export_discovery
from perchoir.discovery.selectors import SearchQuery, search
from perchoir.privacy.models import DeletionMode
from perchoir.privacy.registry import sections
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_discovery_is_a_section_of_a_persons_data():
    assert "discovery" in {section.name for section in sections()}


def test_the_export_holds_the_digest_choice():
    ada = UserFactory()
    services.digest_preference_set(user=ada, frequency="weekly")
    assert export_discovery(ada).data["email_digest"] == "weekly"


def test_removing_an_account_removes_its_words_from_search():
    from django.contrib.auth.models import AnonymousUser

    ada = UserFactory()
    conversations.conversation_start(starter=ada, title="Walnuts", body="Walnut bread.")
    services.digest_preference_set(user=ada, frequency="daily")
    erase_discovery(ada, DeletionMode.REMOVE)
    assert not SearchDocument.objects.filter(author=ada).exists()
    assert not DigestSubscription.objects.filter(user=ada).exists()
    assert not search(viewer=AnonymousUser(), query=SearchQuery(text="walnut")).hits
