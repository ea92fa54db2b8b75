"""`perchoir worker`: django-tasks-db's worker, made to survive what happens at scale.

- **A worker killed mid-task** (SIGKILL, a crash, the machine): django-tasks-db leaves its task
  RUNNING for ever. Each worker holds a lock for as long as it lives — a PostgreSQL advisory
  lock on a connection of its own, or a file lock beside SQLite — which the database or the
  kernel releases when it dies. At start and every RECOVER_SECONDS, a worker puts back in the
  queue the RUNNING tasks whose worker's lock is free. Tasks are written to be run again
  (STYLE.md: "safe to retry"), so the effect still happens once.
- **The database going away** (a restart, a failover): django-tasks-db's worker exits on the
  first OperationalError. This one waits, reconnects, puts back the task it could not record,
  and goes on. A task that failed only because the database was unreachable is queued again
  rather than marked failed.
"""

import fcntl
import logging
import os
import random
import time
import zlib
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import InterfaceError, OperationalError, close_old_connections, connection
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

logger = logging.getLogger("perchoir.worker")

# How often a worker looks for tasks left RUNNING by a worker that died.
RECOVER_SECONDS = 30.0
# Waiting for the database to come back: first, then at most this long between tries.
RECONNECT_SECONDS = (0.5, 5.0)
# A task that failed because the database was unreachable runs again after this long.
RETRY_AFTER_OUTAGE = timedelta(seconds=5)
# The first key of the workers' PostgreSQL advisory locks ("PW"); the second is the worker's.
ADVISORY_NAMESPACE = 0x5057

UNREACHABLE = (OperationalError, InterfaceError)


def _lock_key(worker_id: str) -> int:
    return zlib.crc32(worker_id.encode()) & 0x7FFFFFFF


class WorkerLiveness:
    """A lock held for as long as this worker lives, and who else holds one."""

    def __init__(self, worker_id: str) -> None:
        self.worker_id = worker_id
        self.postgres = connection.vendor == "postgresql"
        self.directory = Path(settings.VAR_DIR) / "workers"
        self._held: Any = None

    def hold(self) -> None:
        """Take (or take again, after the database restarted) this worker's lock."""
        if self.postgres:
            if self._held is not None:
                try:
                    self._held.execute("SELECT 1")
                    return
                except Exception:  # broken by an outage: a new session, a new lock
                    self._held = None
            with connection.wrap_database_errors:  # psycopg's errors as Django's
                raw = connection.get_new_connection(connection.get_connection_params())
                raw.autocommit = True
                key = (ADVISORY_NAMESPACE, _lock_key(self.worker_id))
                raw.execute("SELECT pg_advisory_lock(%s, %s)", key)
            self._held = raw
        elif self._held is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            handle = (self.directory / f"{self.worker_id}.lock").open("w")
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self._held = handle

    def release(self) -> None:
        if self._held is not None:
            self._held.close()
            if not self.postgres:
                (self.directory / f"{self.worker_id}.lock").unlink(missing_ok=True)
            self._held = None

    def alive(self) -> Callable[[str], bool]:
        """A predicate: does the worker with this id still hold its lock?"""
        if self.postgres:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT objid FROM pg_locks WHERE locktype = 'advisory' AND classid = %s"
                    " AND granted AND database = (SELECT oid FROM pg_database"
                    " WHERE datname = current_database())",
                    [ADVISORY_NAMESPACE],
                )
                held = {int(row[0]) for row in cursor.fetchall()}
            return lambda worker_id: _lock_key(worker_id) in held
        return self._file_lock_held

    def _file_lock_held(self, worker_id: str) -> bool:
        if worker_id == self.worker_id:
            return True
        path = self.directory / f"{worker_id}.lock"
        try:
            handle = path.open("r+")
        except FileNotFoundError:
            return False
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            path.unlink(missing_ok=True)  # its worker is gone: nobody needs the file
            return False


def tasks_requeue_abandoned(*, alive: Callable[[str], bool]) -> int:
    """Put back in the queue the RUNNING tasks whose worker is not alive; how many."""
    running = DBTaskResult.objects.running().only("id", "worker_ids")
    abandoned = [
        task.id for task in running if not task.worker_ids or not alive(task.worker_ids[-1])
    ]
    if not abandoned:
        return 0
    # Still RUNNING: one that finished meanwhile stays finished.
    count = DBTaskResult.objects.filter(id__in=abandoned, status="RUNNING").update(
        status="READY", started_at=None
    )
    if count:
        logger.warning("worker: %d task(s) left running by a stopped worker queued again", count)
    return count


class ResilientWorker(Worker):
    """django-tasks-db's worker with its own loop: the same claiming and running, plus the
    recovery of abandoned tasks and waiting out database outages."""

    def __init__(
        self, *, liveness: WorkerLiveness, recover_seconds: float = RECOVER_SECONDS, **options: Any
    ) -> None:
        super().__init__(**options)
        self.liveness = liveness
        self.recover_seconds = recover_seconds
        self.recovered_at = 0.0
        # After an outage, the task this worker was running could not be recorded: it is
        # RUNNING under this worker's id, and this worker runs nothing, so recover() takes it.
        self.own_tasks_abandoned = False

    def run(self) -> None:
        logger.info("worker %s: starting, queues %s", self.worker_id, ",".join(self.queue_names))
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # workers started together do not poll together
        delay = RECONNECT_SECONDS[0]
        while self.running:
            try:
                self.recover()
                task_result = self.claim_next()
                if task_result is not None:
                    self.run_task(task_result)
            except UNREACHABLE as error:
                logger.warning("worker: database unreachable (%r), again in %.1f s", error, delay)
                _close_connection()
                time.sleep(delay)
                delay = min(delay * 2, RECONNECT_SECONDS[1])
                self.recovered_at = 0.0
                self.own_tasks_abandoned = True
                continue
            delay = RECONNECT_SECONDS[0]
            if task_result is None:
                if self.batch:
                    return
                close_old_connections()
                time.sleep(self.interval)

    def claim_next(self) -> DBTaskResult | None:
        """The next ready task, claimed for this worker (as django-tasks-db's worker does)."""
        close_old_connections()
        tasks = DBTaskResult.objects.ready().filter(
            backend_name=self.backend_name, queue_name__in=self.queue_names
        )
        with exclusive_transaction(tasks.db):
            try:
                task_result = tasks.get_locked()
                if task_result is not None:
                    task_result.claim(self.worker_id)
            except OperationalError as error:
                if is_locked_database_exception(error):  # SQLite busy: next time
                    return None
                raise
        return task_result

    def recover(self) -> None:
        """Hold this worker's lock; requeue what stopped workers (or this one, after an outage)
        left RUNNING. At start, after an outage, and every RECOVER_SECONDS."""
        if time.monotonic() - self.recovered_at < self.recover_seconds:
            return
        self.liveness.hold()
        alive = self.liveness.alive()
        own, abandoned = self.worker_id, self.own_tasks_abandoned
        tasks_requeue_abandoned(
            alive=lambda worker_id: alive(worker_id) and not (abandoned and worker_id == own)
        )
        self.own_tasks_abandoned = False
        self.recovered_at = time.monotonic()

    def run_task(self, db_task_result: DBTaskResult) -> None:
        super().run_task(db_task_result)
        if db_task_result.status == "FAILED" and db_task_result.exception_class_path in {
            f"{kind.__module__}.{kind.__qualname__}" for kind in UNREACHABLE
        }:
            # Not the task's fault: it runs again once the database is back.
            db_task_result.status = "READY"
            db_task_result.run_after = timezone.now() + RETRY_AFTER_OUTAGE
            db_task_result.save(update_fields=["status", "run_after"])
            logger.warning(
                "worker: task %s queued again after a database outage", db_task_result.id
            )


def _close_connection() -> None:
    try:
        connection.close()
    except Exception:  # closing a broken connection can fail too; it is forgotten all the same
        logger.debug("worker: closing the broken connection failed", exc_info=True)


class Command(BaseCommand):
    help = (
        "Run the background worker (django-tasks-db's), which survives database outages and "
        "runs again the tasks that a stopped worker left running."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--queue-name", default="default")
        parser.add_argument("--interval", type=float, default=0.5)
        parser.add_argument("--batch", action="store_true")
        parser.add_argument("--no-startup-delay", action="store_false", dest="startup_delay")
        parser.add_argument(
            "--recover-seconds",
            type=float,
            default=RECOVER_SECONDS,
            help="How often to look for tasks left running by a stopped worker.",
        )

    def handle(
        self,
        *args: Any,
        queue_name: str,
        interval: float,
        batch: bool,
        startup_delay: bool,
        recover_seconds: float,
        **options: Any,
    ) -> None:
        worker_id = f"{os.uname().nodename[:20]}-{os.getpid()}-{get_random_string(12)}"
        liveness = WorkerLiveness(worker_id)
        worker = ResilientWorker(
            liveness=liveness,
            recover_seconds=recover_seconds,
            queue_names=queue_name.split(","),
            interval=interval,
            batch=batch,
            backend_name="default",
            startup_delay=startup_delay,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        worker.configure_signals()
        try:
            worker.run()
        finally:
            liveness.release()
