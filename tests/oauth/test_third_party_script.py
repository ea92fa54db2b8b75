"""Issue 7's "done when": a small third-party script, written from the API reference page only,
signs a person in through OAuth, starts a conversation, invites someone and adds an image to a
collection — over real HTTP, with authlib as the application's client."""

import io
from typing import Any

import pytest
import requests
from PIL import Image as PILImage

from perchoir.collections.models import Collection
from perchoir.conversations.models import Conversation, Invitation
from tests.factories import UserFactory

from .test_flow import App, browser_of, consent

pytestmark = pytest.mark.django_db(transaction=True)


def a_photo() -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (640, 480), (40, 120, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_a_third_party_script_does_what_a_person_does_on_the_site(live_server: Any):
    base = str(live_server.url)
    ada, bob = UserFactory(handle="ada"), UserFactory(handle="bob")
    app = App(base, scope="read write")
    token = app.fetch_token(
        consent(browser_of(ada, base), app.authorization_url()).headers["Location"]
    )
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token['access_token']}"

    started = api.post(
        f"{base}/api/v1/conversations",
        json={
            "title": "Photos of the river",
            "body": "Which one for the cover?",
            "invitees": ["@bob"],
        },
    )
    assert started.status_code == 201, started.text
    conversation = Conversation.objects.get(pk=started.json()["id"])
    assert conversation.starter == ada
    assert Invitation.objects.get(conversation=conversation).invitee == bob

    created = api.post(f"{base}/api/v1/collections", json={"title": "The river in winter"})
    assert created.status_code == 201, created.text
    collection_id = created.json()["id"]
    added = api.post(
        f"{base}/api/v1/collections/{collection_id}/items/upload",
        data={"kind": "image", "title": "Frozen bank", "alt_text": "Ice along the river bank"},
        files={"image": ("bank.jpg", a_photo(), "image/jpeg")},
    )
    assert added.status_code == 201, added.text
    collection = Collection.objects.get(pk=collection_id)
    assert collection.owner == ada
    item = collection.connections.get().item
    assert item.alt_text == "Ice along the river bank"
    assert item.image is not None
