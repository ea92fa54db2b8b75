from typing import Any

from django.core.management.base import BaseCommand

from perchoir.discovery.services import search_index_rebuild


class Command(BaseCommand):
    help = "Index every conversation, message, collection and item for search again."

    def handle(self, *args: Any, **options: Any) -> None:
        count = search_index_rebuild()
        self.stdout.write(f"Indexed {count} documents.")
