"""Small photos and archives built with Pillow and zipfile, for the ingest tests."""

from __future__ import annotations

import io
import stat
import struct
import zipfile
import zlib

import pillow_heif
from PIL import ExifTags, Image

RED = (255, 0, 0)
BLUE = (0, 0, 255)
GREEN = (0, 160, 0)


def photo_bytes(
    fmt: str = "JPEG",
    size: tuple[int, int] = (48, 32),
    color: tuple[int, int, int] = BLUE,
    exif: Image.Exif | None = None,
) -> bytes:
    image = Image.new("RGB", size, color)
    buffer = io.BytesIO()
    options = {"exif": exif.tobytes()} if exif is not None else {}
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def distinct_jpeg(seed: int, size: tuple[int, int] = (40, 30)) -> bytes:
    """A JPEG whose bytes differ for each seed, so each is its own asset."""
    return photo_bytes("JPEG", size, color=(seed % 256, (seed * 7) % 256, (seed * 13) % 256))


def camera_exif(
    orientation: int = 1,
    date_taken: str | None = "2023:06:15 14:30:00",
    offset: str | None = None,
    make: str = "Canon",
    model: str = "EOS R6",
    datetime_only: str | None = None,
) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = make
    exif[ExifTags.Base.Model] = model
    if datetime_only is not None:
        exif[ExifTags.Base.DateTime] = datetime_only
    exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
    if date_taken is not None:
        exif_ifd[ExifTags.Base.DateTimeOriginal] = date_taken
    if offset is not None:
        exif_ifd[ExifTags.Base.OffsetTimeOriginal] = offset
    return exif


def sideways_jpeg(orientation: int, size: tuple[int, int] = (60, 30)) -> bytes:
    """A landscape JPEG with a red block at its stored top-left and the given orientation tag."""
    image = Image.new("RGB", size, BLUE)
    image.paste(RED, (0, 0, size[0] // 3, size[1] // 3))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=95, exif=camera_exif(orientation).tobytes())
    return buffer.getvalue()


def two_frame_gif() -> bytes:
    frames = [Image.new("RGB", (20, 20), RED), Image.new("RGB", (20, 20), BLUE)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=100)
    return buffer.getvalue()


def heic_bytes(size: tuple[int, int] = (64, 48), color: tuple[int, int, int] = GREEN) -> bytes:
    heif = pillow_heif.from_pillow(Image.new("RGB", size, color))
    buffer = io.BytesIO()
    heif.save(buffer, quality=90)
    return buffer.getvalue()


def sideways_heic(orientation: int, size: tuple[int, int] = (64, 32)) -> bytes:
    """A landscape HEIC with a red block at its stored top-left and the given orientation tag."""
    image = Image.new("RGB", size, BLUE)
    image.paste(RED, (0, 0, size[0] // 2, size[1] // 2))
    buffer = io.BytesIO()
    image.save(buffer, format="HEIF", quality=95, exif=camera_exif(orientation).tobytes())
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG signature and IHDR claiming width x height, with no pixel data at all."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IEND", b"")


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def zip_bytes(entries: dict[str, bytes], symlinks: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return buffer.getvalue()


def understate_size(archive: bytes, entry_index: int, declared: int) -> bytes:
    """Rewrite one entry's uncompressed size in both of its headers to ``declared``."""
    data = bytearray(archive)
    for signature, size_offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        position = -1
        for _ in range(entry_index + 1):
            position = data.index(signature, position + 1)
        struct.pack_into("<I", data, position + size_offset, declared)
    return bytes(data)
