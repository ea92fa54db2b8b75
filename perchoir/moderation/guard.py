"""The database's own refusal to change or delete moderation log entries (D6).

Created by a migration; the application has no path to update or delete entries, and this
guard stops raw SQL too. A database administrator who must purge entries drops the trigger
deliberately (`guard_drop_sql`), then puts it back (`guard_create_sql`).
"""

TABLE = "moderation_logentry"
MESSAGE = "moderation log entries cannot be changed or deleted"

SQLITE_CREATE = [
    f"CREATE TRIGGER moderation_log_no_update BEFORE UPDATE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
    f"CREATE TRIGGER moderation_log_no_delete BEFORE DELETE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS moderation_log_no_update;",
    "DROP TRIGGER IF EXISTS moderation_log_no_delete;",
]
POSTGRESQL_CREATE = [
    "CREATE OR REPLACE FUNCTION moderation_log_refuse() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$;",
    f"CREATE TRIGGER moderation_log_no_change BEFORE UPDATE OR DELETE ON {TABLE} "
    "FOR EACH ROW EXECUTE FUNCTION moderation_log_refuse();",
]
POSTGRESQL_DROP = [
    f"DROP TRIGGER IF EXISTS moderation_log_no_change ON {TABLE};",
    "DROP FUNCTION IF EXISTS moderation_log_refuse();",
]


def guard_create_sql(vendor: str) -> list[str]:
    return {"sqlite": SQLITE_CREATE, "postgresql": POSTGRESQL_CREATE}.get(vendor, [])


def guard_drop_sql(vendor: str) -> list[str]:
    return {"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP}.get(vendor, [])
