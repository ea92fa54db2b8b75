"""A trigger that refuses UPDATE and DELETE on the moderation log, on SQLite and PostgreSQL."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from perchoir.moderation.guard import guard_create_sql, guard_drop_sql


def create_guard(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for statement in guard_create_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


def drop_guard(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for statement in guard_drop_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("moderation", "0001_reports_cases_actions_appeals_log")]

    operations = [migrations.RunPython(create_guard, drop_guard)]
