"""The rules of conversations, through the services every page and API operation calls."""

from html.parser import HTMLParser

import pytest
from django.utils import timezone

from perchoir.conversations import services
from perchoir.conversations.models import (
    MESSAGE_MAX_LENGTH,
    Conversation,
    Highlight,
    Invitation,
    InvitePolicy,
    Message,
    Participant,
    RoomAction,
    Visibility,
)
from perchoir.conversations.selectors import (
    conversation_get_for_viewer,
    highlights_ranked,
    messages_page,
)
from perchoir.core.errors import Conflict, Forbidden, InvalidInput, NotFound, RateLimited
from perchoir.invitations.models import PendingInvitation, PendingInvitationTargetKind
from perchoir.invitations.services import pending_invitations_claim
from perchoir.live.models import LiveEvent
from perchoir.notifications.models import Notification
from tests.factories import ModeratorFactory, UserFactory

pytestmark = pytest.mark.django_db


def start(starter, **kwargs):
    kwargs.setdefault("title", "Cities and rivers")
    kwargs.setdefault("body", "Which city has the most beautiful river?")
    return services.conversation_start(starter=starter, **kwargs)


def join(conversation, person):
    return Participant.objects.create(conversation=conversation, user=person)


def post(author, conversation, body="A reply", **kwargs):
    return services.message_post(
        author=author, conversation_id=conversation.pk, body=body, **kwargs
    )


# --- Starting -----------------------------------------------------------------------------------


def test_starting_from_a_thought_makes_the_starter_a_participant_with_the_first_message():
    ada = UserFactory()
    conversation = start(ada)
    assert conversation.starter == ada
    assert conversation.participants.get().user == ada
    message = conversation.messages.get()
    assert message.author == ada
    assert "<p>Which city has the most beautiful river?</p>" in message.body_html
    conversation.refresh_from_db()
    assert conversation.message_count == 1


def test_without_a_title_the_first_line_of_the_message_becomes_the_title():
    conversation = start(UserFactory(), title="  ", body="# Rivers of Europe\n\nLet us talk.")
    assert conversation.title == "Rivers of Europe"


def test_nothing_to_start_from_is_a_clear_error():
    with pytest.raises(InvalidInput) as error:
        start(UserFactory(), title="Empty", body="   ")
    assert "body" in error.value.fields


def test_starting_from_a_link_requests_its_preview_card():
    conversation = start(
        UserFactory(),
        title="",
        body="",
        origin=services.StartOrigin(link_url="https://example.org/rivers"),
    )
    assert conversation.link_preview is not None
    assert conversation.link_url == conversation.link_preview.url
    assert conversation.title  # from the link
    assert conversation.messages.count() == 0


def test_a_bad_link_creates_nothing():
    with pytest.raises(InvalidInput):
        start(UserFactory(), origin=services.StartOrigin(link_url="javascript:alert(1)"))
    assert Conversation.objects.count() == 0


def test_branching_off_a_passage_links_both_conversations():
    ada, bob = UserFactory(), UserFactory()
    original = start(ada, body="Rivers shape cities. Bridges shape rivers.")
    message = original.messages.get()
    branch = start(
        bob,
        title="",
        body="Let us talk about bridges.",
        origin=services.StartOrigin(
            branch_conversation_id=original.pk,
            branch_message_id=message.pk,
            passage="Bridges  shape\nrivers.",
        ),
    )
    assert branch.branched_from == message
    assert branch.branched_passage == "Bridges shape rivers."
    assert list(message.branches.all()) == [branch]
    # Readers of the original conversation see the branch appear under the message.
    event = LiveEvent.objects.filter(stream=original.live_stream).latest("id")
    assert event.kind == "message.branched"
    assert "Branched into:" in event.payload["html"]["en"]


def test_a_passage_that_is_not_in_the_message_is_refused():
    ada = UserFactory()
    original = start(ada)
    with pytest.raises(InvalidInput) as error:
        start(
            ada,
            origin=services.StartOrigin(
                branch_conversation_id=original.pk,
                branch_message_id=original.messages.get().pk,
                passage="words nobody wrote",
            ),
        )
    assert "passage" in error.value.fields


def test_branching_off_a_private_conversation_one_cannot_read_is_not_found():
    secret = start(UserFactory(), visibility=Visibility.PRIVATE)
    with pytest.raises(NotFound):
        start(
            UserFactory(),
            origin=services.StartOrigin(
                branch_conversation_id=secret.pk, branch_message_id=secret.messages.get().pk
            ),
        )


def test_forged_branch_ids_from_another_conversation_are_not_found():
    ada = UserFactory()
    first, second = start(ada), start(ada)
    with pytest.raises(NotFound):
        start(
            ada,
            origin=services.StartOrigin(
                branch_conversation_id=first.pk, branch_message_id=second.messages.get().pk
            ),
        )


# --- Messages -----------------------------------------------------------------------------------


def test_a_message_at_the_cap_is_accepted_one_character_more_is_refused_clearly():
    ada = UserFactory()
    conversation = start(ada)
    post(ada, conversation, "x" * MESSAGE_MAX_LENGTH)
    with pytest.raises(InvalidInput) as error:
        post(ada, conversation, "x" * (MESSAGE_MAX_LENGTH + 1))
    assert "100,001" in str(error.value.fields["body"][0])


@pytest.mark.parametrize(
    "body",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">click</a>',
    ],
)
def test_script_event_handlers_and_javascript_links_never_reach_readers(body):
    ada = UserFactory()
    message = post(ada, start(ada), body)
    elements = ElementCollector.of(message.body_html)
    assert "script" not in {tag for tag, _attrs in elements}
    for _tag, attrs in elements:
        assert not any(name.startswith("on") for name, _value in attrs)
        assert not any(
            (value or "").strip().lower().startswith("javascript:") for _name, value in attrs
        )


class ElementCollector(HTMLParser):
    """The elements and attributes a browser would build from some HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))

    @classmethod
    def of(cls, html):
        parser = cls()
        parser.feed(html)
        return parser.elements


def test_only_participants_post():
    conversation = start(UserFactory())
    with pytest.raises(Forbidden):
        post(UserFactory(), conversation)


def test_nobody_can_post_in_a_private_conversation_they_cannot_see():
    conversation = start(UserFactory(), visibility=Visibility.PRIVATE)
    with pytest.raises(NotFound):
        post(UserFactory(), conversation)


def test_a_double_submit_gives_one_message():
    ada = UserFactory()
    conversation = start(ada)
    first = post(ada, conversation, "Once", client_token="form-1")
    second = post(ada, conversation, "Once", client_token="form-1")
    assert first == second
    assert conversation.messages.count() == 2  # the opening message and this one


def test_replying_to_a_message_of_another_conversation_is_refused():
    ada = UserFactory()
    here, elsewhere = start(ada), start(ada)
    with pytest.raises(InvalidInput) as error:
        post(ada, here, reply_to_id=elsewhere.messages.get().pk)
    assert "reply_to" in error.value.fields


def test_a_reply_quotes_a_passage_and_notifies_the_author():
    ada, bob = UserFactory(), UserFactory()
    conversation = start(ada, body="Rivers shape cities.")
    join(conversation, bob)
    reply = post(
        bob,
        conversation,
        "So true",
        reply_to_id=conversation.messages.get().pk,
        quoted_passage="shape cities",
    )
    assert reply.quoted_passage == "shape cities"
    notification = Notification.objects.get(recipient=ada)
    assert notification.kind == "message_reply"
    assert notification.url == reply.get_absolute_url()


def test_mentions_link_to_profiles_and_notify_those_who_can_read():
    ada, bob, cleo = UserFactory(), UserFactory(), UserFactory()
    conversation = start(ada)
    message = post(ada, conversation, f"What do you think, @{bob.handle.upper()}?")
    assert f'href="/@{bob.handle}"' in message.body_html
    assert Notification.objects.filter(recipient=bob, kind="message_mention").exists()
    private = start(ada, visibility=Visibility.PRIVATE)
    post(ada, private, f"@{cleo.handle} is not here")
    assert not Notification.objects.filter(recipient=cleo).exists()


def test_mentions_inside_code_are_not_links():
    ada, bob = UserFactory(), UserFactory()
    message = post(ada, start(ada), f"`@{bob.handle}`")
    assert "/@" not in message.body_html


def test_locked_conversation_refuses_messages():
    ada = UserFactory()
    conversation = start(ada)
    services.conversation_lock(
        actor=ada, conversation_id=conversation.pk, locked=True, reason="A pause"
    )
    with pytest.raises(Forbidden) as error:
        post(ada, conversation)
    assert "locked" in str(error.value.message)


def test_slow_mode_refuses_a_second_message_too_soon_but_not_the_starter():
    ada, bob = UserFactory(), UserFactory()
    conversation = start(ada)
    join(conversation, bob)
    services.conversation_slow_mode_set(actor=ada, conversation_id=conversation.pk, seconds=60)
    post(bob, conversation, "One")
    with pytest.raises(RateLimited) as error:
        post(bob, conversation, "Two")
    assert 0 < error.value.retry_after <= 60
    post(ada, conversation, "The starter is not slowed down")
    post(ada, conversation, "Not at all")


def test_editing_keeps_every_revision():
    ada = UserFactory()
    conversation = start(ada, body="First words")
    message = conversation.messages.get()
    services.message_edit(
        author=ada, conversation_id=conversation.pk, message_id=message.pk, body="Second words"
    )
    services.message_edit(
        author=ada, conversation_id=conversation.pk, message_id=message.pk, body="Third words"
    )
    message.refresh_from_db()
    assert message.body == "Third words"
    assert message.edited_at is not None
    assert [r.body for r in message.revisions.order_by("number")] == ["First words", "Second words"]


def test_only_the_author_edits_or_deletes():
    ada, bob = UserFactory(), UserFactory()
    conversation = start(ada)
    join(conversation, bob)
    message = conversation.messages.get()
    with pytest.raises(Forbidden):
        services.message_edit(
            author=bob, conversation_id=conversation.pk, message_id=message.pk, body="Mine now"
        )
    with pytest.raises(Forbidden):
        services.message_delete(author=bob, conversation_id=conversation.pk, message_id=message.pk)


def test_deleting_leaves_a_tombstone_and_keeps_the_text():
    ada = UserFactory()
    conversation = start(ada, body="Regrettable words")
    message = conversation.messages.get()
    services.message_delete(author=ada, conversation_id=conversation.pk, message_id=message.pk)
    message.refresh_from_db()
    assert message.is_deleted
    assert message.body == "Regrettable words"  # kept for restoration, never shown
    with pytest.raises(Conflict):
        services.message_edit(
            author=ada, conversation_id=conversation.pk, message_id=message.pk, body="x"
        )


def test_events_are_published_for_new_edited_and_deleted_messages():
    ada = UserFactory()
    conversation = start(ada)
    message = conversation.messages.get()
    services.message_edit(
        author=ada, conversation_id=conversation.pk, message_id=message.pk, body="Edited"
    )
    services.message_delete(author=ada, conversation_id=conversation.pk, message_id=message.pk)
    kinds = list(
        LiveEvent.objects.filter(stream=conversation.live_stream)
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds == ["message.created", "message.edited", "message.deleted"]
    payload = LiveEvent.objects.filter(stream=conversation.live_stream).first().payload
    assert set(payload["html"]) == {"en", "fr"}
    assert "Répondre" in payload["html"]["fr"]


# --- Invitations --------------------------------------------------------------------------------


def test_inviting_members_by_handle_and_verified_email_notifies_them():
    ada, bob, cleo = UserFactory(), UserFactory(), UserFactory()
    conversation = start(ada)
    outcome = services.conversation_invite(
        inviter=ada, conversation_id=conversation.pk, addresses=[f"@{bob.handle}, {cleo.email}"]
    )
    assert set(outcome.invited) == {bob, cleo}
    assert Notification.objects.filter(kind="conversation_invitation").count() == 2


def test_inviting_an_unknown_handle_is_a_clear_error_and_invites_nobody():
    ada, bob = UserFactory(), UserFactory()
    conversation = start(ada)
    with pytest.raises(InvalidInput) as error:
        services.conversation_invite(
            inviter=ada, conversation_id=conversation.pk, addresses=[f"{bob.handle} nobody_here"]
        )
    assert "@nobody_here" in error.value.fields["invitees"][0]
    assert not Invitation.objects.exists()


def test_inviting_twice_gives_one_invitation():
    ada, bob = UserFactory(), UserFactory()
    conversation = start(ada)
    services.conversation_invite(
        inviter=ada, conversation_id=conversation.pk, addresses=[bob.handle]
    )
    services.conversation_invite(
        inviter=ada, conversation_id=conversation.pk, addresses=[bob.handle]
    )
    assert Invitation.objects.filter(invitee=bob).count() == 1


def test_an_invitee_accepts_and_becomes_a_participant():
    ada, bob = UserFactory(), UserFactory()
    conversation = start(ada, visibility=Visibility.PRIVATE)
    services.conversation_invite(
        inviter=ada, conversation_id=conversation.pk, addresses=[bob.handle]
    )
    # Invited, bob may see the private conversation to answer.
    conversation_get_for_viewer(viewer=bob, conversation_id=conversation.pk)
    services.invitation_accept(user=bob, conversation_id=conversation.pk)
    post(bob, conversation, "Thank you for having me")


def test_a_declined_invitation_hides_the_private_conversation_again():
    ada, bob = UserFactory(), UserFactory()
    conversation = start(ada, visibility=Visibility.PRIVATE)
    services.conversation_invite(
        inviter=ada, conversation_id=conversation.pk, addresses=[bob.handle]
    )
    services.invitation_decline(user=bob, conversation_id=conversation.pk)
    with pytest.raises(NotFound):
        conversation_get_for_viewer(viewer=bob, conversation_id=conversation.pk)


def test_when_only_the_starter_invites_participants_cannot():
    ada, bob, cleo = UserFactory(), UserFactory(), UserFactory()
    conversation = start(ada, invite_policy=InvitePolicy.STARTER)
    join(conversation, bob)
    with pytest.raises(Forbidden):
        services.conversation_invite(
            inviter=bob, conversation_id=conversation.pk, addresses=[cleo.handle]
        )


def test_a_person_without_an_account_is_invited_and_claims_it_when_they_arrive(
    mailoutbox, django_capture_on_commit_callbacks
):
    ada = UserFactory()
    conversation = start(ada, title="Bridges")
    with django_capture_on_commit_callbacks(execute=True):
        outcome = services.conversation_invite(
            inviter=ada, conversation_id=conversation.pk, addresses=["grace@example.net"]
        )
    waiting = outcome.waiting[0]
    assert waiting.target_kind == PendingInvitationTargetKind.CONVERSATION
    assert waiting.target_id == conversation.pk
    assert "Bridges" in mailoutbox[0].body
    grace = UserFactory(email="grace@example.net")
    pending_invitations_claim(user=grace, email="grace@example.net")
    assert Invitation.objects.get(invitee=grace).conversation == conversation
    assert PendingInvitation.objects.get().claimed_by == grace


# --- Asking to join, suggesting -----------------------------------------------------------------


def test_a_reader_asks_to_join_and_a_participant_lets_them_in():
    ada, reader = UserFactory(), UserFactory()
    conversation = start(ada)
    request = services.join_request_create(
        requester=reader, conversation_id=conversation.pk, pitch="I live by a river"
    )
    assert Notification.objects.filter(recipient=ada, kind="conversation_join_request").exists()
    services.join_request_decide(
        actor=ada, conversation_id=conversation.pk, request_id=request.pk, approve=True
    )
    assert Notification.objects.filter(recipient=reader, kind="conversation_join_approved").exists()
    post(reader, conversation, "Hello")


def test_a_request_answered_twice_is_a_conflict():
    ada, reader = UserFactory(), UserFactory()
    conversation = start(ada)
    request = services.join_request_create(
        requester=reader, conversation_id=conversation.pk, pitch="Please"
    )
    services.join_request_decide(
        actor=ada, conversation_id=conversation.pk, request_id=request.pk, approve=False
    )
    with pytest.raises(Conflict):
        services.join_request_decide(
            actor=ada, conversation_id=conversation.pk, request_id=request.pk, approve=True
        )
    assert Notification.objects.filter(recipient=reader, kind="conversation_join_declined").exists()


def test_a_stranger_cannot_answer_requests():
    ada, reader, stranger = UserFactory(), UserFactory(), UserFactory()
    conversation = start(ada)
    request = services.join_request_create(
        requester=reader, conversation_id=conversation.pk, pitch="Please"
    )
    with pytest.raises(Forbidden):
        services.join_request_decide(
            actor=stranger, conversation_id=conversation.pk, request_id=request.pk, approve=True
        )


def test_an_approved_suggestion_becomes_a_message_without_joining():
    ada, reader = UserFactory(), UserFactory()
    conversation = start(ada)
    suggestion = services.suggestion_create(
        requester=reader, conversation_id=conversation.pk, body="Have you seen the Loire?"
    )
    services.join_request_decide(
        actor=ada, conversation_id=conversation.pk, request_id=suggestion.pk, approve=True
    )
    message = Message.objects.get(author=reader)
    assert message.approved_by == ada
    assert not Participant.objects.filter(user=reader).exists()


# --- Highlights ---------------------------------------------------------------------------------


def test_highlights_rank_the_passages_most_readers_marked():
    ada = UserFactory()
    conversation = start(ada, body="Rivers shape cities. Bridges shape rivers.")
    message = conversation.messages.get()
    for reader in UserFactory.create_batch(3):
        services.highlight_add(
            user=reader,
            conversation_id=conversation.pk,
            message_id=message.pk,
            passage="Bridges shape rivers.",
        )
    services.highlight_add(
        user=ada,
        conversation_id=conversation.pk,
        message_id=message.pk,
        passage="Rivers shape cities.",
    )
    ranked = highlights_ranked(conversation=conversation)
    assert [(r.passage, r.count) for r in ranked] == [
        ("Bridges shape rivers.", 3),
        ("Rivers shape cities.", 1),
    ]


def test_highlighting_the_same_passage_twice_counts_once():
    ada = UserFactory()
    conversation = start(ada, body="One passage")
    message = conversation.messages.get()
    for _ in range(2):
        services.highlight_add(
            user=ada, conversation_id=conversation.pk, message_id=message.pk, passage="One passage"
        )
    assert Highlight.objects.count() == 1


# --- The room -----------------------------------------------------------------------------------


def test_removing_a_participant_is_logged_and_they_are_told_why():
    ada, bob = UserFactory(), UserFactory()
    conversation = start(ada)
    join(conversation, bob)
    post(bob, conversation, "Off topic")
    services.participant_remove(
        actor=ada, conversation_id=conversation.pk, handle=bob.handle, reason="Off topic, again"
    )
    with pytest.raises(Forbidden):
        post(bob, conversation, "Again")
    entry = conversation.room_log.get()
    assert (entry.action, entry.actor, entry.subject, entry.reason) == (
        RoomAction.REMOVE_PARTICIPANT,
        ada,
        bob,
        "Off topic, again",
    )
    notification = Notification.objects.get(recipient=bob, kind="conversation_participant_removed")
    assert notification.params["reason"] == "Off topic, again"
    assert Message.objects.filter(author=bob).exists()  # their words stay


def test_a_removed_person_cannot_ask_to_join_or_be_invited_back_by_others():
    ada, bob, cleo = UserFactory(), UserFactory(), UserFactory()
    conversation = start(ada)
    join(conversation, bob)
    join(conversation, cleo)
    services.participant_remove(
        actor=ada, conversation_id=conversation.pk, handle=bob.handle, reason="Rude"
    )
    with pytest.raises(Forbidden):
        services.join_request_create(requester=bob, conversation_id=conversation.pk, pitch="Sorry")
    with pytest.raises(Forbidden):
        services.conversation_invite(
            inviter=cleo, conversation_id=conversation.pk, addresses=[bob.handle]
        )
    services.conversation_invite(
        inviter=ada, conversation_id=conversation.pk, addresses=[bob.handle]
    )
    services.invitation_accept(user=bob, conversation_id=conversation.pk)
    post(bob, conversation, "Back, and sorry")


def test_only_the_starter_or_a_moderator_manages_the_room():
    ada, bob = UserFactory(), UserFactory()
    conversation = start(ada)
    join(conversation, bob)
    with pytest.raises(Forbidden):
        services.conversation_lock(
            actor=bob, conversation_id=conversation.pk, locked=True, reason="Mine"
        )
    moderator = ModeratorFactory()
    services.conversation_lock(
        actor=moderator, conversation_id=conversation.pk, locked=True, reason="Heated"
    )
    assert conversation.room_log.get().actor == moderator


def test_locking_needs_a_reason():
    ada = UserFactory()
    conversation = start(ada)
    with pytest.raises(InvalidInput):
        services.conversation_lock(
            actor=ada, conversation_id=conversation.pk, locked=True, reason=" "
        )


def test_the_starter_cannot_be_removed_or_leave():
    ada = UserFactory()
    conversation = start(ada)
    with pytest.raises(Forbidden):
        services.participant_remove(
            actor=ModeratorFactory(), conversation_id=conversation.pk, handle=ada.handle, reason="x"
        )
    with pytest.raises(Forbidden):
        services.conversation_leave(user=ada, conversation_id=conversation.pk)


def test_settings_changes_are_logged_with_before_and_after():
    ada = UserFactory()
    conversation = start(ada)
    services.conversation_settings_update(
        actor=ada,
        conversation_id=conversation.pk,
        title="New title",
        visibility=Visibility.UNLISTED,
        invite_policy=InvitePolicy.STARTER,
    )
    entry = conversation.room_log.get()
    assert entry.changes["visibility"] == ["public", "unlisted"]


# --- Reading ------------------------------------------------------------------------------------


def test_pages_are_keyset_pages_in_reading_order():
    ada = UserFactory()
    conversation = start(ada, body="m0")
    for n in range(1, 7):
        post(ada, conversation, f"m{n}")
    first = messages_page(conversation=conversation, size=3)
    assert [m.body for m in first.messages] == ["m0", "m1", "m2"]
    assert first.older is None
    second = messages_page(conversation=conversation, after=first.newer, size=3)
    assert [m.body for m in second.messages] == ["m3", "m4", "m5"]
    last = messages_page(conversation=conversation, latest=True, size=3)
    assert [m.body for m in last.messages] == ["m4", "m5", "m6"]
    assert last.is_last
    back = messages_page(conversation=conversation, before=last.older, size=3)
    assert [m.body for m in back.messages] == ["m1", "m2", "m3"]


def test_unlisted_and_public_are_readable_by_anyone_private_only_by_participants():
    from django.contrib.auth.models import AnonymousUser

    ada = UserFactory()
    for visibility in (Visibility.PUBLIC, Visibility.UNLISTED):
        conversation = start(ada, visibility=visibility)
        conversation_get_for_viewer(viewer=AnonymousUser(), conversation_id=conversation.pk)
    private = start(ada, visibility=Visibility.PRIVATE)
    for viewer in (AnonymousUser(), UserFactory(), ModeratorFactory()):
        with pytest.raises(NotFound):
            conversation_get_for_viewer(viewer=viewer, conversation_id=private.pk)
    assert timezone.now()


def test_inviting_a_linked_identity_invites_the_member_who_linked_it():
    from allauth.socialaccount.models import SocialAccount

    ada, octo = UserFactory(), UserFactory()
    SocialAccount.objects.create(
        user=octo, provider="github", uid="7", extra_data={"login": "octocat"}
    )
    conversation = start(ada)
    outcome = services.conversation_invite(
        inviter=ada, conversation_id=conversation.pk, addresses=["github:OctoCat"]
    )
    assert outcome.invited == [octo]
    assert not PendingInvitation.objects.exists()
