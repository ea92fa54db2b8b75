"""Django's `flush`, which empties every table, with the moderation log's guard lifted meanwhile.

Emptying the whole database is an administrator's deliberate act (and what test runs do between
tests): on SQLite it deletes rows one table at a time, which the log's trigger would refuse.
PostgreSQL's TRUNCATE does not fire row triggers, but the guard is lifted the same way.
"""

from typing import Any

from django.core.management.commands.flush import Command as FlushCommand
from django.db import DEFAULT_DB_ALIAS, connections

from perchoir.moderation.guard import guard_create_sql, guard_drop_sql


class Command(FlushCommand):
    def handle(self, **options: Any) -> None:
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        with connection.cursor() as cursor:
            tables = connection.introspection.table_names(cursor)
        if "moderation_logentry" not in tables:
            super().handle(**options)
            return
        with connection.cursor() as cursor:
            for statement in guard_drop_sql(connection.vendor):
                cursor.execute(statement)
        try:
            super().handle(**options)
        finally:
            with connection.cursor() as cursor:
                for statement in guard_create_sql(connection.vendor):
                    cursor.execute(statement)
