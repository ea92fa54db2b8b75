"""`perchoir demo` fills the site with a small living community, once."""

from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command
from django.urls import reverse

from perchoir.accounts.models import User
from perchoir.conversations.models import (
    Conversation,
    Highlight,
    JoinRequest,
    JoinRequestKind,
    Mention,
    Message,
    Participant,
    RequestStatus,
    Visibility,
)
from perchoir.conversations.services import plain_text
from perchoir.core.management.commands import demo
from perchoir.core.management.commands.demo import DEMO_PASSWORD, PEOPLE
from perchoir.invitations.models import InviteLink, InviteRequest, InviteRequestStatus
from perchoir.media.models import Image
from tests.factories import AdminFactory, UserFactory

pytestmark = pytest.mark.django_db

FULL_THREAD = demo.ALLOTMENT_MESSAGES


@pytest.fixture(autouse=True)
def _short_thread(monkeypatch):
    """Forty messages show everything but the length of the long thread, and take less time."""
    monkeypatch.setattr(demo, "ALLOTMENT_MESSAGES", 40)


def run_demo(*args):
    out = StringIO()
    call_command("demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def demo_people():
    return User.objects.filter(email__endswith="@demo.example")


def test_demo_fills_the_site_once_and_a_second_run_changes_nothing(settings):
    settings.DEBUG = True
    first = run_demo()
    assert "12 people" in first
    assert DEMO_PASSWORD in first

    counts = (
        demo_people().count(),
        Image.objects.count(),
        InviteLink.objects.count(),
        InviteRequest.objects.count(),
        EmailAddress.objects.count(),
    )
    second = run_demo()
    assert "nothing changed" in second
    assert counts == (
        demo_people().count(),
        Image.objects.count(),
        InviteLink.objects.count(),
        InviteRequest.objects.count(),
        EmailAddress.objects.count(),
    )

    assert demo_people().count() == len(PEOPLE) == 12
    for person in PEOPLE:
        user = User.objects.get(handle=person.handle)
        assert user.display_name == person.display_name
        assert user.bio_html.startswith("<p>")  # the Markdown bio rendered once, at write time
        assert user.avatar is not None
        assert user.avatar.file.name.endswith(".png")
        assert user.check_password(DEMO_PASSWORD)
        assert EmailAddress.objects.get(user=user).verified
        if person.invited_by:
            assert user.invited_by.handle == person.invited_by
            assert user.joined_via is not None
            assert user.joined_via.created_by_id == user.invited_by_id
        else:
            assert user.invited_by is None
    # Avatars, and the demo photo collection's cover and six photos.
    assert Image.objects.count() == 12 + 7
    assert {p.language for p in PEOPLE} == {"en", "fr"}
    assert InviteRequest.objects.filter(status=InviteRequestStatus.PENDING).count() == 2


def test_invite_tree_has_several_generations(settings):
    settings.DEBUG = True
    run_demo()
    ines = User.objects.get(handle="ines")
    chain = []
    while ines is not None:
        chain.append(ines.handle)
        ines = ines.invited_by
    assert chain == ["ines", "lea", "amina", "camille"]
    for link in InviteLink.objects.all():
        assert link.uses_count == link.joined_users.count()
        assert link.uses_count <= link.max_uses


def test_demo_people_can_sign_in_with_the_printed_password(settings, client):
    settings.DEBUG = True
    run_demo()
    response = client.post(
        "/accounts/login/", {"login": "oliver@demo.example", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/api/v1/me").json()["handle"] == "oliver"


def test_demo_refuses_a_real_site_unless_forced(settings):
    settings.DEBUG = False
    AdminFactory(is_superuser=True)  # the founder does not count
    UserFactory()  # a real person does
    with pytest.raises(CommandError, match="--force"):
        run_demo()
    assert not demo_people().exists()
    run_demo("--force")
    assert demo_people().count() == 12


def test_demo_runs_on_a_site_with_only_its_founder(settings):
    settings.DEBUG = False
    AdminFactory(is_superuser=True)
    run_demo()
    assert demo_people().count() == 12


def demo_conversations():
    return Conversation.objects.filter(starter__email__endswith="@demo.example")


def test_demo_people_talk_in_lively_conversations_written_by_the_services(settings, monkeypatch):
    monkeypatch.setattr(demo, "ALLOTMENT_MESSAGES", FULL_THREAD)
    settings.DEBUG = True
    run_demo()
    assert demo_conversations().count() == 6
    assert {c.visibility for c in demo_conversations()} == {
        Visibility.PUBLIC,
        Visibility.UNLISTED,
        Visibility.PRIVATE,
    }

    allotment = Conversation.objects.get(title__startswith="The allotment diaries")
    messages = allotment.messages.all()
    assert allotment.visibility == Visibility.PUBLIC
    assert messages.count() == allotment.message_count >= 200
    assert messages.values("author").distinct().count() == 8
    assert allotment.participants.filter(removed_at__isnull=True).count() == 8
    assert all(m.body_html.startswith("<") for m in messages)  # rendered once, at write time
    quoting = messages.exclude(reply_to=None).exclude(quoted_passage="")
    assert quoting.count() >= 20
    for reply in quoting:
        assert (
            reply.quoted_passage in plain_text(reply.reply_to.body_html) or reply.reply_to.edited_at
        )
    assert Mention.objects.filter(message__conversation=allotment).count() >= 10
    assert 'class="mention"' in messages.filter(mentions__isnull=False).first().body_html
    edited = messages.get(edited_at__isnull=False)
    assert edited.revisions.count() == 1
    deleted = messages.get(deleted_at__isnull=False)
    assert deleted.author.handle == "jonah"
    # Weeks of talk, in order.
    times = list(messages.order_by("id").values_list("created_at", flat=True))
    assert times == sorted(times)
    assert times[-1] - times[0] > timedelta(days=30)

    # Passages highlighted by several readers.
    by_passage = Counter(
        Highlight.objects.filter(message__conversation=allotment).values_list("passage", flat=True)
    )
    assert len(by_passage) == 4
    assert all(count >= 2 for count in by_passage.values())

    branch = Conversation.objects.get(branched_from__conversation=allotment)
    assert branch.branched_passage == "a seed swap every March"
    assert branch.messages.count() > 5

    linked = demo_conversations().exclude(link_url="").get()
    assert linked.link_url.startswith("https://")
    assert linked.link_preview is not None  # fetched in the background; offline, the link shows

    join = JoinRequest.objects.get(kind=JoinRequestKind.JOIN, status=RequestStatus.PENDING)
    assert join.requester.handle == "theo"
    suggestion = JoinRequest.objects.get(kind=JoinRequestKind.SUGGESTION)
    assert suggestion.status == RequestStatus.PENDING
    assert suggestion.conversation == allotment


def test_a_second_demo_run_adds_no_conversation(settings):
    settings.DEBUG = True
    run_demo()
    counts = (
        Conversation.objects.count(),
        Message.objects.count(),
        Highlight.objects.count(),
        JoinRequest.objects.count(),
        Participant.objects.count(),
    )
    assert "nothing changed" in run_demo()
    assert counts == (
        Conversation.objects.count(),
        Message.objects.count(),
        Highlight.objects.count(),
        JoinRequest.objects.count(),
        Participant.objects.count(),
    )


def test_the_demo_conversations_read_well(settings, client):
    settings.DEBUG = True
    run_demo()
    allotment = Conversation.objects.get(title__startswith="The allotment diaries")
    page = client.get(allotment.get_absolute_url() + "?latest")
    assert page.status_code == 200
    assert "This message was deleted by its author." in page.text
    embed = client.get(reverse("conversations:embed", args=[allotment.pk]))
    assert "The allotment diaries" in embed.text
    private = demo_conversations().get(visibility=Visibility.PRIVATE)
    assert client.get(private.get_absolute_url()).status_code == 404
    assert private.title not in client.get(reverse("conversations:list")).text
