"""Link previews over the API: ask for one, then read it until it is ready."""

from datetime import datetime

from django.utils.translation import gettext_lazy
from ninja import Field, Router, Schema

from perchoir.api.errors import ErrorOut
from perchoir.api.openapi import doc
from perchoir.core.types import AuthenticatedRequest
from perchoir.media.selectors import image_url

from . import selectors, services
from .addresses import URL_MAX_LENGTH
from .models import LinkPreview

router = Router(tags=["Link previews"])
# Width of the thumbnail the API points to, as on the cards (double density).
THUMBNAIL_WIDTH = 256


class PreviewIn(Schema):
    url: str = Field(
        max_length=URL_MAX_LENGTH,
        description=doc(gettext_lazy("An http or https address.")),
    )


class PreviewOut(Schema):
    id: int
    url: str = Field(description=doc(gettext_lazy("The address in canonical form.")))
    status: str = Field(description=doc(gettext_lazy("pending, ready or failed.")))
    title: str
    description: str
    site_name: str
    image_url: str | None = Field(
        description=doc(gettext_lazy("A thumbnail of the page's image, if it has one."))
    )
    fetched_at: datetime | None


def _preview_out(request: AuthenticatedRequest, preview: LinkPreview) -> dict[str, object]:
    image = preview.image
    return {
        "id": preview.id,
        "url": preview.url,
        "status": preview.status,
        "title": preview.title,
        "description": preview.description,
        "site_name": preview.site_name,
        "image_url": (
            request.build_absolute_uri(image_url(image, width=THUMBNAIL_WIDTH)) if image else None
        ),
        "fetched_at": preview.fetched_at,
    }


@router.post(
    "/previews",
    response={200: PreviewOut, 400: ErrorOut, 429: ErrorOut},
    summary=doc(gettext_lazy("Ask for the preview card of a web address")),
    description=doc(
        gettext_lazy(
            "Answers at once with the preview, pending while its page is fetched in the "
            "background; read it again by its id until it is ready or failed. A card is "
            "fetched again when it is more than a day old."
        )
    ),
)
def preview_request(request: AuthenticatedRequest, payload: PreviewIn) -> object:
    preview = services.link_preview_request(url=payload.url, requested_by=request.user)
    return _preview_out(request, preview)


@router.get(
    "/previews/{preview_id}",
    response={200: PreviewOut, 404: ErrorOut},
    summary=doc(gettext_lazy("A preview you asked for")),
)
def preview_get(request: AuthenticatedRequest, preview_id: int) -> object:
    preview = selectors.link_preview_get_for_viewer(viewer=request.user, preview_id=preview_id)
    return _preview_out(request, preview)
