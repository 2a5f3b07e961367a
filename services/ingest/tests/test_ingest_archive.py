from __future__ import annotations

import io
import tracemalloc
import zipfile

import pytest

from services.ingest.archive import ArchiveEntry, ArchiveRejected, ZipLimits, expand_zip
from services.ingest.tests.samples import understate_size, zip_bytes

LIMITS = ZipLimits(max_entries=10, max_uncompressed_bytes=100_000, max_entry_bytes=50_000)
JPEG_START = b"\xff\xd8\xff"


def jpeg(rest: bytes) -> bytes:
    """Return bytes that start like a JPEG, enough to pass the archive's signature check."""
    return JPEG_START + rest


def expand(data: bytes, limits: ZipLimits = LIMITS) -> dict[str, ArchiveEntry]:
    return {entry.path: entry for entry in expand_zip(data, limits)}


def test_expand_gives_folders_and_bytes() -> None:
    entries = expand(
        zip_bytes({"top.jpg": jpeg(b"a"), "trip/day 1/beach.jpg": jpeg(b"b"), "trip/": b""})
    )

    assert set(entries) == {"top.jpg", "trip/day 1/beach.jpg"}
    assert entries["top.jpg"].folder == ""
    assert entries["top.jpg"].data == jpeg(b"a")
    assert entries["trip/day 1/beach.jpg"].folder == "trip/day 1"
    assert entries["trip/day 1/beach.jpg"].filename == "beach.jpg"
    assert entries["trip/day 1/beach.jpg"].data == jpeg(b"b")


def test_expand_skips_desktop_junk() -> None:
    archive = zip_bytes({
        "a.jpg": jpeg(b"a"),
        "__MACOSX/._a.jpg": b"junk",
        "trip/.DS_Store": b"junk",
        "trip/._b.jpg": b"junk",
        "trip/Thumbs.db": b"junk",
    })

    assert set(expand(archive)) == {"a.jpg"}


@pytest.mark.parametrize(
    "name", ["../evil.jpg", "trip/../../evil.jpg", "/etc/evil.jpg", "C:/evil.jpg", "..\\evil.jpg"]
)
def test_expand_rejects_escaping_path(name: str) -> None:
    entries = expand(zip_bytes({"good.jpg": jpeg(b"g"), name: jpeg(b"x")}))

    assert entries["good.jpg"].data == jpeg(b"g")
    assert entries[name].data is None
    assert entries[name].kind == "unsafe_path"
    assert "outside its folder" in (entries[name].reason or "")


def test_expand_rejects_symlink_entry() -> None:
    entries = expand(zip_bytes({"good.jpg": jpeg(b"g")}, symlinks={"link.jpg": "/etc/passwd"}))

    assert entries["good.jpg"].data == jpeg(b"g")
    assert entries["link.jpg"].data is None
    assert entries["link.jpg"].kind == "unsafe_path"
    assert "symbolic link" in (entries["link.jpg"].reason or "")


def test_expand_rejects_too_many_entries() -> None:
    archive = zip_bytes({f"{index}.jpg": jpeg(b"x") for index in range(11)})

    with pytest.raises(ArchiveRejected) as caught:
        expand_zip(archive, LIMITS)
    assert caught.value.kind == "zip_too_many_entries"
    assert "11 entries" in caught.value.reason


def test_expand_rejects_declared_size_over_limit() -> None:
    # 2 MB of zeros compresses to about 2 kB: a small zip bomb.
    archive = zip_bytes({"bomb.bin": bytes(2_000_000), "a.jpg": jpeg(b"a")})

    with pytest.raises(ArchiveRejected) as caught:
        expand_zip(archive, LIMITS)
    assert caught.value.kind == "zip_too_large"
    assert "2,000,004 bytes" in caught.value.reason


def test_expand_rejects_understated_entry_size() -> None:
    archive = understate_size(
        zip_bytes({"bomb.bin": jpeg(bytes(2_000_000)), "a.jpg": jpeg(b"a")}), 0, 1000
    )
    entries = expand(archive)

    assert entries["bomb.bin"].data is None
    assert entries["bomb.bin"].kind == "corrupt"
    assert "CRC" in (entries["bomb.bin"].reason or "")
    assert entries["a.jpg"].data == jpeg(b"a")


def test_expand_rejects_entry_over_photo_limit() -> None:
    limits = ZipLimits(max_entries=10, max_uncompressed_bytes=100_000, max_entry_bytes=1_000)
    entries = expand(zip_bytes({"big.jpg": bytes(5_000), "a.jpg": jpeg(b"a")}), limits)

    assert entries["big.jpg"].kind == "too_large"
    assert entries["a.jpg"].data == jpeg(b"a")


def test_expand_rejects_unreadable_archive() -> None:
    with pytest.raises(ArchiveRejected) as caught:
        expand_zip(b"PK\x03\x04 this is not really a zip", LIMITS)
    assert caught.value.kind == "corrupt_archive"


def test_expand_rejects_non_photo_before_reading_it() -> None:
    entry_bytes = 40 * 1024 * 1024
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for index in range(3):
            archive.writestr(f"a{index}.jpg", bytes(entry_bytes))
        archive.writestr("ok.jpg", jpeg(b"ok"))
    limits = ZipLimits(
        max_entries=10, max_uncompressed_bytes=4 * entry_bytes, max_entry_bytes=2 * entry_bytes
    )

    tracemalloc.start()
    try:
        entries = expand(buffer.getvalue(), limits)
        _, peak_bytes = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    for index in range(3):
        entry = entries[f"a{index}.jpg"]
        assert entry.data is None
        assert entry.kind == "unsupported_format"
        assert "not a photo" in (entry.reason or "")
    assert entries["ok.jpg"].data == jpeg(b"ok")
    # Reading one entry whole would allocate its 40 MiB; the signature check reads a few bytes.
    assert peak_bytes < 8 * 1024 * 1024


def test_expand_rejects_nested_zip_from_its_start() -> None:
    inner = zip_bytes({"a.jpg": jpeg(b"a")})
    entries = expand(zip_bytes({"inner.zip": inner}))

    assert entries["inner.zip"].kind == "nested_archive"
