from django.core.files.storage import default_storage

from .models import Image, ImageStatus


def image_url(image: Image, *, width: int | None = None) -> str:
    """The address to show an image at `width` pixels: the smallest thumbnail at least that wide
    once thumbnails are ready, the original until then (or when no width is asked for)."""
    if width is not None and image.status == ImageStatus.READY and image.thumbnails:
        widths = sorted(int(key) for key in image.thumbnails)
        chosen = next((w for w in widths if w >= width), widths[-1])
        return default_storage.url(image.thumbnails[str(chosen)])
    return image.file.url


def image_thumbnail_urls(image: Image) -> dict[str, str]:
    """Thumbnail width → address, empty until the thumbnails are ready."""
    if image.status != ImageStatus.READY:
        return {}
    return {key: default_storage.url(name) for key, name in sorted(image.thumbnails.items())}
