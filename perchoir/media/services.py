"""The single upload path for images: sniff, limit, decode, strip, store; thumbnails after commit.

Nothing about an upload is trusted: its name, its declared type and its header are only hints
until Pillow has decoded every pixel within the limits below. What is stored is a fresh encoding
of those pixels, so no metadata (EXIF with GPS, XMP, comments, colour profiles) survives; a colour
profile is first baked into the pixels as sRGB. Animated GIF and WebP keep their first frame.
"""

import logging
import secrets
import warnings
from io import BytesIO
from typing import IO

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image as PILImage
from PIL import ImageCms, ImageOps, UnidentifiedImageError

from perchoir.accounts.models import User
from perchoir.core.errors import InvalidInput, TooLarge

from .models import Image, ImageStatus

logger = logging.getLogger(__name__)

# Pillow format name → extension of the stored file.
FORMAT_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
# Thumbnail widths in pixels; an image narrower than a width is never upscaled.
THUMBNAIL_WIDTHS = (64, 256, 800)
THUMBNAIL_FORMAT = "WEBP"
FIELD = "file"

_DECODE_ERRORS = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    TypeError,
    KeyError,
    AttributeError,
)


def _unreadable() -> InvalidInput:
    message = _("This is not an image we can read. Please upload a JPEG, PNG, GIF or WebP image.")
    return InvalidInput(message, fields={FIELD: [message]})


def _too_many_pixels() -> TooLarge:
    megapixels = settings.MEDIA_MAX_PIXELS // 1_000_000
    message = _(
        "This image has too many pixels; the limit is %(megapixels)d megapixels. "
        "Please upload a smaller image."
    ) % {"megapixels": megapixels}
    return TooLarge(message, fields={FIELD: [message]})


def _read_limited(file: IO[bytes]) -> bytes:
    """Read the upload, but never more than the limit plus one byte."""
    limit = settings.MEDIA_MAX_UPLOAD_BYTES
    declared = getattr(file, "size", None)
    if declared is None or declared <= limit:
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(limit + 1)
    else:
        data = b""
    if (declared is not None and declared > limit) or len(data) > limit:
        megabytes = limit // (1024 * 1024)
        message = _("This file is too large; the limit is %(megabytes)d MB.") % {
            "megabytes": megabytes
        }
        raise TooLarge(message, fields={FIELD: [message]})
    if not data:
        message = _("The file is empty.")
        raise InvalidInput(message, fields={FIELD: [message]})
    return data


def _open(data: bytes) -> PILImage.Image:
    """Open (header only) with the formats we accept; refuse bombs before any pixel is decoded."""
    with warnings.catch_warnings():
        # Pillow warns, then errors, above its own pixel limit: both mean "too large" here.
        warnings.simplefilter("error", PILImage.DecompressionBombWarning)
        try:
            image = PILImage.open(BytesIO(data), formats=list(FORMAT_EXTENSIONS))
        except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning):
            raise _too_many_pixels() from None
        except _DECODE_ERRORS:
            raise _unreadable() from None
    width, height = image.size
    if width < 1 or height < 1:
        raise _unreadable()
    if width * height > settings.MEDIA_MAX_PIXELS:
        raise _too_many_pixels()
    return image


def _to_srgb(image: PILImage.Image, icc_profile: bytes | None) -> PILImage.Image:
    """Bake a colour profile into the pixels (as sRGB), since the profile itself is dropped."""
    if not icc_profile or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(BytesIO(icc_profile))
        output_mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(
            image, source, ImageCms.createProfile("sRGB"), outputMode=output_mode
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # a broken profile: keep the pixels as they are
    return converted if converted is not None else image


def _decode(data: bytes) -> tuple[PILImage.Image, str]:
    """Fully decode the first frame; return the pixels and the sniffed format."""
    header = _open(data)
    image_format = str(header.format)
    try:
        header.verify()
    except _DECODE_ERRORS:
        raise _unreadable() from None
    with warnings.catch_warnings():
        warnings.simplefilter("error", PILImage.DecompressionBombWarning)
        image = _open(data)
        try:
            image.seek(0)
            image.load()
            # Turn the pixels the way the camera meant; the orientation tag goes with the rest.
            upright = _to_srgb(ImageOps.exif_transpose(image), image.info.get("icc_profile"))
        except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning):
            raise _too_many_pixels() from None
        except _DECODE_ERRORS:
            raise _unreadable() from None
    return upright, image_format


def _clean_copy(image: PILImage.Image, image_format: str) -> PILImage.Image:
    """The same pixels in a brand-new image that carries no metadata at all."""
    mode = image.mode
    if image_format == "JPEG" and mode not in ("L", "RGB"):
        image, mode = image.convert("RGB"), "RGB"
    elif image_format == "WEBP" and mode not in ("RGB", "RGBA"):
        mode = "RGBA" if image.has_transparency_data else "RGB"
        image = image.convert(mode)
    elif image_format == "PNG" and mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
        image, mode = image.convert("RGBA"), "RGBA"
    elif image_format == "GIF" and mode not in ("L", "P"):
        image, mode = image.convert("P"), "P"
    clean = PILImage.frombytes(mode, image.size, image.tobytes())
    if mode == "P":
        palette = image.getpalette()
        if palette is not None:
            clean.putpalette(palette)
    transparency = image.info.get("transparency")
    if transparency is not None and mode in ("P", "L", "RGB"):
        clean.info["transparency"] = transparency
    return clean


def _encode(image: PILImage.Image, image_format: str) -> bytes:
    buffer = BytesIO()
    options: dict[str, object] = {}
    if image_format == "JPEG":
        options = {"quality": 88, "optimize": True}
    elif image_format == "WEBP":
        options = {"quality": 88}
    if "transparency" in image.info:
        options["transparency"] = image.info["transparency"]
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def _random_name(extension: str) -> str:
    return f"{secrets.token_urlsafe(18)}.{extension}"


@transaction.atomic
def image_upload(*, uploaded_by: User | None, file: IO[bytes]) -> Image:
    """Accept an uploaded image through the one pipeline, or refuse it with a clear message.

    The stored file is a re-encoding of the decoded pixels in the sniffed format (the name the
    file came with is ignored); thumbnails are made by a background task after commit.
    """
    data = _read_limited(file)
    decoded, image_format = _decode(data)
    try:
        clean = _clean_copy(decoded, image_format)
        encoded = _encode(clean, image_format)
    except _DECODE_ERRORS:
        raise _unreadable() from None
    image = Image(
        uploaded_by=uploaded_by,
        format=image_format.lower(),
        width=clean.width,
        height=clean.height,
        size_bytes=len(encoded),
        status=ImageStatus.PROCESSING,
    )
    image.file.save(_random_name(FORMAT_EXTENSIONS[image_format]), ContentFile(encoded), save=False)
    image.save()
    name = image.file.name
    transaction.on_commit(lambda: _enqueue_thumbnails(image.id))
    logger.info("Image %s stored as %s (%sx%s)", image.id, name, image.width, image.height)
    return image


def _enqueue_thumbnails(image_id: int) -> None:
    from .tasks import image_thumbnails_task

    image_thumbnails_task.enqueue(image_id)


def _thumbnail_name(image: Image, width: int) -> str:
    stem = image.file.name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return f"thumbnails/{stem}-{width}.webp"


def image_thumbnails_make(*, image_id: int) -> Image | None:
    """Make the thumbnails of one image; running it again gives the same result."""
    image = Image.objects.filter(id=image_id).first()
    if image is None:  # deleted before its turn came: nothing to do
        return None
    try:
        with image.file.open("rb") as stored:
            data = stored.read()
        decoded, _format = _decode(data)
        thumbnails: dict[str, str] = {}
        for target in THUMBNAIL_WIDTHS:
            width = min(target, decoded.width)
            height = max(1, round(decoded.height * width / decoded.width))
            mode = "RGBA" if decoded.has_transparency_data else "RGB"
            resized = decoded.convert(mode).resize((width, height), PILImage.Resampling.LANCZOS)
            buffer = BytesIO()
            resized.save(buffer, format=THUMBNAIL_FORMAT, quality=82)
            name = _thumbnail_name(image, target)
            # A retry overwrites what an interrupted run left behind.
            if default_storage.exists(name):
                default_storage.delete(name)
            thumbnails[str(target)] = default_storage.save(name, ContentFile(buffer.getvalue()))
    except (InvalidInput, TooLarge, *_DECODE_ERRORS):
        logger.exception("Thumbnails of image %s could not be made", image_id)
        Image.objects.filter(id=image_id).update(status=ImageStatus.FAILED)
        image.status = ImageStatus.FAILED
        return image
    image.thumbnails = thumbnails
    image.status = ImageStatus.READY
    Image.objects.filter(id=image_id).update(thumbnails=thumbnails, status=ImageStatus.READY)
    return image


def image_delete(*, image: Image) -> None:
    """Delete an image and, once that is committed, its files."""
    # The row, not the instance: thumbnails may have been made since the instance was loaded.
    current = Image.objects.filter(id=image.id).first() or image
    names = [current.file.name, *current.thumbnails.values()]
    current.delete()

    def remove_files() -> None:
        for name in names:
            if name and default_storage.exists(name):
                default_storage.delete(name)

    transaction.on_commit(remove_files)
