"""`perchoir serve`: the web server alone, for production and scaling out.

Unlike `perchoir run`, it neither migrates nor starts a worker: behind a reverse proxy any number
of these run side by side (one per port, or one with several uvicorn processes), beside workers
started as `perchoir db_worker`, and migrations run once per upgrade (deploy/README.md). The
server is the one of `perchoir run` (decision 0006), replacing this process so that a process
manager's signals reach uvicorn itself.
"""

import os
from typing import Any

from django.core.management.base import BaseCommand

from perchoir.core.management.commands.run import web_server_command


class Command(BaseCommand):
    help = "Start the web server only (no migrations, no worker), e.g. behind a reverse proxy."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("PERCHOIR_HOST", "127.0.0.1"))
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("PERCHOIR_PORT", "8000"))
        )
        parser.add_argument(
            "--web-workers",
            type=int,
            default=int(os.environ.get("PERCHOIR_WEB_WORKERS", "1")),
            help="uvicorn processes behind this port (default 1: scale out with more ports)",
        )

    def handle(self, *args: Any, host: str, port: int, web_workers: int, **options: Any) -> None:
        command = web_server_command(host=host, port=port, workers=web_workers)
        os.execv(command[0], command)  # noqa: S606
