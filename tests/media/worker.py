"""Run the real background worker (`perchoir db_worker`) in its own process, on the test database,
until the queue is empty."""

import os
import subprocess
import sys
from urllib.parse import quote

from django.db import connection


def database_url() -> str:
    """The test database, as PERCHOIR_DATABASE_URL for another process."""
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{database['NAME']}"
    credentials = quote(database["USER"] or "", safe="")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"], safe="")
    host = database["HOST"] or "localhost"
    port = f":{database['PORT']}" if database["PORT"] else ""
    at = "@" if credentials else ""
    return f"postgres://{credentials}{at}{host}{port}/{database['NAME']}"


def worker_run(**environment: str) -> subprocess.CompletedProcess[str]:
    """Run every queued task once in a real worker process, with these PERCHOIR_* variables."""
    env = {
        **os.environ,
        "PERCHOIR_DATABASE_URL": database_url(),
        "PERCHOIR_TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        **environment,
    }
    return subprocess.run(
        [sys.executable, "-m", "perchoir", "db_worker", "--batch", "--no-startup-delay"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
