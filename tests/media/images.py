"""Image files for tests, made in memory (or, for the bomb, a few kilobytes on disk)."""

import struct
import zlib
from io import BytesIO
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def image_bytes(
    image_format: str = "PNG", size: tuple[int, int] = (300, 200), mode: str = "RGB", **save: object
) -> bytes:
    buffer = BytesIO()
    colour: object = (200, 60, 30) if mode.startswith("RGB") else 1
    Image.new(mode, size, colour).save(buffer, format=image_format, **save)
    return buffer.getvalue()


def upload(data: bytes, name: str = "picture.png", content_type: str = "image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def jpeg_with_gps_bytes(size: tuple[int, int] = (120, 80), orientation: int = 1) -> bytes:
    """A JPEG whose EXIF says where it was taken (and which way up it is)."""
    image = Image.new("RGB", size, (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = orientation  # Orientation
    gps = {
        1: "N",
        2: (48.0, 51.0, 24.0),
        3: "E",
        4: (2.0, 21.0, 3.0),
    }
    exif[0x8825] = gps  # GPSInfo IFD
    buffer = BytesIO()
    image.save(buffer, format="JPEG", exif=exif, comment=b"secret comment")
    return buffer.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png_bomb(path: Path, width: int = 20_000, height: int = 20_000) -> Path:
    """A valid 1-bit PNG of width by height pixels that weighs a few kilobytes.

    Written row by row with a streaming compressor: making it never holds the pixels in memory.
    """
    row = b"\x00" + b"\x00" * ((width + 7) // 8)  # filter byte + 1 bit per pixel
    compressor = zlib.compressobj(9)
    compressed = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", compressed)
        + _chunk(b"IEND", b"")
    )
    return path
