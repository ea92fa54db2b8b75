from typing import Any

from django.core.management.base import BaseCommand

from perchoir.privacy.services import privacy_sweep


class Command(BaseCommand):
    help = (
        "Delete the accounts whose grace period is over and the data exports that expired "
        "(the worker does it on time; this is for a cron job or by hand)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        deletions, expired = privacy_sweep()
        self.stdout.write(f"{deletions} account(s) deleted, {expired} export(s) expired.")
