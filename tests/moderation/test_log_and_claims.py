"""The log cannot be altered, by the application or by SQL; concurrent claims have one winner."""

import threading

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, connections, transaction

from perchoir.core.errors import Conflict
from perchoir.moderation import services
from perchoir.moderation.guard import guard_create_sql, guard_drop_sql
from perchoir.moderation.log import log_append
from perchoir.moderation.models import Case, LogEntry
from tests.factories import ModeratorFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(db):
    return log_append(actor=ModeratorFactory(), verb="action.warning", reason="Rude.")


def test_saving_an_entry_again_is_refused(entry):
    entry.reason = "Polite."
    with pytest.raises(PermissionError):
        entry.save()
    assert LogEntry.objects.get(pk=entry.pk).reason == "Rude."


def test_deleting_an_entry_is_refused(entry):
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        LogEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(PermissionError):
        LogEntry.objects.filter(pk=entry.pk).update(reason="Polite.")
    assert LogEntry.objects.filter(pk=entry.pk).exists()


def test_the_database_refuses_updates_and_deletes(entry):
    for statement in (
        "UPDATE moderation_logentry SET reason = 'Polite.' WHERE id = %s",
        "DELETE FROM moderation_logentry WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="cannot be changed"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [entry.pk])
    assert LogEntry.objects.get(pk=entry.pk).reason == "Rude."


def test_the_guard_exists_for_both_engines():
    assert guard_create_sql("sqlite")
    assert guard_drop_sql("sqlite")
    assert guard_create_sql("postgresql")
    assert guard_drop_sql("postgresql")


@pytest.mark.django_db(transaction=True)
def test_two_moderators_claiming_at_once_one_wins_the_other_is_told():
    message_author = UserFactory()
    case = Case.objects.create(
        target_kind="person", target_id=message_author.pk, subject=message_author
    )
    moderators = [ModeratorFactory(), ModeratorFactory()]
    barrier = threading.Barrier(2)
    outcomes: dict[int, str] = {}

    def claim(index: int) -> None:
        try:
            barrier.wait()
            services.case_claim(moderator=moderators[index], case_id=case.pk)
            outcomes[index] = "won"
        except Conflict as error:
            outcomes[index] = str(error.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()).count("won") == 1
    loser = next(i for i, outcome in outcomes.items() if outcome != "won")
    winner = 1 - loser
    assert f"@{moderators[winner].handle}" in outcomes[loser]
    case.refresh_from_db()
    assert case.claimed_by == moderators[winner]


@pytest.mark.django_db(transaction=True)
def test_emptying_the_whole_database_lifts_the_guard_and_puts_it_back():
    log_append(actor=None, verb="system.test")
    call_command("flush", interactive=False, verbosity=0)
    assert not LogEntry.objects.exists()
    entry = log_append(actor=None, verb="system.test")
    with (
        pytest.raises(DatabaseError, match="cannot be changed"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM moderation_logentry WHERE id = %s", [entry.pk])
