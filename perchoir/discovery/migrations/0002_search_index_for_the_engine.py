"""The engine's full-text index beside discovery_searchdocument: only for the database in use.

PostgreSQL: a tsvector column and its GIN index. SQLite: an FTS5 table keyed by document id.
Neither is part of Django's model state: the backends (perchoir.discovery.backends) use them.
"""

from django.db import migrations

POSTGRESQL_CREATE = [
    "ALTER TABLE discovery_searchdocument ADD COLUMN search_vector tsvector",
    "CREATE INDEX discovery_search_vector_gin ON discovery_searchdocument "
    "USING GIN (search_vector)",
]
POSTGRESQL_DROP = [
    "DROP INDEX IF EXISTS discovery_search_vector_gin",
    "ALTER TABLE discovery_searchdocument DROP COLUMN IF EXISTS search_vector",
]
SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE discovery_search_fts USING fts5("
    "title, body, tokenize = 'porter unicode61 remove_diacritics 2')",
]
SQLITE_DROP = ["DROP TABLE IF EXISTS discovery_search_fts"]


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in {"postgresql": POSTGRESQL_CREATE, "sqlite": SQLITE_CREATE}.get(vendor, []):
        schema_editor.execute(statement)


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in {"postgresql": POSTGRESQL_DROP, "sqlite": SQLITE_DROP}.get(vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("discovery", "0001_search_document")]

    operations = [migrations.RunPython(create_index, drop_index)]
