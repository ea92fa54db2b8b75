from django.core.exceptions import SuspiciousOperation
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_safe

# Stored names are random, and a thumbnail rewritten by a retry has the same pixels; a day keeps
# a deleted image from lingering long in caches.
CACHE_CONTROL = "public, max-age=86400"


@require_safe
def media_file(request: HttpRequest, path: str) -> FileResponse:
    """A media file at its stable address (MEDIA_URL + name), read through the storage API: from
    the media folder in the embedded layout, from the bucket with object storage."""
    try:
        stored = default_storage.open(path, "rb")
    except (OSError, SuspiciousOperation):  # absent, a folder, or outside the media storage
        raise Http404 from None
    response = FileResponse(stored)
    response["Cache-Control"] = CACHE_CONTROL
    return response
