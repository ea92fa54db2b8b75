"""Sending notifications: to whom, in the app and by email as each person chose, in their words."""

import pytest
from allauth.account.models import EmailAddress
from django.utils import translation

from perchoir.core.errors import InvalidInput, NotFound
from perchoir.notifications import services
from perchoir.notifications.kinds import KIND_SPECS, notification_describe
from perchoir.notifications.models import Notification, NotificationKind
from perchoir.notifications.selectors import notification_preferences_get
from tests.factories import UserFactory

from .conftest import URL

pytestmark = pytest.mark.django_db

EMAILED_BY_DEFAULT = {
    NotificationKind.CONVERSATION_INVITATION,
    NotificationKind.CONVERSATION_JOIN_REQUEST,
    NotificationKind.MESSAGE_REPLY,
    NotificationKind.MESSAGE_MENTION,
    # Collections (C3): like a conversation's invitations and requests, they wait for an answer.
    NotificationKind.COLLECTION_SUBMISSION,
    NotificationKind.COLLECTION_CONTRIBUTOR_INVITATION,
    NotificationKind.COLLECTION_CONTRIBUTION_REQUEST,
    # Removed by the owner, with the reason (issue 6 item 8): what they added is gone.
    NotificationKind.COLLECTION_ITEM_REMOVED,
    NotificationKind.COLLECTION_CONTRIBUTOR_REMOVED,
    # Moderators' decisions and their outcomes (D4, D5): statements of reasons go by email too.
    NotificationKind.MODERATION_STATEMENT,
    NotificationKind.MODERATION_REPORT_OUTCOME,
    NotificationKind.MODERATION_APPEAL_DECIDED,
    NotificationKind.MODERATION_ACTION_UNDONE,
}


def test_a_notification_is_unread_and_says_who_did_what_where(member, ada, notify):
    notification = notify(member, kind=NotificationKind.CONVERSATION_INVITATION)
    assert notification is not None
    assert notification.is_unread
    assert notification.recipient == member
    assert notification.url == URL
    with translation.override("en"):
        assert notification_describe(notification) == "Ada Lovelace invited you to “Birds of Paris”"


@pytest.mark.parametrize(
    ("kind", "params", "sentence"),
    [
        (
            NotificationKind.CONVERSATION_JOIN_REQUEST,
            {"title": "Birds", "excerpt": "I watch\n  swifts."},
            "Ada Lovelace asks to join “Birds”: I watch swifts.",
        ),
        (
            NotificationKind.CONVERSATION_JOIN_APPROVED,
            {"title": "Birds"},
            "Your request to join “Birds” was approved",
        ),
        (
            NotificationKind.CONVERSATION_SUGGESTION,
            {"title": "Birds"},
            "Ada Lovelace suggested a message in “Birds”",
        ),
        (
            NotificationKind.MESSAGE_MENTION,
            {},
            "Ada Lovelace mentioned you in a conversation",
        ),
        (
            NotificationKind.CONVERSATION_PARTICIPANT_REMOVED,
            {"title": "Birds", "reason": "Off topic"},
            "You were removed from “Birds”: Off topic",
        ),
        (
            NotificationKind.COLLECTION_ITEM_REMOVED,
            {"title": "Rivers", "item": "The Seine", "reason": "Not about rivers"},
            "Your item “The Seine” was taken out of “Rivers”: Not about rivers",
        ),
        (
            # An item the moderators hid from them is not named.
            NotificationKind.COLLECTION_ITEM_REMOVED,
            {"title": "Rivers", "reason": "Against the rules"},
            "Your item (hidden by the moderators) was taken out of “Rivers”: Against the rules",
        ),
        (
            NotificationKind.COLLECTION_CONTRIBUTOR_REMOVED,
            {"title": "Rivers", "reason": "Spam"},
            "You were removed as a contributor to “Rivers”: Spam",
        ),
    ],
)
def test_each_kind_reads_as_a_sentence_with_what_it_was_given(member, ada, kind, params, sentence):
    notification = services.notification_send(
        recipient=member, kind=kind, actor=ada, url=URL, params=params
    )
    with translation.override("en"):
        assert notification_describe(notification) == sentence


def test_every_kind_has_a_sentence_and_a_label():
    assert set(KIND_SPECS) == set(NotificationKind.values)
    for kind in NotificationKind:
        text = notification_describe(Notification(kind=kind, params={"title": "T"}))
        assert "%(" not in text
        assert kind.label


def test_when_the_actor_has_left_it_was_someone(member, ada, notify):
    notification = notify(member, kind=NotificationKind.MESSAGE_MENTION)
    ada.delete()
    notification.refresh_from_db()
    with translation.override("en"):
        assert notification_describe(notification) == "Someone mentioned you in “Birds of Paris”"


def test_long_params_are_kept_to_one_clipped_line(member, notify):
    notification = notify(member, excerpt="word " * 200)
    excerpt = notification.params["excerpt"]
    assert len(excerpt) == services.PARAM_MAX_LENGTH
    assert excerpt.endswith("…")
    assert "\n" not in excerpt


def test_nobody_is_notified_of_their_own_doing(ada, notify):
    assert notify(ada, actor=ada) is None
    other = UserFactory()
    count = services.notification_send_many(
        recipients=[ada, other, other],
        kind=NotificationKind.MESSAGE_MENTION,
        actor=ada,
        url=URL,
        params={},
    )
    assert count == 1
    assert list(Notification.objects.values_list("recipient", flat=True)) == [other.pk]


def test_inactive_accounts_are_not_notified(notify, mailoutbox, django_capture_on_commit_callbacks):
    gone = UserFactory(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert notify(gone, kind=NotificationKind.CONVERSATION_INVITATION) is None
    assert not Notification.objects.exists()
    assert mailoutbox == []


@pytest.mark.parametrize("count", [2, 20])
def test_notifying_many_people_takes_the_same_few_queries(
    ada, count, django_assert_num_queries, django_capture_on_commit_callbacks
):
    people = [UserFactory() for _ in range(count)]
    services.notification_preferences_update(
        user=people[0], preferences={NotificationKind.MESSAGE_MENTION: (False, True)}
    )
    # Blocks (nobody hears from someone across a block), preferences, the insert, the verified
    # addresses.
    with django_assert_num_queries(4):
        made = services.notification_send_many(
            recipients=people,
            kind=NotificationKind.MESSAGE_MENTION,
            actor=ada,
            url=URL,
            params={"title": "Birds"},
        )
    assert made == count - 1
    assert Notification.objects.count() == count - 1


def test_turning_a_kind_off_on_the_site_keeps_it_out_of_the_list(member, notify):
    services.notification_preferences_update(
        user=member, preferences={NotificationKind.MESSAGE_REPLY: (False, False)}
    )
    assert notify(member, kind=NotificationKind.MESSAGE_REPLY) is None
    assert notify(member, kind=NotificationKind.MESSAGE_MENTION) is not None
    assert list(Notification.objects.values_list("kind", flat=True)) == ["message_mention"]


@pytest.mark.parametrize("kind", list(NotificationKind))
def test_emails_go_by_default_only_for_the_kinds_that_matter(
    member, notify, kind, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(member, kind=kind)
    assert len(mailoutbox) == (1 if kind in EMAILED_BY_DEFAULT else 0)


def test_email_preference_is_honoured_both_ways(
    member, notify, mailoutbox, django_capture_on_commit_callbacks
):
    services.notification_preferences_update(
        user=member,
        preferences={
            NotificationKind.MESSAGE_REPLY: (True, False),
            NotificationKind.CONVERSATION_JOIN_APPROVED: (False, True),
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        notify(member, kind=NotificationKind.MESSAGE_REPLY)
        assert notify(member, kind=NotificationKind.CONVERSATION_JOIN_APPROVED) is None
    assert [message.subject for message in mailoutbox] == [
        "[Perchoir] Your request to join “Birds of Paris” was approved"
    ]
    assert list(Notification.objects.values_list("kind", flat=True)) == ["message_reply"]


def test_the_email_leaves_after_commit_with_the_link_and_a_way_to_change_settings(
    member, notify, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://perchoir.example"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(member, kind=NotificationKind.MESSAGE_MENTION, excerpt="Look at this swift")
    assert mailoutbox == []  # nothing before the transaction commits
    for callback in callbacks:
        callback()
    (email,) = mailoutbox
    assert email.to == [member.email]
    assert email.subject == "[Perchoir] Ada Lovelace mentioned you in “Birds of Paris”"
    assert "Ada Lovelace mentioned you in “Birds of Paris”: Look at this swift" in email.body
    assert f"https://perchoir.example{URL}" in email.body
    assert "https://perchoir.example/settings/notifications/" in email.body


def test_the_email_speaks_the_recipients_language(
    notify, mailoutbox, django_capture_on_commit_callbacks
):
    french = UserFactory(language="fr")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        notify(french, kind=NotificationKind.CONVERSATION_INVITATION)
    (email,) = mailoutbox
    assert email.subject == "[Perchoir] Ada Lovelace vous invite à rejoindre « Birds of Paris »"
    assert "Ouvrir sur le site :" in email.body
    assert "Pour choisir vos notifications, et comment les recevoir :" in email.body


def test_no_email_to_an_unverified_or_secondary_address(
    notify, mailoutbox, django_capture_on_commit_callbacks
):
    unverified = UserFactory(verified_email=False)
    EmailAddress.objects.create(
        user=unverified, email=unverified.email, verified=False, primary=True
    )
    secondary = UserFactory(verified_email=False)
    EmailAddress.objects.create(user=secondary, email=secondary.email, verified=True)
    with django_capture_on_commit_callbacks(execute=True):
        for person in (unverified, secondary):
            assert notify(person, kind=NotificationKind.CONVERSATION_INVITATION) is not None
    assert mailoutbox == []


def test_a_wrong_kind_or_an_outside_url_is_a_bug_of_the_caller(member, notify):
    with pytest.raises(ValueError, match="kind"):
        notify(member, kind="nothing_like_it")
    for url in ("https://evil.example/", "//evil.example/", "conversations/7/", "/\\evil"):
        with pytest.raises(ValueError, match="local path"):
            notify(member, url=url)
    assert not Notification.objects.exists()


def test_marking_read_one_and_all(member, notify):
    first, *_others = (notify(member) for _ in range(3))
    services.notification_mark_read(user=member, notification_id=first.id)
    read_at = Notification.objects.get(id=first.id).read_at
    assert read_at is not None
    services.notification_mark_read(user=member, notification_id=first.id)
    assert Notification.objects.get(id=first.id).read_at == read_at  # again changes nothing
    assert services.notifications_mark_all_read(user=member) == 2
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_other_peoples_notifications_are_absent(member, notify):
    theirs = notify(UserFactory())
    with pytest.raises(NotFound):
        services.notification_mark_read(user=member, notification_id=theirs.id)
    assert services.notifications_mark_all_read(user=member) == 0
    assert Notification.objects.get(id=theirs.id).is_unread


def test_preferences_start_from_the_defaults_and_keep_what_was_chosen(member):
    before = {p.kind: (p.in_app, p.email) for p in notification_preferences_get(user=member)}
    assert before[NotificationKind.MESSAGE_MENTION] == (True, True)
    assert before[NotificationKind.CONVERSATION_JOIN_DECLINED] == (True, False)
    services.notification_preferences_update(
        user=member, preferences={NotificationKind.MESSAGE_MENTION: (False, False)}
    )
    services.notification_preferences_update(
        user=member, preferences={NotificationKind.MESSAGE_MENTION: (True, False)}
    )
    after = {p.kind: (p.in_app, p.email) for p in notification_preferences_get(user=member)}
    assert after == {**before, NotificationKind.MESSAGE_MENTION: (True, False)}
    assert member.notification_preferences.count() == 1


def test_an_unknown_kind_of_preference_is_refused(member):
    with pytest.raises(InvalidInput) as caught:
        services.notification_preferences_update(
            user=member, preferences={"nothing_like_it": (True, True)}
        )
    assert list(caught.value.fields) == ["kind"]
    assert not member.notification_preferences.exists()
