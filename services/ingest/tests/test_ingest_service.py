from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from PIL import Image
from sqlalchemy.engine import Engine
from sqlmodel import select

from services.ingest.models import Asset, AssetStatus, UploadItemStatus
from services.ingest.schemas import UploadReport
from services.ingest.service import AssetNotFound, IngestService, InvalidUpload
from services.ingest.tests.samples import (
    RED,
    camera_exif,
    distinct_jpeg,
    heic_bytes,
    photo_bytes,
    png_header_only,
    sideways_jpeg,
    truncated,
    two_frame_gif,
    understate_size,
    zip_bytes,
)
from shared.bus.base import Record
from shared.bus.memory import InProcessBus
from shared.bus.topics import ASSET_INGESTED
from shared.contracts.v1.assets_pb2 import AssetIngested
from shared.db import session_scope
from shared.settings import Settings
from shared.storage import FilesystemStore, object_key


class IngestedRecords:
    """Collects what is published on asset.ingested, through a real consumer group."""

    def __init__(self, bus: InProcessBus) -> None:
        self.bus = bus
        self.messages: list[AssetIngested] = []
        bus.subscribe(ASSET_INGESTED.name, "test-recorder", self._handle, max_batch=100)
        bus.start()

    def _handle(self, records: Sequence[Record]) -> None:
        for record in records:
            message = AssetIngested()
            message.ParseFromString(record.value)
            self.messages.append(message)

    def collected(self) -> list[AssetIngested]:
        assert self.bus.wait_idle(timeout_s=10)
        return self.messages


@pytest.fixture
def ingested(bus: InProcessBus) -> IngestedRecords:
    return IngestedRecords(bus)


def by_path(report: UploadReport) -> dict[str, tuple[UploadItemStatus, str | None]]:
    return {item.path: (item.status, item.reason) for item in report.items}


def asset_rows(engine: Engine, tenant_id: str) -> list[Asset]:
    with session_scope(engine) as session:
        return list(session.exec(select(Asset).where(Asset.tenant_id == tenant_id)).all())


def test_reupload_of_same_photo_is_a_no_op(
    ingest: IngestService, engine: Engine, ingested: IngestedRecords
) -> None:
    photo = distinct_jpeg(1)
    first = ingest.ingest("acme", [("a.jpg", photo)])
    second = ingest.ingest("acme", [("again.jpg", photo)], folder="elsewhere", tags=["x"])

    assert first.stored == 1
    assert second.stored == 0
    assert second.duplicate == 1
    assert second.items[0].asset_id == first.items[0].asset_id
    rows = asset_rows(engine, "acme")
    assert len(rows) == 1
    assert rows[0].filename == "a.jpg"
    assert rows[0].folder == ""
    assert len(ingested.collected()) == 1


def test_duplicate_in_one_upload_stored_once(
    ingest: IngestService, engine: Engine
) -> None:
    photo = distinct_jpeg(2)
    report = ingest.ingest("acme", [("a.jpg", photo), ("b.jpg", photo)])

    assert [item.status for item in report.items] == [
        UploadItemStatus.STORED, UploadItemStatus.DUPLICATE
    ]
    assert len(asset_rows(engine, "acme")) == 1


def test_concurrent_same_photo_stored_once(
    ingest: IngestService, engine: Engine
) -> None:
    photo = distinct_jpeg(5)
    with ThreadPoolExecutor(max_workers=4) as pool:
        reports = list(pool.map(lambda i: ingest.ingest("acme", [(f"{i}.jpg", photo)]), range(4)))

    statuses = sorted(report.items[0].status.value for report in reports)
    assert statuses == ["duplicate", "duplicate", "duplicate", "stored"]
    assert len(asset_rows(engine, "acme")) == 1


def test_tenants_store_same_bytes_separately(
    ingest: IngestService, engine: Engine, objects: FilesystemStore
) -> None:
    photo = distinct_jpeg(3)
    acme = ingest.ingest("acme", [("a.jpg", photo)])
    globex = ingest.ingest("globex", [("a.jpg", photo)])

    assert acme.stored == 1
    assert globex.stored == 1
    asset_id = acme.items[0].asset_id
    assert asset_id is not None
    assert len(asset_rows(engine, "acme")) == 1
    assert len(asset_rows(engine, "globex")) == 1
    assert objects.get(object_key("acme", "originals", asset_id)) == photo
    assert objects.get(object_key("globex", "originals", asset_id)) == photo


def test_asset_id_is_sha256_of_bytes(ingest: IngestService) -> None:
    photo = distinct_jpeg(4)
    report = ingest.ingest("acme", [("a.jpg", photo)])

    assert report.items[0].asset_id == hashlib.sha256(photo).hexdigest()


def test_oriented_photo_is_stored_upright(ingest: IngestService) -> None:
    report = ingest.ingest("acme", [("portrait.jpg", sideways_jpeg(6, size=(120, 60)))])
    asset_id = report.items[0].asset_id
    assert asset_id is not None

    asset = ingest.get_asset("acme", asset_id)
    thumbnail = Image.open(io.BytesIO(ingest.thumbnail("acme", asset_id))).convert("RGB")

    assert (asset.width, asset.height) == (60, 120)
    assert thumbnail.size == (16, 32)
    red_corner = thumbnail.getpixel((thumbnail.width - 2, 1))
    assert all(abs(a - b) < 60 for a, b in zip(red_corner, RED, strict=True))


def test_asset_keeps_date_taken_and_camera(ingest: IngestService) -> None:
    exif = camera_exif(date_taken="2022:12:24 18:00:00", make="FUJIFILM", model="X-T4")
    report = ingest.ingest("acme", [("xmas.jpg", photo_bytes(exif=exif))])
    asset = ingest.get_asset("acme", report.items[0].asset_id or "")

    assert asset.taken_at == datetime(2022, 12, 24, 18, 0, tzinfo=UTC)
    assert asset.camera_make == "FUJIFILM"
    assert asset.camera_model == "X-T4"
    assert asset.content_type == "image/jpeg"
    assert asset.status == AssetStatus.STORED


def test_batch_of_every_format_stored(ingest: IngestService) -> None:
    files = [
        ("a.png", photo_bytes("PNG")),
        ("b.webp", photo_bytes("WEBP")),
        ("c.tiff", photo_bytes("TIFF")),
        ("d.gif", two_frame_gif()),
        ("e.heic", heic_bytes()),
    ]
    report = ingest.ingest("acme", files)

    assert report.stored == 5
    types = {
        item.path: ingest.get_asset("acme", item.asset_id or "").content_type
        for item in report.items
    }
    assert types == {
        "a.png": "image/png",
        "b.webp": "image/webp",
        "c.tiff": "image/tiff",
        "d.gif": "image/gif",
        "e.heic": "image/heic",
    }


def test_bad_files_are_rejected_alone(
    ingest: IngestService, engine: Engine, ingested: IngestedRecords
) -> None:
    archive = zip_bytes({"trip/ok.jpg": distinct_jpeg(10), "../escape.jpg": distinct_jpeg(11)})
    files = [
        ("good.jpg", distinct_jpeg(12)),
        ("truncated.jpg", truncated(sideways_jpeg(1, size=(200, 200)))),
        ("bomb.png", png_header_only(5000, 5000)),
        ("notes.txt", b"not a photo\n"),
        ("scan.pdf", b"%PDF-1.7\n"),
        ("archive.zip", archive),
    ]
    report = ingest.ingest("acme", files)
    outcomes = by_path(report)

    assert outcomes["good.jpg"][0] == UploadItemStatus.STORED
    assert outcomes["archive.zip/trip/ok.jpg"][0] == UploadItemStatus.STORED
    assert outcomes["truncated.jpg"][0] == UploadItemStatus.REJECTED
    assert "truncated" in (outcomes["truncated.jpg"][1] or "")
    assert "decompression bomb" in (outcomes["bomb.png"][1] or "")
    assert "JPEG, PNG, WebP, TIFF, GIF and HEIC" in (outcomes["notes.txt"][1] or "")
    assert "PDF document" in (outcomes["scan.pdf"][1] or "")
    assert "outside its folder" in (outcomes["archive.zip/../escape.jpg"][1] or "")
    assert (report.stored, report.duplicate, report.rejected) == (2, 0, 5)
    assert len(asset_rows(engine, "acme")) == 2
    assert len(ingested.collected()) == 2


def test_zip_folders_go_below_upload_folder(ingest: IngestService) -> None:
    archive = zip_bytes({
        "top.jpg": distinct_jpeg(20),
        "summer/beach.jpg": distinct_jpeg(21),
        "__MACOSX/summer/._beach.jpg": b"resource fork",
        "summer/.DS_Store": b"finder data",
    })
    report = ingest.ingest("acme", [("photos.zip", archive)], folder="/2024/", tags=["club"])

    assert {item.path for item in report.items} == {
        "photos.zip/top.jpg", "photos.zip/summer/beach.jpg"
    }
    folders = {
        item.path: ingest.get_asset("acme", item.asset_id or "").folder for item in report.items
    }
    assert folders == {"photos.zip/top.jpg": "2024", "photos.zip/summer/beach.jpg": "2024/summer"}
    beach = ingest.get_asset("acme", report.items[1].asset_id or "")
    assert beach.filename == "beach.jpg"
    assert beach.tags == ["club"]


def test_file_name_folders_go_below_upload_folder(ingest: IngestService) -> None:
    files = [
        ("trip/day 1/beach.jpg", distinct_jpeg(22)),
        ("../../escape.jpg", distinct_jpeg(23)),
        ("C:\\Users\\me\\desk.jpg", distinct_jpeg(24)),
        ("trip/more.zip", zip_bytes({"sea/wave.jpg": distinct_jpeg(25)})),
    ]
    report = ingest.ingest("acme", files, folder="2024")
    placed = {
        item.path: (asset.folder, asset.filename)
        for item in report.items
        for asset in [ingest.get_asset("acme", item.asset_id or "")]
    }

    assert placed == {
        "trip/day 1/beach.jpg": ("2024/trip/day 1", "beach.jpg"),
        "escape.jpg": ("2024", "escape.jpg"),
        "desk.jpg": ("2024", "desk.jpg"),
        "trip/more.zip/sea/wave.jpg": ("2024/trip/sea", "wave.jpg"),
    }


def test_zip_bomb_rejected_batch_continues(ingest: IngestService) -> None:
    bomb = zip_bytes({"zeros.jpg": bytes(3_000_000)})
    report = ingest.ingest("acme", [("bomb.zip", bomb), ("good.jpg", distinct_jpeg(30))])
    outcomes = by_path(report)

    assert outcomes["bomb.zip"][0] == UploadItemStatus.REJECTED
    assert "over the limit of 1,000,000 bytes" in (outcomes["bomb.zip"][1] or "")
    assert outcomes["good.jpg"][0] == UploadItemStatus.STORED


def test_zip_lying_header_rejected(ingest: IngestService) -> None:
    # The entry starts like a JPEG, so it passes the signature check and is read until the
    # CRC check fails at the understated size.
    zeros = b"\xff\xd8\xff" + bytes(3_000_000)
    archive = zip_bytes({"zeros.jpg": zeros, "ok.jpg": distinct_jpeg(31)})
    report = ingest.ingest("acme", [("lying.zip", understate_size(archive, 0, 500))])
    outcomes = by_path(report)

    assert outcomes["lying.zip/zeros.jpg"][0] == UploadItemStatus.REJECTED
    assert "damaged" in (outcomes["lying.zip/zeros.jpg"][1] or "")
    assert outcomes["lying.zip/ok.jpg"][0] == UploadItemStatus.STORED


def test_zip_too_many_entries_rejected(ingest: IngestService) -> None:
    archive = zip_bytes({f"{index}.jpg": distinct_jpeg(index) for index in range(21)})
    report = ingest.ingest("acme", [("many.zip", archive)])

    assert by_path(report) == {
        "many.zip": (
            UploadItemStatus.REJECTED,
            "The zip archive has 21 entries, over the limit of 20. "
            "Split it into smaller archives.",
        )
    }


def test_nested_zip_is_rejected(ingest: IngestService) -> None:
    inner = zip_bytes({"a.jpg": distinct_jpeg(40)})
    report = ingest.ingest("acme", [("outer.zip", zip_bytes({"inner.zip": inner}))])

    assert report.items[0].status == UploadItemStatus.REJECTED
    assert "inside a zip" in (report.items[0].reason or "")


def test_file_over_size_limit_rejected(ingest: IngestService) -> None:
    report = ingest.ingest("acme", [("huge.jpg", bytes(2_000_001))])

    assert report.items[0].status == UploadItemStatus.REJECTED
    assert "over the limit of 2,000,000 bytes" in (report.items[0].reason or "")


def test_failed_item_keeps_existing_asset(
    ingest: IngestService, objects: FilesystemStore
) -> None:
    photo = distinct_jpeg(50)
    asset_id = ingest.ingest("acme", [("a.jpg", photo)]).items[0].asset_id or ""
    thumbnail = ingest.thumbnail("acme", asset_id)
    report = ingest.ingest("acme", [("a.jpg", photo), ("a-broken.jpg", truncated(photo))])

    assert [item.status for item in report.items] == [
        UploadItemStatus.DUPLICATE, UploadItemStatus.REJECTED
    ]
    assert ingest.original("acme", asset_id) == photo
    assert ingest.thumbnail("acme", asset_id) == thumbnail
    assert ingest.get_asset("acme", asset_id).filename == "a.jpg"


def test_ingested_record_names_storage_key(
    ingest: IngestService, objects: FilesystemStore, ingested: IngestedRecords
) -> None:
    exif = camera_exif(date_taken="2021:03:04 05:06:07")
    photo = photo_bytes(size=(400, 300), exif=exif)
    report = ingest.ingest("acme", [("a.jpg", photo)], folder="club", tags=["b, a", "b"])
    [message] = ingested.collected()

    assert message.tenant_id == "acme"
    assert message.asset_id == report.items[0].asset_id
    assert message.storage_key == object_key("acme", "originals", message.asset_id)
    assert objects.get(message.storage_key) == photo
    assert message.content_type == "image/jpeg"
    assert message.metadata.folder == "club"
    assert list(message.metadata.tags) == ["b", "a"]
    assert message.metadata.filename == "a.jpg"
    assert message.metadata.taken_at == int(datetime(2021, 3, 4, 5, 6, 7, tzinfo=UTC).timestamp())
    assert len(message.SerializeToString()) < 300


def test_ingest_rejects_invalid_input(ingest: IngestService) -> None:
    with pytest.raises(InvalidUpload, match="no files"):
        ingest.ingest("acme", [])
    with pytest.raises(InvalidUpload, match=r'must not contain "\.\."'):
        ingest.ingest("acme", [("a.jpg", distinct_jpeg(60))], folder="a/../../b")


def test_upload_report_can_be_read_back(ingest: IngestService) -> None:
    report = ingest.ingest("acme", [("a.jpg", distinct_jpeg(61)), ("b.txt", b"text")])
    again = ingest.get_upload("acme", report.upload_id)

    assert again.items == report.items
    assert (again.stored, again.rejected) == (1, 1)


def test_list_assets_pages_with_total(ingest: IngestService) -> None:
    ingest.ingest("acme", [(f"{index}.jpg", distinct_jpeg(70 + index)) for index in range(5)])
    ingest.ingest("globex", [("other.jpg", distinct_jpeg(90))])

    first = ingest.list_assets("acme", limit=2, offset=0)
    last = ingest.list_assets("acme", limit=2, offset=4)
    seen = [
        asset.asset_id
        for offset in (0, 2, 4)
        for asset in ingest.list_assets("acme", limit=2, offset=offset).items
    ]

    assert first.total == 5
    assert len(first.items) == 2
    assert len(last.items) == 1
    assert len(set(seen)) == 5
    assert ingest.list_assets("acme", status=AssetStatus.INDEXED).total == 0
    assert ingest.list_assets("acme", status=AssetStatus.STORED).total == 5


def test_delete_asset_removes_row_and_objects(
    ingest: IngestService, objects: FilesystemStore
) -> None:
    asset_id = ingest.ingest("acme", [("a.jpg", distinct_jpeg(80))]).items[0].asset_id or ""
    ingest.ingest("globex", [("a.jpg", distinct_jpeg(80))])

    with pytest.raises(AssetNotFound):
        ingest.delete_asset("initech", asset_id)
    ingest.delete_asset("acme", asset_id)

    with pytest.raises(AssetNotFound):
        ingest.get_asset("acme", asset_id)
    assert not objects.exists(object_key("acme", "originals", asset_id))
    assert not objects.exists(object_key("acme", "thumbnails", asset_id))
    assert ingest.get_asset("globex", asset_id).asset_id == asset_id
    assert objects.exists(object_key("globex", "originals", asset_id))


def test_reupload_after_delete_stores_again(ingest: IngestService) -> None:
    photo = distinct_jpeg(81)
    asset_id = ingest.ingest("acme", [("a.jpg", photo)]).items[0].asset_id or ""
    ingest.delete_asset("acme", asset_id)

    assert ingest.ingest("acme", [("a.jpg", photo)]).stored == 1


def test_other_tenant_cannot_read_asset(ingest: IngestService) -> None:
    asset_id = ingest.ingest("acme", [("a.jpg", distinct_jpeg(82))]).items[0].asset_id or ""

    with pytest.raises(AssetNotFound):
        ingest.get_asset("globex", asset_id)
    with pytest.raises(AssetNotFound):
        ingest.thumbnail("globex", asset_id)
    with pytest.raises(AssetNotFound):
        ingest.original("globex", asset_id)
    with pytest.raises(AssetNotFound):
        ingest.get_asset("acme", "../../etc/passwd")


def test_delete_tenant_removes_everything(
    ingest: IngestService, engine: Engine, objects: FilesystemStore
) -> None:
    asset_id = ingest.ingest("acme", [("a.jpg", distinct_jpeg(83))]).items[0].asset_id or ""
    ingest.ingest("globex", [("b.jpg", distinct_jpeg(84))])

    assert ingest.delete_tenant("acme") == 1
    assert asset_rows(engine, "acme") == []
    assert not objects.exists(object_key("acme", "originals", asset_id))
    assert len(asset_rows(engine, "globex")) == 1


def test_resume_republishes_unfinished_assets(
    ingest: IngestService,
    engine: Engine,
    ingested: IngestedRecords,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("services.ingest.service._RESUME_PAGE", 1)
    report = ingest.ingest("acme", [(f"{i}.jpg", distinct_jpeg(100 + i)) for i in range(4)])
    ingest.ingest("globex", [("g.jpg", distinct_jpeg(110))])
    ids = [item.asset_id for item in report.items]
    with session_scope(engine) as session:
        for asset_id, status in zip(
            ids, [AssetStatus.EMBEDDED, AssetStatus.INDEXED, AssetStatus.FAILED], strict=False
        ):
            asset = session.get(Asset, ("acme", asset_id))
            assert asset is not None
            asset.status = status
            session.add(asset)
        session.commit()
    before = len(ingested.collected())

    sent = ingest.resume("acme")

    resent = {message.asset_id for message in ingested.collected()[before:]}
    assert sent == 2
    assert resent == {ids[0], ids[3]}
    assert ingest.resume() == 3


class UnreachableBus(InProcessBus):
    """An in-process bus whose publish fails while ``reachable`` is False, as a broker can."""

    reachable = False

    def publish(self, topic: str, key: str, value: bytes, headers: dict[str, str] | None = None
                ) -> None:
        if not self.reachable:
            raise ConnectionError("broker unreachable")
        super().publish(topic, key, value, headers)


def test_publish_failure_keeps_asset_for_resume(
    settings: Settings, engine: Engine, objects: FilesystemStore
) -> None:
    bus = UnreachableBus()
    recorder = IngestedRecords(bus)
    ingest = IngestService(settings, engine, bus, objects)
    try:
        report = ingest.ingest("acme", [("a.jpg", distinct_jpeg(120))])
        bus.reachable = True
        sent = ingest.resume("acme")

        assert report.stored == 1
        assert ingest.get_asset("acme", report.items[0].asset_id or "").status == "stored"
        assert sent == 1
        assert [m.asset_id for m in recorder.collected()] == [report.items[0].asset_id]
    finally:
        bus.stop(timeout_s=5)


def test_reindex_interrupted_is_resumed(
    settings: Settings, engine: Engine, objects: FilesystemStore
) -> None:
    bus = UnreachableBus()
    bus.reachable = True
    recorder = IngestedRecords(bus)
    ingest = IngestService(settings, engine, bus, objects)
    try:
        report = ingest.ingest("acme", [(f"{i}.jpg", distinct_jpeg(130 + i)) for i in range(3)])
        ids = {item.asset_id for item in report.items}
        with session_scope(engine) as session:
            for asset_id in ids:
                asset = session.get(Asset, ("acme", asset_id))
                assert asset is not None
                asset.status = AssetStatus.INDEXED
                session.add(asset)
            session.commit()
        # The broker going away stands in for a crash: the reindex stops before its records
        # are sent, as they are lost from the in-process bus when the process stops.
        bus.reachable = False
        with pytest.raises(ConnectionError):
            ingest.reindex("acme", lambda done, total: None)
        bus.reachable = True
        before = len(recorder.collected())

        sent = ingest.resume("acme")

        assert sent == 3
        assert {m.asset_id for m in recorder.collected()[before:]} == ids
    finally:
        bus.stop(timeout_s=5)
