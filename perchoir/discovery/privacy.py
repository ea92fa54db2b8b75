"""What discovery holds about a person, for their export and their account deletion."""

from perchoir.accounts.models import User
from perchoir.privacy.models import DeletionMode
from perchoir.privacy.registry import ExportData

from .backends import search_backend
from .models import DigestSubscription, HomeVisit, SearchDocument


def export_discovery(user: User) -> ExportData:
    digest = DigestSubscription.objects.filter(user=user).first()
    visit = HomeVisit.objects.filter(user=user).first()
    return ExportData(
        data={
            "email_digest": digest.frequency if digest else "off",
            "home_seen_at": visit.seen_at.isoformat() if visit else None,
        }
    )


def erase_discovery(user: User, mode: DeletionMode) -> None:
    """No more digests or home marker; with REMOVE, their words leave the search index too
    (anonymised writing stays on its pages but is no longer found: its author is gone)."""
    DigestSubscription.objects.filter(user=user).delete()
    HomeVisit.objects.filter(user=user).delete()
    if mode == DeletionMode.REMOVE:
        backend = search_backend()
        for document_id in SearchDocument.objects.filter(author=user).values_list("pk", flat=True):
            backend.delete(document_id)
        SearchDocument.objects.filter(author=user).delete()
