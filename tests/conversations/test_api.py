"""Every operation of /api/v1/conversations, on its happy path: the same services as the pages."""

import pytest

from perchoir.conversations.models import (
    Conversation,
    Invitation,
    JoinRequestKind,
    Message,
    Participant,
    RequestStatus,
    RoomAction,
    Visibility,
)
from perchoir.invitations.models import PendingInvitation
from perchoir.notifications.models import Notification
from tests.factories import ModeratorFactory, UserFactory

from .factories import (
    ConversationFactory,
    HighlightFactory,
    InvitationFactory,
    JoinRequestFactory,
    MessageFactory,
)

pytestmark = pytest.mark.django_db


# --- Lists --------------------------------------------------------------------------------------


def test_anonymous_list_shows_public_conversations_most_recently_active_first(api_as):
    older = ConversationFactory(title="Older")
    newer = ConversationFactory(title="Newer")
    ConversationFactory(visibility=Visibility.UNLISTED, title="Unlisted")
    ConversationFactory(visibility=Visibility.PRIVATE, title="Private")
    MessageFactory(conversation=newer)  # activity moves it to the top

    response = api_as(None).get()

    assert response.status_code == 200
    body = response.json()
    assert [c["title"] for c in body["results"]] == ["Newer", "Older"]
    first = body["results"][0]
    assert first["url"] == f"http://testserver/c/{newer.pk}/"
    assert first["starter"]["handle"] == newer.starter.handle
    assert first["message_count"] == 1
    assert older.pk in {c["id"] for c in body["results"]}


def test_list_pages_with_a_cursor(api_as):
    ids = [ConversationFactory().pk for _ in range(5)]
    api = api_as(None)
    seen: list[int] = []
    url_params: dict[str, object] = {"page_size": 2}
    while True:
        body = api.get("", **url_params).json()
        seen += [c["id"] for c in body["results"]]
        if body["next"] is None:
            break
        url_params = {"page_size": 2, "cursor": body["next"].split("cursor=")[1].split("&")[0]}
    assert sorted(seen) == sorted(ids)
    assert len(seen) == len(set(seen)) == 5


def test_mine_lists_the_members_conversations_whatever_their_visibility(api_as, member):
    private = ConversationFactory(visibility=Visibility.PRIVATE, participants=[member])
    started = ConversationFactory(starter=member, visibility=Visibility.UNLISTED)
    ConversationFactory()  # public, not theirs
    left = ConversationFactory(participants=[member])
    Participant.objects.filter(conversation=left, user=member).delete()

    body = api_as(member).get("", mine="true").json()

    assert {c["id"] for c in body["results"]} == {private.pk, started.pk}


def test_mine_asks_an_anonymous_caller_to_sign_in(api_as):
    response = api_as(None).get("", mine="true")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


# --- Starting and reading -----------------------------------------------------------------------


def test_member_starts_a_conversation_and_invites_people(api_as, member):
    ada = UserFactory(handle="ada")
    response = api_as(member).post(
        "",
        {
            "title": "Rivers",
            "body": "Which city has the **most beautiful** river?",
            "visibility": "private",
            "invite_policy": "starter",
            "invitees": ["@ada", "grace@example.net"],
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    conversation = Conversation.objects.get(pk=body["id"])
    assert body["title"] == "Rivers"
    assert body["visibility"] == "private"
    assert body["invite_policy"] == "starter"
    assert body["message_count"] == 1
    assert body["viewer"]["role"] == "starter"
    assert body["viewer"]["can_manage_room"] is True
    assert conversation.messages.get().body_html == (
        "<p>Which city has the <strong>most beautiful</strong> river?</p>\n"
    )
    assert Invitation.objects.filter(conversation=conversation, invitee=ada).exists()
    assert PendingInvitation.objects.filter(email="grace@example.net").exists()


def test_title_comes_from_the_first_line_when_none_is_given(api_as, member):
    body = api_as(member).post("", {"body": "# Night trains\n\nAre they back?"}).json()
    assert body["title"] == "Night trains"


def test_member_starts_a_conversation_from_a_link(api_as, member):
    response = api_as(member).post("", {"link_url": "https://example.org/article"})

    assert response.status_code == 201
    body = response.json()
    assert body["link_url"] == "https://example.org/article"
    assert body["link_preview"]["url"] == "https://example.org/article"
    assert body["link_preview"]["status"] == "pending"
    assert body["message_count"] == 0


def test_member_branches_off_a_passage_of_another_message(api_as, member):
    source = ConversationFactory(title="Source")
    message = MessageFactory(conversation=source, body="Rivers shape cities more than roads.")
    response = api_as(member).post(
        "",
        {
            "body": "Let us talk about roads.",
            "branch_conversation_id": source.pk,
            "branch_message_id": message.pk,
            "passage": "more than  roads",
        },
    )

    assert response.status_code == 201, response.json()
    origin = response.json()["branched_from"]
    assert origin == {
        "conversation_id": source.pk,
        "message_id": message.pk,
        "title": "Source",
        "passage": "more than roads",
        "url": f"http://testserver/c/{source.pk}/m/{message.pk}/",
    }
    branches = api_as(None).get(f"/{source.pk}/messages/{message.pk}").json()["branches"]
    assert [b["id"] for b in branches] == [response.json()["id"]]


def test_a_branch_of_a_private_conversation_does_not_show_its_title(api_as, member):
    source = ConversationFactory(
        title="Secret plans", visibility=Visibility.PRIVATE, participants=[member]
    )
    message = MessageFactory(conversation=source, body="A public thought.")
    branch = (
        api_as(member)
        .post(
            "",
            {
                "body": "Out in the open",
                "branch_conversation_id": source.pk,
                "branch_message_id": message.pk,
            },
        )
        .json()
    )

    seen = api_as(None).get(f"/{branch['id']}").json()

    assert seen["branched_from"]["title"] is None
    assert "Secret plans" not in str(seen)


def test_anonymous_reader_gets_a_conversation_and_what_they_may_do(api_as):
    conversation = ConversationFactory(title="Open talk")

    body = api_as(None).get(f"/{conversation.pk}").json()

    assert body["title"] == "Open talk"
    assert body["link_preview"] is None
    assert body["branched_from"] is None
    viewer = body["viewer"]
    assert viewer["participant"] is False
    assert viewer["pending_requests"] is None
    assert not any(value for key, value in viewer.items() if key.startswith("can_"))


def test_participant_sees_pending_requests_and_reader_sees_their_own(api_as, member):
    conversation = ConversationFactory(participants=[member])
    asker = UserFactory()
    JoinRequestFactory(conversation=conversation, requester=asker)

    mine = api_as(member).get(f"/{conversation.pk}").json()["viewer"]
    theirs = api_as(asker).get(f"/{conversation.pk}").json()["viewer"]

    assert mine["pending_requests"] == 1
    assert mine["can_post"] is True
    assert mine["can_leave"] is True
    assert theirs["asked_to_join"] is True
    assert theirs["can_suggest"] is True


def test_participants_are_listed_in_the_order_they_joined(api_as):
    first, second = UserFactory(), UserFactory()
    conversation = ConversationFactory(participants=[first, second])

    body = api_as(None).get(f"/{conversation.pk}/participants").json()

    assert [p["person"]["handle"] for p in body] == [
        conversation.starter.handle,
        first.handle,
        second.handle,
    ]
    assert [p["role"] for p in body] == ["starter", "participant", "participant"]
    assert body[0]["person"]["profile_url"] == f"http://testserver/@{conversation.starter.handle}"


# --- Messages -----------------------------------------------------------------------------------


def test_messages_page_forward_and_back_by_keyset(api_as):
    conversation = ConversationFactory()
    ids = [MessageFactory(conversation=conversation).pk for _ in range(5)]
    api = api_as(None)

    first = api.get(f"/{conversation.pk}/messages", page_size=2).json()
    assert [m["id"] for m in first["results"]] == ids[:2]
    assert first["older"] is None
    assert first["newer"] == ids[1]

    second = api.get(f"/{conversation.pk}/messages", page_size=2, after=first["newer"]).json()
    assert [m["id"] for m in second["results"]] == ids[2:4]
    assert second["older"] == ids[2]
    assert second["newer"] == ids[3]

    back = api.get(f"/{conversation.pk}/messages", page_size=2, before=second["older"]).json()
    assert [m["id"] for m in back["results"]] == ids[:2]

    latest = api.get(f"/{conversation.pk}/messages", page_size=2, latest="true").json()
    assert [m["id"] for m in latest["results"]] == ids[3:]
    assert latest["newer"] is None
    assert latest["older"] == ids[3]


def test_message_shows_its_markdown_html_reply_and_highlights(api_as):
    conversation = ConversationFactory()
    quoted = MessageFactory(conversation=conversation, body="The Seine is calm.")
    reply = MessageFactory(
        conversation=conversation, body="Not in *winter*.", reply_to=quoted, quoted_passage="calm"
    )
    HighlightFactory(message=reply, passage="winter")

    body = api_as(None).get(f"/{conversation.pk}/messages/{reply.pk}").json()

    assert body["body"] == "Not in *winter*."
    assert body["body_html"] == "<p>Not in <em>winter</em>.</p>\n"
    assert body["url"] == f"http://testserver/c/{conversation.pk}/m/{reply.pk}/"
    assert body["author"]["handle"] == conversation.starter.handle
    assert body["author"]["avatar_url"] is None
    assert body["reply_to"]["id"] == quoted.pk
    assert body["reply_to"]["deleted"] is False
    assert body["quoted_passage"] == "calm"
    assert body["highlight_count"] == 1
    assert body["deleted"] is False


def test_participant_posts_a_message(api_as, member):
    conversation = ConversationFactory(participants=[member])
    quoted = MessageFactory(conversation=conversation, body="Paris or Prague?")

    response = api_as(member).post(
        f"/{conversation.pk}/messages",
        {
            "body": "Prague, @" + conversation.starter.handle,
            "reply_to_id": quoted.pk,
            "quoted_passage": "Prague",
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    message = Message.objects.get(pk=body["id"])
    assert message.author == member
    assert body["author"]["handle"] == member.handle
    assert body["reply_to"]["id"] == quoted.pk
    assert body["quoted_passage"] == "Prague"
    assert f'href="/@{conversation.starter.handle}"' in body["body_html"]
    # The starter is told of the reply (once, though also mentioned).
    assert Notification.objects.filter(recipient=conversation.starter).count() == 1


def test_author_edits_a_message_and_the_history_keeps_the_first_version(api_as, member):
    conversation = ConversationFactory(participants=[member])
    message = MessageFactory(conversation=conversation, author=member, body="Frist try")
    api = api_as(member)

    response = api.patch(f"/{conversation.pk}/messages/{message.pk}", {"body": "First try"})

    assert response.status_code == 200
    assert response.json()["body"] == "First try"
    assert response.json()["edited_at"] is not None
    assert response.json()["revision_count"] == 1
    history = api_as(None).get(f"/{conversation.pk}/messages/{message.pk}/history").json()
    assert [(r["number"], r["body"]) for r in history] == [(1, "Frist try")]
    assert history[0]["body_html"] == "<p>Frist try</p>\n"


def test_author_deletes_a_message_a_tombstone_without_its_text_remains(api_as, member):
    conversation = ConversationFactory(participants=[member])
    message = MessageFactory(conversation=conversation, author=member, body="Regrettable words")
    MessageFactory(
        conversation=conversation, body="Unrelated", reply_to=message, quoted_passage="Regrettable"
    )
    api = api_as(member)
    api.patch(f"/{conversation.pk}/messages/{message.pk}", {"body": "Even worse words"})

    response = api.delete(f"/{conversation.pk}/messages/{message.pk}")

    assert response.status_code == 200
    tombstone = response.json()
    assert tombstone["deleted"] is True
    assert tombstone["body"] is None
    assert tombstone["body_html"] is None
    listed = api_as(None).get(f"/{conversation.pk}/messages").json()["results"]
    assert "Regrettable" not in str(listed)
    assert "worse" not in str(listed)
    assert listed[0]["deleted"] is True
    assert listed[1]["reply_to"]["deleted"] is True
    assert listed[1]["quoted_passage"] == ""
    history = api_as(None).get(f"/{conversation.pk}/messages/{message.pk}/history")
    assert history.status_code == 200
    assert history.json() == []


# --- Highlights ---------------------------------------------------------------------------------


def test_reader_highlights_a_passage_then_removes_it(api_as, member):
    conversation = ConversationFactory()
    message = MessageFactory(conversation=conversation, body="Rivers are the memory of a city.")
    api = api_as(member)

    added = api.post(
        f"/{conversation.pk}/messages/{message.pk}/highlights", {"passage": "the memory  of"}
    )
    again = api.post(
        f"/{conversation.pk}/messages/{message.pk}/highlights", {"passage": "the memory of"}
    )

    assert added.status_code == 201
    assert again.status_code == 200
    assert added.json()["id"] == again.json()["id"]
    assert added.json()["passage"] == "the memory of"
    removed = api.delete(f"/{conversation.pk}/highlights/{added.json()['id']}")
    assert removed.status_code == 204
    assert api_as(None).get(f"/{conversation.pk}/highlights").json() == []


def test_highlights_are_ranked_by_how_many_readers_marked_them(api_as):
    conversation = ConversationFactory()
    message = MessageFactory(conversation=conversation, body="Bridges and rivers, always rivers.")
    for _ in range(3):
        HighlightFactory(message=message, passage="always rivers")
    HighlightFactory(message=message, passage="Bridges")

    body = api_as(None).get(f"/{conversation.pk}/highlights").json()

    assert [(h["passage"], h["count"]) for h in body] == [("always rivers", 3), ("Bridges", 1)]
    assert body[0]["message_id"] == message.pk
    assert body[0]["author"]["handle"] == conversation.starter.handle


# --- People -------------------------------------------------------------------------------------


def test_participant_invites_handles_emails_and_sees_who_was_already_in(api_as, member):
    conversation = ConversationFactory(participants=[member])
    ada = UserFactory(handle="ada")
    grace = UserFactory(handle="grace", email="grace@example.org")

    response = api_as(member).post(
        f"/{conversation.pk}/invitations",
        {"addresses": ["@ada, grace@example.org", conversation.starter.handle, "lin@example.net"]},
    )

    assert response.status_code == 200, response.json()
    assert sorted(response.json()["invited"]) == ["ada", "grace"]
    assert response.json()["already_in"] == [conversation.starter.handle]
    assert response.json()["waiting"] == ["lin@example.net"]
    assert {i.invitee for i in Invitation.objects.filter(conversation=conversation)} == {ada, grace}


def test_invitee_accepts_and_takes_part(api_as, member):
    invitation = InvitationFactory(invitee=member, conversation__visibility=Visibility.PRIVATE)
    conversation = invitation.conversation

    response = api_as(member).post(f"/{conversation.pk}/invitation/accept")

    assert response.status_code == 200
    assert response.json()["person"]["handle"] == member.handle
    assert response.json()["role"] == "participant"
    viewer = api_as(member).get(f"/{conversation.pk}").json()["viewer"]
    assert viewer["participant"] is True
    assert viewer["invited"] is False
    assert viewer["can_post"] is True


def test_invitee_declines_and_a_private_conversation_disappears(api_as, member):
    invitation = InvitationFactory(invitee=member, conversation__visibility=Visibility.PRIVATE)
    conversation = invitation.conversation
    api = api_as(member)

    assert api.post(f"/{conversation.pk}/invitation/decline").status_code == 204

    invitation.refresh_from_db()
    assert invitation.status == RequestStatus.DECLINED
    assert api.get(f"/{conversation.pk}").status_code == 404


def test_reader_asks_to_join_and_a_participant_approves(api_as, member):
    participant = UserFactory()
    conversation = ConversationFactory(participants=[participant])
    asker = api_as(member)

    asked = asker.post(f"/{conversation.pk}/join-requests", {"pitch": "I live by the Danube."})
    asked_again = asker.post(f"/{conversation.pk}/join-requests", {"pitch": "Please?"})

    assert asked.status_code == 201, asked.json()
    assert asked_again.status_code == 200
    assert asked_again.json()["id"] == asked.json()["id"]
    assert asked.json()["kind"] == "join"
    assert asked.json()["body"] == "I live by the Danube."
    pending = api_as(participant).get(f"/{conversation.pk}/requests").json()
    assert [(r["id"], r["requester"]["handle"]) for r in pending] == [
        (asked.json()["id"], member.handle)
    ]

    approved = api_as(participant).post(f"/{conversation.pk}/requests/{asked.json()['id']}/approve")

    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    assert asker.get(f"/{conversation.pk}").json()["viewer"]["participant"] is True
    assert api_as(participant).get(f"/{conversation.pk}/requests").json() == []


def test_reader_suggests_a_message_and_a_participant_approves_it(api_as, member):
    conversation = ConversationFactory()
    suggested = api_as(member).post(
        f"/{conversation.pk}/suggestions", {"body": "The Vltava *sings*."}
    )

    assert suggested.status_code == 201, suggested.json()
    assert suggested.json()["kind"] == "suggestion"
    assert suggested.json()["body_html"] == "<p>The Vltava <em>sings</em>.</p>\n"

    approved = (
        api_as(conversation.starter)
        .post(f"/{conversation.pk}/requests/{suggested.json()['id']}/approve")
        .json()
    )

    message = api_as(None).get(f"/{conversation.pk}/messages/{approved['message_id']}").json()
    assert message["author"]["handle"] == member.handle
    assert message["suggested"] is True
    assert message["body"] == "The Vltava *sings*."


def test_participant_declines_a_request(api_as, member):
    conversation = ConversationFactory(participants=[member])
    request = JoinRequestFactory(conversation=conversation, kind=JoinRequestKind.SUGGESTION)

    response = api_as(member).post(f"/{conversation.pk}/requests/{request.pk}/decline")

    assert response.status_code == 200
    assert response.json()["status"] == "declined"
    assert not Message.objects.filter(conversation=conversation).exists()


def test_participant_leaves(api_as, member):
    conversation = ConversationFactory(participants=[member])
    api = api_as(member)

    assert api.post(f"/{conversation.pk}/leave").status_code == 204

    assert api.get(f"/{conversation.pk}").json()["viewer"]["participant"] is False


def test_the_starter_cannot_leave(api_as):
    conversation = ConversationFactory()
    response = api_as(conversation.starter).post(f"/{conversation.pk}/leave")
    assert response.status_code == 403
    assert "keeps it" in response.json()["error"]["message"]


# --- The room -----------------------------------------------------------------------------------


def test_starter_locks_and_unlocks_and_the_room_log_says_why(api_as):
    conversation = ConversationFactory()
    api = api_as(conversation.starter)

    locked = api.post(f"/{conversation.pk}/lock", {"reason": "Cooling off"})
    unlocked = api.post(f"/{conversation.pk}/unlock", {"reason": ""})

    assert locked.status_code == 200
    assert locked.json()["locked"] is True
    assert locked.json()["viewer"]["can_post"] is False
    assert unlocked.json()["locked"] is False
    log = api.get(f"/{conversation.pk}/room-log").json()
    assert [(e["action"], e["reason"]) for e in log["results"]] == [
        (RoomAction.UNLOCK, ""),
        (RoomAction.LOCK, "Cooling off"),
    ]
    assert log["results"][1]["actor"]["handle"] == conversation.starter.handle


def test_moderator_sets_slow_mode(api_as):
    conversation = ConversationFactory()
    moderator = ModeratorFactory()

    response = api_as(moderator).put(
        f"/{conversation.pk}/slow-mode", {"seconds": 60, "reason": "Heated"}
    )

    assert response.status_code == 200
    assert response.json()["slow_mode_seconds"] == 60
    entry = api_as(moderator).get(f"/{conversation.pk}/room-log").json()["results"][0]
    assert entry["changes"] == {"slow_mode_seconds": [0, 60]}
    assert entry["actor"]["handle"] == moderator.handle


def test_starter_removes_a_participant_who_is_told_why(api_as):
    removed = UserFactory()
    conversation = ConversationFactory(participants=[removed])

    response = api_as(conversation.starter).post(
        f"/{conversation.pk}/participants/{removed.handle}/remove", {"reason": "Spam"}
    )

    assert response.status_code == 200
    assert response.json()["person"]["handle"] == removed.handle
    listed = api_as(None).get(f"/{conversation.pk}/participants").json()
    assert removed.handle not in [p["person"]["handle"] for p in listed]
    assert Notification.objects.get(recipient=removed).params["reason"] == "Spam"
    viewer = api_as(removed).get(f"/{conversation.pk}").json()["viewer"]
    assert viewer["removed"] is True
    assert viewer["can_ask_to_join"] is False
    entry = api_as(conversation.starter).get(f"/{conversation.pk}/room-log").json()["results"][0]
    assert entry["subject"]["handle"] == removed.handle


def test_starter_changes_the_settings(api_as):
    conversation = ConversationFactory()

    response = api_as(conversation.starter).put(
        f"/{conversation.pk}/settings",
        {"title": "  Better   title ", "visibility": "unlisted", "invite_policy": "starter"},
    )

    assert response.status_code == 200
    assert response.json()["title"] == "Better title"
    assert response.json()["visibility"] == "unlisted"
    assert response.json()["invite_policy"] == "starter"
    assert api_as(None).get("").json()["results"] == []


def test_room_log_pages_newest_first(api_as):
    conversation = ConversationFactory()
    api = api_as(conversation.starter)
    for seconds in (10, 20, 30):
        api.put(f"/{conversation.pk}/slow-mode", {"seconds": seconds})

    first = api.get(f"/{conversation.pk}/room-log", page_size=2).json()

    assert [e["changes"]["slow_mode_seconds"][1] for e in first["results"]] == [30, 20]
    assert first["next"] is not None


# --- Personal access tokens ---------------------------------------------------------------------


def test_a_token_reads_a_private_conversation_and_posts_in_it(api_token, member):
    conversation = ConversationFactory(visibility=Visibility.PRIVATE, participants=[member])
    api = api_token(member)

    assert api.get(f"/{conversation.pk}").status_code == 200
    posted = api.post(f"/{conversation.pk}/messages", {"body": "From a script"})

    assert posted.status_code == 201
    assert api.get(f"/{conversation.pk}/messages").json()["results"][0]["body"] == "From a script"


def test_a_wrong_token_is_refused_even_where_anonymous_reading_is_allowed(client):
    conversation = ConversationFactory()
    response = client.get(
        f"/api/v1/conversations/{conversation.pk}", HTTP_AUTHORIZATION="Bearer pch_wrong"
    )
    assert response.status_code == 401


def test_session_writes_need_the_csrf_token(member):
    from django.test import Client

    conversation = ConversationFactory(participants=[member])
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)

    response = client.post(
        f"/api/v1/conversations/{conversation.pk}/messages",
        {"body": "Hello"},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"
    assert not Message.objects.exists()
    # Reading needs no CSRF token.
    assert client.get(f"/api/v1/conversations/{conversation.pk}").status_code == 200
