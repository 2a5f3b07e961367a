from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from PIL import Image

from services.ingest.images import PhotoRejected, decode_photo, make_thumbnail
from services.ingest.tests.samples import (
    BLUE,
    RED,
    camera_exif,
    heic_bytes,
    photo_bytes,
    png_header_only,
    sideways_heic,
    sideways_jpeg,
    truncated,
    two_frame_gif,
)

MAX_PIXELS = 1_000_000


def is_close(pixel: tuple[int, ...], color: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, color, strict=True))


def rejection(data: bytes, max_pixels: int = MAX_PIXELS) -> PhotoRejected:
    with pytest.raises(PhotoRejected) as caught:
        decode_photo(data, max_pixels=max_pixels)
    return caught.value


@pytest.mark.parametrize(
    ("orientation", "red_corner", "blue_corner"),
    [
        # 6: the camera was turned clockwise, so the stored top-left is shown at the top-right.
        (6, (29 - 3, 3), (3, 3)),
        # 8: turned anticlockwise, so the stored top-left is shown at the bottom-left.
        (8, (3, 59 - 3), (3, 3)),
    ],
)
def test_decode_applies_exif_orientation(
    orientation: int, red_corner: tuple[int, int], blue_corner: tuple[int, int]
) -> None:
    photo = decode_photo(sideways_jpeg(orientation, size=(60, 30)), max_pixels=MAX_PIXELS)

    assert (photo.width, photo.height) == (30, 60)
    assert photo.image.size == (30, 60)
    assert is_close(photo.image.getpixel(red_corner), RED)
    assert is_close(photo.image.getpixel(blue_corner), BLUE)


def test_decode_keeps_full_size_when_drafting() -> None:
    photo = decode_photo(sideways_jpeg(6, size=(800, 400)), max_pixels=MAX_PIXELS, draft_size=64)

    assert (photo.width, photo.height) == (400, 800)
    assert photo.image.size == (100, 200)
    assert is_close(photo.image.getpixel((97, 3)), RED)


def test_decode_reads_date_taken_and_camera() -> None:
    exif = camera_exif(date_taken="2023:06:15 14:30:00", make="Canon\x00", model=" EOS R6 ")
    photo = decode_photo(photo_bytes(exif=exif), max_pixels=MAX_PIXELS)

    assert photo.taken_at == datetime(2023, 6, 15, 14, 30, tzinfo=UTC)
    assert photo.camera_make == "Canon"
    assert photo.camera_model == "EOS R6"
    assert photo.content_type == "image/jpeg"


def test_decode_date_taken_offset_to_utc() -> None:
    exif = camera_exif(date_taken="2023:06:15 14:30:00", offset="+02:00")
    photo = decode_photo(photo_bytes(exif=exif), max_pixels=MAX_PIXELS)

    assert photo.taken_at == datetime(2023, 6, 15, 12, 30, tzinfo=UTC)


def test_decode_falls_back_to_datetime_tag() -> None:
    exif = camera_exif(date_taken=None, datetime_only="2020:01:02 03:04:05")
    photo = decode_photo(photo_bytes(exif=exif), max_pixels=MAX_PIXELS)

    assert photo.taken_at == datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_decode_ignores_unset_camera_clock() -> None:
    exif = camera_exif(date_taken="0000:00:00 00:00:00")
    photo = decode_photo(photo_bytes(exif=exif), max_pixels=MAX_PIXELS)

    assert photo.taken_at is None
    assert photo.camera_make == "Canon"


def test_decode_without_exif_has_no_date_or_camera() -> None:
    photo = decode_photo(photo_bytes("PNG"), max_pixels=MAX_PIXELS)

    assert photo.taken_at is None
    assert photo.camera_make is None
    assert photo.camera_model is None


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [
        ("JPEG", "image/jpeg"),
        ("PNG", "image/png"),
        ("WEBP", "image/webp"),
        ("TIFF", "image/tiff"),
        ("GIF", "image/gif"),
    ],
)
def test_decode_supported_formats(fmt: str, content_type: str) -> None:
    photo = decode_photo(photo_bytes(fmt, size=(48, 32), color=BLUE), max_pixels=MAX_PIXELS)

    assert photo.content_type == content_type
    assert (photo.width, photo.height) == (48, 32)
    assert photo.image.mode == "RGB"
    assert is_close(photo.image.getpixel((10, 10)), BLUE)


def test_decode_gif_gives_first_frame() -> None:
    photo = decode_photo(two_frame_gif(), max_pixels=MAX_PIXELS)

    assert photo.content_type == "image/gif"
    assert is_close(photo.image.getpixel((5, 5)), RED, tolerance=5)


def test_decode_heic() -> None:
    photo = decode_photo(heic_bytes(size=(64, 48), color=(0, 160, 0)), max_pixels=MAX_PIXELS)

    assert photo.content_type == "image/heic"
    assert (photo.width, photo.height) == (64, 48)
    assert photo.image.mode == "RGB"
    assert is_close(photo.image.getpixel((32, 24)), (0, 160, 0))


def test_decode_heic_orientation() -> None:
    photo = decode_photo(sideways_heic(6, size=(64, 32)), max_pixels=MAX_PIXELS)

    assert (photo.width, photo.height) == (32, 64)
    assert photo.image.size == (32, 64)
    assert is_close(photo.image.getpixel((28, 4)), RED, tolerance=60)
    assert is_close(photo.image.getpixel((4, 60)), BLUE, tolerance=60)


def test_decode_puts_transparency_on_white() -> None:
    buffer = io.BytesIO()
    Image.new("RGBA", (8, 8), (255, 0, 0, 0)).save(buffer, format="PNG")
    photo = decode_photo(buffer.getvalue(), max_pixels=MAX_PIXELS)

    assert photo.image.getpixel((4, 4)) == (255, 255, 255)


def test_decode_scales_16_bit_greyscale() -> None:
    buffer = io.BytesIO()
    Image.new("I;16", (8, 8), 32768).save(buffer, format="PNG")
    photo = decode_photo(buffer.getvalue(), max_pixels=MAX_PIXELS)

    assert photo.image.getpixel((4, 4)) == (128, 128, 128)


def test_decode_rejects_bomb_from_header_alone() -> None:
    # The header claims 5000 x 5000 and no pixel data follows, so decoding would fail as
    # corrupt. A rejection as a bomb shows that the header was checked first.
    error = rejection(png_header_only(5000, 5000), max_pixels=MAX_PIXELS)

    assert error.kind == "too_many_pixels"
    assert "25,000,000 pixels" in error.reason
    assert "1,000,000" in error.reason


def test_bomb_over_pillow_limit_names_ours() -> None:
    # 20000 x 20000 is over Pillow's own limit (about 179 million pixels), which then fires
    # before ours; the reason must still give the limit the tenant's settings set.
    error = rejection(png_header_only(20_000, 20_000), max_pixels=1_000_000_000)

    assert error.kind == "too_many_pixels"
    assert "1,000,000,000 pixels" in error.reason
    assert "178956970" not in error.reason


def test_decode_rejects_truncated_jpeg() -> None:
    error = rejection(truncated(sideways_jpeg(1, size=(200, 200))))

    assert error.kind == "corrupt"
    assert "truncated" in error.reason


def test_decode_rejects_truncated_png() -> None:
    image = Image.effect_noise((120, 120), 64).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")

    assert rejection(truncated(buffer.getvalue())).kind == "corrupt"


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (b"holiday notes\n", "not a photo in a supported format"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF document"),
        (photo_bytes("BMP"), "BMP image"),
    ],
)
def test_decode_rejects_unsupported_files(data: bytes, named: str) -> None:
    error = rejection(data)

    assert error.kind == "unsupported_format"
    assert named in error.reason
    assert "JPEG, PNG, WebP, TIFF, GIF and HEIC" in error.reason


def test_decode_rejects_empty_file() -> None:
    assert rejection(b"").kind == "empty"


def test_thumbnail_longest_side() -> None:
    photo = decode_photo(sideways_jpeg(6, size=(300, 150)), max_pixels=MAX_PIXELS)
    thumbnail = Image.open(io.BytesIO(make_thumbnail(photo.image, 64)))

    assert thumbnail.format == "JPEG"
    assert thumbnail.size == (32, 64)
