"""`perchoir run`: migrate, then start the web server and the background worker together.

One address serves everything: uvicorn (uvloop and httptools) runs `perchoir.asgi`, where pages
and the API run as WSGI in a pool of threads and `/live/` streams run async (decision 0006).
"""

import os
import signal
import socket
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from perchoir.invitations.services import founder_link_issue


class Command(BaseCommand):
    help = "Start Perchoir: the web server and the background worker, until Ctrl-C."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("PERCHOIR_HOST", "127.0.0.1"))
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("PERCHOIR_PORT", "8000"))
        )
        parser.add_argument(
            "--web-workers", type=int, default=int(os.environ.get("PERCHOIR_WEB_WORKERS", "2"))
        )

    def handle(self, *args: Any, host: str, port: int, web_workers: int, **options: Any) -> None:
        if not os.environ.get("PERCHOIR_SITE_URL"):
            # Links in emails and the founder link point where this server listens.
            settings.SITE_URL = f"http://{host}:{port}"
            os.environ["PERCHOIR_SITE_URL"] = settings.SITE_URL
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        # From here on Ctrl-C (or SIGTERM) means: stop both children, then leave.
        self.stopping = False
        signal.signal(signal.SIGINT, self._request_stop)
        signal.signal(signal.SIGTERM, self._request_stop)
        processes = [
            self._start_web(host, port, web_workers),
            # django-tasks-db's worker, surviving outages and recovering killed workers' tasks.
            subprocess.Popen([sys.executable, "-m", "perchoir", "worker"]),
        ]
        if self._wait_until_listening(host, port, processes[0]) and not self.stopping:
            self._announce(host, port)
        self._supervise(processes)

    def _request_stop(self, signum: int, frame: object) -> None:
        self.stopping = True

    def _start_web(self, host: str, port: int, workers: int) -> subprocess.Popen[bytes]:
        return subprocess.Popen(web_server_command(host=host, port=port, workers=workers))  # noqa: S603

    def _wait_until_listening(
        self, host: str, port: int, web: subprocess.Popen[bytes], seconds: float = 60
    ) -> bool:
        """Announce the address only once it answers (False if the server died first)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and web.poll() is None and not self.stopping:
            try:
                with socket.create_connection((host, port), timeout=1):
                    return True
            except OSError:
                time.sleep(0.2)
        return False

    def _announce(self, host: str, port: int) -> None:
        address = f"http://{host}:{port}/"
        self.stdout.write(self.style.SUCCESS(f"Perchoir is running at {address}"))
        mail_folder = getattr(settings, "EMAIL_FILE_PATH", None)
        if mail_folder:
            self.stdout.write(f"Emails are written as files to {mail_folder}/")
        token_url = founder_link_issue()
        if token_url:
            self.stdout.write(
                self.style.WARNING(
                    "No account exists yet. Open this one-time link to create the founder's "
                    f"account:\n  {token_url}"
                )
            )
        self.stdout.write("Press Ctrl-C to stop.")

    def _supervise(self, processes: list[subprocess.Popen[bytes]]) -> None:
        while not self.stopping and all(p.poll() is None for p in processes):
            time.sleep(0.3)
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
        self.stdout.write("Perchoir stopped.")
        if not self.stopping:  # a child died on its own
            raise SystemExit(1)


def web_server_command(
    *, host: str, port: int, workers: int, app: str = "perchoir.asgi:application"
) -> list[str]:
    """The web server of `perchoir run` (and of the tests that need the real one)."""
    return [
        sys.executable, "-m", "uvicorn", app,
        "--host", host,
        "--port", str(port),
        "--workers", str(workers),
        # Plain asyncio and h11 stall on reused connections on these machines.
        "--loop", "uvloop",
        "--http", "httptools",
        # Open event streams end at once on Ctrl-C; their browsers reconnect.
        "--timeout-graceful-shutdown", "3",
        "--no-access-log",
        "--log-level", "warning",
    ]  # fmt: skip
