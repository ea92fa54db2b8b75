from typing import Any

from django.core.management.base import BaseCommand

from perchoir.discovery.services import digests_send_due


class Command(BaseCommand):
    help = (
        "Send the email digests that are due (the worker does it on time where its task "
        "backend can defer; this is for a cron job or a catch-up)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        sent = digests_send_due()
        self.stdout.write(f"Sent {sent} digests.")
