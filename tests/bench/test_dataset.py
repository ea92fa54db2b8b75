"""The dataset generator at a tiny scale: what the load scenarios read is there and readable."""

import re

import pytest

from bench.dataset import LONG_TITLE, READING_TITLE, DatasetError, DatasetSize, dataset_generate
from bench.pages import LONG_ID, READING_ID
from perchoir.accounts.models import User
from perchoir.conversations.models import Conversation, Message, Participant
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TINY = DatasetSize(
    people=60, conversations=8, messages=700, reading_messages=260, long_messages=300, pool=40
)


def quiet(_line: str) -> None:
    pass


def reading_bodies() -> list[str]:
    return list(
        Message.objects.filter(conversation_id=READING_ID)
        .order_by("id")
        .values_list("body", flat=True)
    )


def test_a_tiny_dataset_has_every_row_it_promises():
    written = dataset_generate(TINY, out=quiet)
    assert written["messages"] == Message.objects.count() == 700
    assert User.objects.count() == 60
    assert Conversation.objects.count() == 8
    for conversation in Conversation.objects.all():
        assert conversation.message_count == conversation.messages.count() > 0
        starter = conversation.participants.get(role="starter")
        assert starter.user_id == conversation.starter_id
    assert Participant.objects.filter(conversation_id=READING_ID).count() == 20
    assert Conversation.objects.get(pk=LONG_ID).title == LONG_TITLE
    assert not Message.objects.filter(body_html="").exists()
    assert Message.objects.filter(reply_to__isnull=False).exists()


def test_the_reading_page_shows_a_full_page_of_generated_messages(client):
    dataset_generate(TINY, out=quiet)
    for query in ("", "?latest"):
        response = client.get(f"/c/{READING_ID}/{query}")
        assert response.status_code == 200
        assert READING_TITLE in response.text
        assert len(re.findall(r'<article class="message', response.text)) == 200


def test_the_reading_conversation_is_the_same_whatever_the_dataset_size():
    dataset_generate(TINY, out=quiet)
    small = reading_bodies()
    for model in (Message, Participant, Conversation, User):
        model.objects.all().delete()
    dataset_generate(
        DatasetSize(
            people=60,
            conversations=30,
            messages=2000,
            long_messages=0,
            reading_messages=260,
            pool=40,
        ),
        out=quiet,
    )
    assert reading_bodies() == small


def test_a_database_with_people_is_refused():
    UserFactory()
    with pytest.raises(DatasetError, match="already holds 1 people"):
        dataset_generate(TINY, out=quiet)
    assert not Conversation.objects.exists()


def test_sizes_that_do_not_fit_are_refused():
    with pytest.raises(DatasetError, match="do not fit"):
        DatasetSize(conversations=100, messages=11_050).check()
