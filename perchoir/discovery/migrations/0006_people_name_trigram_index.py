"""Search finds people by any part of their handle or name (`selectors._people`, Django's
`icontains`, which PostgreSQL runs as `UPPER(column::text) LIKE UPPER('%words%')`). Without an
index that reads every person on every search; trigram GIN indexes on the same expressions answer
it from the index (pg_trgm, shipped with PostgreSQL and trusted: a database owner may create it).

Where pg_trgm cannot be created, search works as before, only slower: the migration says so
rather than failing. SQLite scans, as it does for every LIKE.
"""

from django.db import DatabaseError, migrations, transaction

INDEXES = {
    "accounts_user_handle_trgm": "UPPER(handle::text) gin_trgm_ops",
    "accounts_user_display_name_trgm": "UPPER(display_name::text) gin_trgm_ops",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as error:  # not installed, or not ours to create: search still works
        print(f"\n  pg_trgm is not available ({error}); people search will scan.")
        return
    for name, expression in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON accounts_user USING GIN ({expression})"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("discovery", "0005_search_document_newest"),
        ("accounts", "0003_identity_display"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
