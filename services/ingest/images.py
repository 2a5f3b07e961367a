"""Decode an uploaded photo safely: supported formats only, pixel limit before decoding, upright.

Every service that turns stored bytes into pixels calls ``decode_photo``, so the format list,
the decompression-bomb check and the EXIF orientation are applied in one place.
"""

from __future__ import annotations

import io
import logging
import struct
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pillow_heif
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

log = logging.getLogger(__name__)

# Registers the "HEIF" format with Pillow, so HEIC photos open like any other. pillow-heif
# (1.9) applies the HEIF rotation itself and resets the EXIF orientation to 1, so nothing is
# turned twice; test_decode_heic_orientation checks that.
pillow_heif.register_heif_opener()

# Pillow format names mapped to the content type stored for the photo. "MPO" is the
# multi-picture JPEG that many cameras write; Pillow's JPEG plugin returns it on its own.
CONTENT_TYPES = {
    "JPEG": "image/jpeg",
    "MPO": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "TIFF": "image/tiff",
    "GIF": "image/gif",
    "HEIF": "image/heic",
}
SUPPORTED_FORMATS = "JPEG, PNG, WebP, TIFF, GIF and HEIC"

# Only these plugins ever see uploaded bytes. Pillow's other plugins are never tried, among them
# EPS, which starts Ghostscript.
_OPEN_FORMATS = ("JPEG", "PNG", "WEBP", "TIFF", "GIF", "HEIF")

# Pillow's plugins raise all of these for damaged input, depending on where the damage is.
_DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    struct.error,
    zlib.error,
    Image.DecompressionBombError,
)

_TAG_DATETIME = ExifTags.Base.DateTime
_TAG_DATETIME_ORIGINAL = ExifTags.Base.DateTimeOriginal
_TAG_OFFSET_TIME_ORIGINAL = ExifTags.Base.OffsetTimeOriginal
_TAG_MAKE = ExifTags.Base.Make
_TAG_MODEL = ExifTags.Base.Model

# File signatures of things people upload by mistake, to name them in the rejection.
_KNOWN_SIGNATURES = (
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a zip-based file (such as .docx or .xlsx)"),
    (b"BM", "a BMP image"),
    (b"\x00\x00\x01\x00", "an ICO icon"),
    (b"8BPS", "a Photoshop document"),
)

# Leading bytes of the formats in _OPEN_FORMATS, so a file can be rejected before it is read
# whole. HEIF is an ISO base media file: "ftyp" at offset 4, checked in looks_like_photo.
_PHOTO_SIGNATURES = (
    b"\xff\xd8\xff",  # JPEG and MPO
    b"\x89PNG\r\n\x1a\n",
    b"GIF87a",
    b"GIF89a",
    b"II*\x00",  # TIFF, little-endian
    b"MM\x00*",  # TIFF, big-endian
    b"II+\x00",  # BigTIFF, little-endian
    b"MM\x00+",  # BigTIFF, big-endian
)
PHOTO_SIGNATURE_BYTES = 16
"""How many leading bytes ``looks_like_photo`` needs."""


class PhotoRejected(ValueError):
    """Raised for bytes that are not a photo this service accepts.

    ``reason`` is a sentence for the tenant; ``kind`` is a short label for metrics and logs.
    """

    def __init__(self, reason: str, kind: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind


@dataclass
class DecodedPhoto:
    image: Image.Image
    """RGB pixels, upright. Smaller than width x height when ``draft_size`` was given."""
    content_type: str
    width: int
    height: int
    taken_at: datetime | None
    camera_make: str | None
    camera_model: str | None


def decode_photo(data: bytes, *, max_pixels: int, draft_size: int | None = None) -> DecodedPhoto:
    """Decode ``data`` into an upright RGB image with its date taken and camera.

    The pixel count is checked from the header before any pixel is decoded. With
    ``draft_size``, a JPEG is decoded at the smallest DCT scale that still covers that many
    pixels on each side, which is several times faster for a thumbnail. Width and height stay
    those of the full photo.
    Raises ``PhotoRejected`` with a reason for empty, unsupported, oversized or damaged input.
    """
    if not data:
        raise PhotoRejected("The file is empty.", "empty")
    image = _open(data, max_pixels)
    _check_pixels(image, max_pixels)
    width, height = image.size
    if draft_size is not None and image.format in ("JPEG", "MPO"):
        image.draft("RGB", (draft_size, draft_size))
    _load_first_frame(image)

    exif = _read_exif(image)
    upright = _to_rgb(_apply_orientation(image))
    if upright.size != image.size:
        width, height = height, width
    return DecodedPhoto(
        image=upright,
        content_type=CONTENT_TYPES[image.format or ""],
        width=width,
        height=height,
        taken_at=_taken_at(exif),
        camera_make=_exif_text(exif.get(_TAG_MAKE)),
        camera_model=_exif_text(exif.get(_TAG_MODEL)),
    )


def make_thumbnail(image: Image.Image, size: int, *, quality: int = 85) -> bytes:
    """Encode ``image`` as a JPEG whose longest side is at most ``size`` pixels."""
    thumbnail = image.copy()
    thumbnail.thumbnail((size, size), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    thumbnail.save(buffer, format="JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def _open(data: bytes, max_pixels: int) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data), formats=_OPEN_FORMATS)
    except UnidentifiedImageError:
        raise PhotoRejected(unsupported_reason(data), "unsupported_format") from None
    except Image.DecompressionBombError:
        # Pillow's own limit (Image.MAX_IMAGE_PIXELS x 2) can fire before ours when ours is
        # larger. Its message gives Pillow's limit, which is not the one the tenant can act on.
        reason = (
            f"The image has more pixels than can be decoded safely (the limit is "
            f"{max_pixels:,} pixels), so it is treated as a decompression bomb and not decoded."
        )
        raise PhotoRejected(reason, "too_many_pixels") from None
    except _DECODE_ERRORS as error:
        reason = f"The file is damaged and cannot be read: {error}."
        raise PhotoRejected(reason, "corrupt") from None
    if image.format not in CONTENT_TYPES:
        raise PhotoRejected(unsupported_reason(data), "unsupported_format")
    return image


def looks_like_photo(head: bytes) -> bool:
    """Return whether ``head``, a file's first bytes, starts like a supported photo format.

    A True result does not mean the file decodes: ``decode_photo`` still checks it whole.
    """
    if head.startswith(_PHOTO_SIGNATURES):
        return True
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return True
    return head[4:8] == b"ftyp"


def unsupported_reason(data: bytes) -> str:
    """Return the rejection sentence for bytes that are not a supported photo."""
    for signature, name in _KNOWN_SIGNATURES:
        if data.startswith(signature):
            return f"The file is {name}, not a photo. Supported formats: {SUPPORTED_FORMATS}."
    return f"The file is not a photo in a supported format ({SUPPORTED_FORMATS})."


def _check_pixels(image: Image.Image, max_pixels: int) -> None:
    width, height = image.size
    if width <= 0 or height <= 0:
        raise PhotoRejected(f"The image header gives an invalid size {width}x{height}.", "corrupt")
    if width * height > max_pixels:
        raise PhotoRejected(
            f"The image is {width}x{height} = {width * height:,} pixels, over the limit of "
            f"{max_pixels:,} pixels, so it is treated as a decompression bomb and not decoded.",
            "too_many_pixels",
        )


def _load_first_frame(image: Image.Image) -> None:
    # A freshly opened GIF, WebP or TIFF is at its first frame, and load() decodes only that one.
    try:
        image.load()
    except _DECODE_ERRORS as error:
        raise PhotoRejected(
            f"The file is truncated or damaged and cannot be decoded: {error}.", "corrupt"
        ) from None


def _read_exif(image: Image.Image) -> Image.Exif:
    try:
        return image.getexif()
    except _DECODE_ERRORS as error:
        # Damaged EXIF loses the date and camera, not the photo.
        log.info("ignoring unreadable EXIF: %s", error)
        return Image.Exif()


def _apply_orientation(image: Image.Image) -> Image.Image:
    try:
        return ImageOps.exif_transpose(image)
    except _DECODE_ERRORS as error:
        log.info("ignoring unreadable EXIF orientation: %s", error)
        return image


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        # 16- and 32-bit greyscale (scientific TIFFs, some PNGs): scale to 8 bits, not clip.
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        # Transparent areas become white, the way a viewer shows them, not black.
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def _taken_at(exif: Image.Exif) -> datetime | None:
    exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
    local_time = _parse_exif_datetime(exif_ifd.get(_TAG_DATETIME_ORIGINAL))
    offset = _parse_exif_offset(exif_ifd.get(_TAG_OFFSET_TIME_ORIGINAL))
    if local_time is None:
        local_time = _parse_exif_datetime(exif.get(_TAG_DATETIME))
        offset = None
    if local_time is None:
        return None
    # NOTE: without OffsetTimeOriginal the camera's time zone is unknown, so the wall-clock
    # time is stored as if it were UTC.
    return local_time.replace(tzinfo=offset or UTC).astimezone(UTC)


def _parse_exif_datetime(value: object) -> datetime | None:
    text = _exif_text(value)
    if text is None:
        return None
    try:
        return datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        # Cameras without a set clock write "0000:00:00 00:00:00" or blanks.
        return None


def _parse_exif_offset(value: object) -> timezone | None:
    text = _exif_text(value)
    if text is None or len(text) != 6 or text[0] not in "+-" or text[3] != ":":
        return None
    try:
        hours, minutes = int(text[1:3]), int(text[4:6])
    except ValueError:
        return None
    sign = 1 if text[0] == "+" else -1
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _exif_text(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if not isinstance(value, str):
        return None
    text = value.replace("\x00", "").strip()
    return text or None
