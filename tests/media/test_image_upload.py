import resource
import time
from io import BytesIO

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from PIL import Image as PILImage
from PIL import ImageCms

from perchoir.core.errors import InvalidInput, TooLarge
from perchoir.media.models import Image, ImageStatus
from perchoir.media.services import THUMBNAIL_WIDTHS, image_thumbnails_make, image_upload

from .images import image_bytes, jpeg_with_gps_bytes, png_bomb, upload

pytestmark = pytest.mark.django_db


def _stored(image: Image) -> PILImage.Image:
    with default_storage.open(image.file.name, "rb") as stored:
        opened = PILImage.open(BytesIO(stored.read()))
        opened.load()
        return opened


def test_png_upload_is_stored_under_a_random_name_with_its_measurements(member):
    image = image_upload(uploaded_by=member, file=upload(image_bytes("PNG"), "My holiday.png"))

    assert image.format == "png"
    assert (image.width, image.height) == (300, 200)
    assert image.file.name.endswith(".png")
    assert "holiday" not in image.file.name
    assert image.size_bytes == default_storage.size(image.file.name)
    assert image.uploaded_by == member
    assert image.status == ImageStatus.PROCESSING  # thumbnails come after commit


@pytest.mark.parametrize(
    ("image_format", "extension"),
    [("JPEG", "jpg"), ("PNG", "png"), ("GIF", "gif"), ("WEBP", "webp")],
)
def test_every_accepted_format_is_recognised_from_its_content(member, image_format, extension):
    image = image_upload(
        uploaded_by=member, file=upload(image_bytes(image_format), "file.bin", "text/plain")
    )
    assert image.format == image_format.lower()
    assert image.file.name.endswith(f".{extension}")
    assert _stored(image).format == image_format


def test_gif_renamed_png_is_accepted_and_stored_as_a_gif(member):
    gif = image_bytes("GIF", size=(1, 1), mode="P")
    image = image_upload(uploaded_by=member, file=upload(gif, "avatar.png", "image/png"))

    assert image.format == "gif"
    assert image.file.name.endswith(".gif")
    assert _stored(image).format == "GIF"
    assert (image.width, image.height) == (1, 1)


def test_text_file_renamed_jpg_is_refused_clearly_and_nothing_is_stored(member):
    text = upload(b"Hello, I am not a picture at all.\n" * 10, "photo.jpg", "image/jpeg")

    with pytest.raises(InvalidInput) as caught:
        image_upload(uploaded_by=member, file=text)

    assert "not an image we can read" in str(caught.value.message)
    assert caught.value.fields == {"file": [str(caught.value.message)]}
    assert not Image.objects.exists()


def test_empty_file_is_refused(member):
    with pytest.raises(InvalidInput, match="empty"):
        image_upload(uploaded_by=member, file=upload(b"", "empty.png"))


def test_truncated_image_is_refused(member):
    data = image_bytes("PNG", size=(400, 400), mode="RGB")
    with pytest.raises(InvalidInput, match="not an image we can read"):
        image_upload(uploaded_by=member, file=upload(data[: len(data) // 2]))
    assert not Image.objects.exists()


def test_other_image_formats_are_refused(member):
    bmp = image_bytes("BMP")
    with pytest.raises(InvalidInput, match="JPEG, PNG, GIF or WebP"):
        image_upload(uploaded_by=member, file=upload(bmp, "picture.png"))


def test_30_megabyte_upload_is_refused_without_being_read_whole(member, settings):
    assert settings.MEDIA_MAX_UPLOAD_BYTES == 10 * 1024 * 1024
    big = TemporaryUploadedFile("huge.png", "image/png", 30 * 1024 * 1024, None)
    big.write(b"\0" * (30 * 1024 * 1024))
    big.seek(0)

    with pytest.raises(TooLarge) as caught:
        image_upload(uploaded_by=member, file=big)

    assert "too large" in str(caught.value.message)
    assert "10 MB" in str(caught.value.message)
    assert caught.value.status == 413
    assert not Image.objects.exists()


def test_upload_without_a_declared_size_is_cut_at_the_limit(member, settings):
    settings.MEDIA_MAX_UPLOAD_BYTES = 1024 * 1024
    stream = BytesIO(image_bytes("PNG") + b"\0" * (2 * 1024 * 1024))

    with pytest.raises(TooLarge):
        image_upload(uploaded_by=member, file=stream)


def test_png_bomb_is_refused_from_its_header_quickly_and_without_decoding(member, tmp_path):
    bomb = png_bomb(tmp_path / "bomb.png")
    assert bomb.stat().st_size < 200 * 1024  # 400 million pixels in a few kilobytes
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes
    started = time.monotonic()

    with pytest.raises(TooLarge) as caught:
        image_upload(uploaded_by=member, file=upload(bomb.read_bytes(), "bomb.png"))

    assert time.monotonic() - started < 2
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    assert grown_mb < 100  # decoding would have needed 400 MB at least
    assert "too many pixels" in str(caught.value.message)
    assert not Image.objects.exists()


def test_image_over_the_site_pixel_limit_is_refused(member, settings):
    settings.MEDIA_MAX_PIXELS = 10_000
    with pytest.raises(TooLarge, match="too many pixels"):
        image_upload(uploaded_by=member, file=upload(image_bytes("PNG", size=(200, 200))))


def test_gps_and_every_other_metadata_are_stripped(member):
    original = PILImage.open(BytesIO(jpeg_with_gps_bytes()))
    assert original.getexif().get_ifd(0x8825)  # the upload does carry GPS data

    image = image_upload(uploaded_by=member, file=upload(jpeg_with_gps_bytes(), "me.jpg"))

    stored = _stored(image)
    assert not stored.getexif()
    assert "exif" not in stored.info
    assert "comment" not in stored.info
    assert "icc_profile" not in stored.info
    raw = default_storage.open(image.file.name).read()
    assert b"PhoneMaker" not in raw
    assert b"secret comment" not in raw


def test_exif_orientation_is_applied_to_the_pixels(member):
    # Orientation 6: the camera was turned; the picture is shown rotated by 90 degrees.
    data = jpeg_with_gps_bytes(size=(120, 80), orientation=6)
    image = image_upload(uploaded_by=member, file=upload(data, "turned.jpg"))
    assert (image.width, image.height) == (80, 120)
    assert _stored(image).size == (80, 120)


def test_png_transparency_is_kept(member):
    data = image_bytes("PNG", size=(10, 10), mode="RGBA")
    image = image_upload(uploaded_by=member, file=upload(data))
    assert _stored(image).mode == "RGBA"


def test_thumbnails_are_made_after_commit_and_never_upscaled(
    member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        image = image_upload(
            uploaded_by=member, file=upload(image_bytes("JPEG", size=(1000, 500)), "a.jpg")
        )

    image.refresh_from_db()
    assert image.status == ImageStatus.READY
    assert set(image.thumbnails) == {str(width) for width in THUMBNAIL_WIDTHS}
    sizes = {}
    for key, name in image.thumbnails.items():
        with default_storage.open(name, "rb") as stored:
            sizes[key] = PILImage.open(BytesIO(stored.read())).size
    assert sizes == {"64": (64, 32), "256": (256, 128), "800": (800, 400)}

    small = image_upload(uploaded_by=member, file=upload(image_bytes("PNG", size=(100, 50))))
    image_thumbnails_make(image_id=small.id)
    small.refresh_from_db()
    with default_storage.open(small.thumbnails["800"], "rb") as stored:
        assert PILImage.open(BytesIO(stored.read())).size == (100, 50)


def test_making_thumbnails_twice_gives_the_same_files(member):
    image = image_upload(uploaded_by=member, file=upload(image_bytes("PNG")))
    first = image_thumbnails_make(image_id=image.id)
    second = image_thumbnails_make(image_id=image.id)
    assert first is not None
    assert second is not None
    assert first.thumbnails == second.thumbnails
    assert all(default_storage.exists(name) for name in second.thumbnails.values())


def test_thumbnails_of_a_deleted_image_are_skipped(member):
    assert image_thumbnails_make(image_id=123456) is None


def test_image_whose_file_went_bad_is_marked_failed(member, caplog):
    image = image_upload(uploaded_by=member, file=upload(image_bytes("PNG")))
    with default_storage.open(image.file.name, "wb") as stored:
        stored.write(b"garbage")

    image_thumbnails_make(image_id=image.id)

    image.refresh_from_db()
    assert image.status == ImageStatus.FAILED
    assert image.thumbnails == {}


def test_upload_from_a_plain_uploaded_file_object(member):
    file = SimpleUploadedFile("x.webp", image_bytes("WEBP"), content_type="image/webp")
    assert image_upload(uploaded_by=member, file=file).format == "webp"


def test_colour_profile_is_baked_into_the_pixels_and_dropped(member):

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buffer = BytesIO()
    PILImage.new("RGB", (20, 20), (10, 200, 30)).save(buffer, format="PNG", icc_profile=profile)

    image = image_upload(uploaded_by=member, file=upload(buffer.getvalue()))

    stored = _stored(image)
    assert "icc_profile" not in stored.info
    red, green, _blue = stored.convert("RGB").getpixel((5, 5))
    assert green > 180
    assert red < 40
