"""Link previews: asked for by people (or other apps), fetched in the background, never trusted."""

import logging
from datetime import timedelta
from io import BytesIO

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from perchoir.accounts.models import User
from perchoir.core.errors import ApplicationError
from perchoir.core.ratelimit import ratelimit_hit
from perchoir.media.models import Image
from perchoir.media.services import image_delete, image_upload

from .addresses import url_normalise
from .fetch import FetchError, FetchFailed, safe_fetch
from .models import LinkPreview, LinkPreviewRequest, LinkPreviewStatus
from .parsing import PageMetadata, html_decode, page_metadata_parse

logger = logging.getLogger(__name__)

# A card is refreshed at most once a day, when someone links to it again.
REFRESH_AFTER = timedelta(days=1)
# Each fetch makes the site contact an address of the requester's choosing: count them.
FETCH_LIMIT = 60
FETCH_PERIOD = 3600
# What counts as a web page ("" is a server that does not say).
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", ""})
ERROR_MAX = 300


def _fetch_due(preview: LinkPreview) -> bool:
    return preview.requested_at is None or preview.requested_at < timezone.now() - REFRESH_AFTER


def _claim_fetch(preview: LinkPreview) -> bool:
    """Mark a fetch as queued, unless a concurrent request just did (one UPDATE decides)."""
    now = timezone.now()
    claimed = LinkPreview.objects.filter(
        Q(requested_at__isnull=True) | Q(requested_at__lt=now - REFRESH_AFTER), id=preview.id
    ).update(requested_at=now)
    return claimed == 1


def _enqueue(preview_id: int) -> None:
    from .tasks import link_preview_fetch_task

    link_preview_fetch_task.enqueue(preview_id)


def link_preview_request(*, url: str, requested_by: User | None) -> LinkPreview:
    """The preview of `url`, created if new; a fetch is queued after commit when the preview is
    new or was last fetched more than a day ago.

    Raises InvalidInput (field `url`) for anything but an http(s) address, and RateLimited when
    `requested_by` has made too many fetches happen lately (looking at a fresh preview costs
    nothing and is not counted). `requested_by=None` is the site itself: not rate limited.
    """
    normalised = url_normalise(url)
    preview = LinkPreview.objects.filter(url=normalised).first()
    if preview is None or _fetch_due(preview):
        if requested_by is not None:
            ratelimit_hit(
                "link-preview", str(requested_by.pk), limit=FETCH_LIMIT, period=FETCH_PERIOD
            )
        if preview is None:
            preview, _created = LinkPreview.objects.get_or_create(url=normalised)
        if _claim_fetch(preview):
            preview_id = preview.id
            transaction.on_commit(lambda: _enqueue(preview_id))
    if requested_by is not None:
        LinkPreviewRequest.objects.get_or_create(preview=preview, requested_by=requested_by)
    return preview


def _page_fetch(url: str) -> PageMetadata:
    """What the page says about itself; FetchError if there is nothing to make a card of.

    Only the first FETCH_MAX_BYTES of a long page are read: its head is at the start.
    """
    page = safe_fetch(url, allow_truncated=True, content_types=HTML_TYPES)
    metadata = page_metadata_parse(html_decode(page.body, page.charset), base_url=page.final_url)
    if not metadata.title:
        raise FetchFailed(_("The page has no title."))
    return metadata


def _image_fetch(url: str) -> Image | None:
    """The page's image through the one media pipeline, or None: a card without an image is fine."""
    if not url:
        return None
    try:
        fetched = safe_fetch(url, max_bytes=settings.MEDIA_MAX_UPLOAD_BYTES)
        return image_upload(uploaded_by=None, file=BytesIO(fetched.body))
    except ApplicationError as error:  # FetchError, or the pipeline's InvalidInput / TooLarge
        logger.info("Image %s of a link preview refused: %s", url, error.message)
        return None


def _record_failure(preview: LinkPreview, reason: str) -> LinkPreview:
    """Remember why; a card that was ready keeps showing what it had."""
    if preview.status != LinkPreviewStatus.READY:
        preview.status = LinkPreviewStatus.FAILED
    preview.error = reason[:ERROR_MAX]
    preview.fetched_at = preview.updated_at = timezone.now()
    # An update, not save(): a preview deleted meanwhile is simply not there to update.
    LinkPreview.objects.filter(id=preview.id).update(
        status=preview.status,
        error=preview.error,
        fetched_at=preview.fetched_at,
        updated_at=preview.updated_at,
    )
    return preview


def _record_success(
    preview_id: int, metadata: PageMetadata, image: Image | None
) -> LinkPreview | None:
    """Fill in the card under a row lock, so that two runs cannot both keep an image."""
    with transaction.atomic():
        preview = LinkPreview.objects.select_for_update().filter(id=preview_id).first()
        if preview is None:  # deleted meanwhile: the new image belongs to nobody
            if image is not None:
                image_delete(image=image)
            return None
        replaced = preview.image if preview.image_id != getattr(image, "id", None) else None
        preview.status = LinkPreviewStatus.READY
        preview.title = metadata.title
        preview.description = metadata.description
        preview.site_name = metadata.site_name
        preview.image = image
        preview.error = ""
        preview.fetched_at = timezone.now()
        preview.save()
        if replaced is not None:
            image_delete(image=replaced)
    return preview


def link_preview_fetch(*, preview_id: int) -> LinkPreview | None:
    """Fetch the page and fill in the card. Never raises for a bad remote page: the preview is
    marked failed with the reason instead. Safe to run again; None if the preview is gone."""
    preview = LinkPreview.objects.filter(id=preview_id).first()
    if preview is None:
        return None
    try:
        metadata = _page_fetch(preview.url)
    except FetchError as error:
        logger.info("Link preview %s failed: %s", preview.url, error.message)
        return _record_failure(preview, str(error.message))
    return _record_success(preview.id, metadata, _image_fetch(metadata.image_url))
