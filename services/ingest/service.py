"""The ingest service: store uploaded photos as assets and announce them to the pipeline.

An asset's id is the SHA-256 of its bytes, so a re-upload within a tenant is reported as a
duplicate and changes nothing. A file is stored in this order: original and thumbnail in the
object store, then the Asset row and its upload item in one transaction, then the AssetIngested
record. A crash between the steps leaves either no row (the upload can be repeated) or a stored
row whose record ``resume`` sends again.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from sqlalchemy import delete, func, tuple_, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from services.ingest import metrics
from services.ingest.archive import ArchiveRejected, ZipLimits, expand_zip, looks_like_zip
from services.ingest.images import PhotoRejected, decode_photo, make_thumbnail
from services.ingest.models import (
    Asset,
    AssetStatus,
    Upload,
    UploadItem,
    UploadItemStatus,
    utcnow,
)
from services.ingest.schemas import (
    AssetPage,
    AssetPublic,
    UploadItemPublic,
    UploadReport,
    split_tags,
)
from services.ingest.status import StatusConsumers
from shared.bus.base import MessageBus
from shared.bus.topics import ASSET_DELETED, ASSET_INGESTED, CONTRACT_VERSION
from shared.consumer import RetryPolicy
from shared.contracts.v1.assets_pb2 import AssetDeleted, AssetIngested, AssetMetadata
from shared.db import session_scope
from shared.settings import Settings
from shared.storage import ObjectStore, object_key

log = logging.getLogger(__name__)

ORIGINALS = "originals"
THUMBNAILS = "thumbnails"
MAX_TAG_LENGTH = 64
MAX_FOLDER_LENGTH = 512
_ASSET_ID = re.compile(r"^[0-9a-f]{64}$")
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:")
_RESUME_PAGE = 500

Progress = Callable[[int, int], None]
"""Called with (done, total) as a maintenance job goes through a tenant's assets."""


class InvalidUpload(ValueError):
    """Raised for an upload that cannot be taken at all (no files, an invalid folder or tag)."""


class AssetNotFound(LookupError):
    """Raised for an asset id the tenant does not have; another tenant's asset included."""


class UploadNotFound(LookupError):
    """Raised for an upload id the tenant does not have."""


class UploadDeleted(RuntimeError):
    """Raised when the upload, its data set or its tenant was deleted while the upload ran."""


@dataclass(frozen=True)
class _Outcome:
    """The outcome of one file of an upload, as its upload item records it."""

    path: str
    status: UploadItemStatus
    asset_id: str | None = None
    reason: str | None = None
    kind: str | None = None


@dataclass(frozen=True)
class _Photo:
    """One photo to store: a top-level file or a zip entry, with where it goes."""

    path: str
    filename: str
    folder: str
    data: bytes


class IngestService:
    def __init__(
        self, settings: Settings, engine: Engine, bus: MessageBus, objects: ObjectStore
    ) -> None:
        self._settings = settings.ingest
        self._engine = engine
        self._bus = bus
        self._objects = objects
        self._zip_limits = ZipLimits(
            max_entries=settings.ingest.max_zip_entries,
            max_uncompressed_bytes=settings.ingest.max_zip_uncompressed_bytes,
            max_entry_bytes=settings.ingest.max_upload_bytes,
        )
        self._status = StatusConsumers(
            engine,
            bus,
            RetryPolicy(settings.bus.max_attempts, settings.bus.retry_backoff_s),
        )
        self._running: set[str] = set()
        self._running_lock = threading.Lock()

    @property
    def max_upload_bytes(self) -> int:
        return self._settings.max_upload_bytes

    def subscribe(self) -> None:
        """Register the status consumers (group "ingest-status") on the bus."""
        self._status.subscribe()

    def is_running(self, upload_id: str) -> bool:
        """Return whether this process is still storing the upload's files."""
        with self._running_lock:
            return upload_id in self._running

    # -- uploads -------------------------------------------------------------------------------

    def ingest(
        self,
        tenant_id: str,
        files: Iterable[tuple[str, bytes]],
        folder: str = "",
        tags: Sequence[str] = (),
    ) -> UploadReport:
        """Store each photo of ``files`` (name, bytes), expanding zip archives, and report each.

        One file's rejection never stops the others. Raises ``InvalidUpload`` before storing
        anything when there are no files or the folder or a tag is invalid.
        """
        files = list(files)
        if not files:
            raise InvalidUpload("The upload contains no files; send one or more photos or zips.")
        base_folder = normalize_folder(folder)
        tag_text = ",".join(normalize_tags(tags))
        started = time.perf_counter()

        upload = Upload(upload_id=uuid.uuid4().hex, tenant_id=tenant_id)
        with session_scope(self._engine) as session:
            session.add(upload)
            session.commit()
        items = []
        with self._running_lock:
            self._running.add(upload.upload_id)
        try:
            for name, data in files:
                for outcome in self._ingest_file(tenant_id, upload.upload_id, name, data,
                                                 base_folder, tag_text):
                    items.append(
                        UploadItemPublic(path=outcome.path, status=outcome.status,
                                         asset_id=outcome.asset_id, reason=outcome.reason)
                    )
        finally:
            with self._running_lock:
                self._running.discard(upload.upload_id)

        report = UploadReport.from_items(upload.upload_id, upload.created_at, items)
        elapsed = time.perf_counter() - started
        metrics.UPLOAD_SECONDS.observe(elapsed)
        log.info(
            "upload %s for tenant %s: %d stored, %d duplicate, %d rejected in %.2f s",
            upload.upload_id, tenant_id, report.stored, report.duplicate, report.rejected, elapsed,
        )
        return report

    def get_upload(self, tenant_id: str, upload_id: str) -> UploadReport:
        with session_scope(self._engine) as session:
            upload = session.get(Upload, upload_id)
            if upload is None or upload.tenant_id != tenant_id:
                raise UploadNotFound(f"Upload {upload_id!r} was not found.")
            rows = session.exec(
                select(UploadItem)
                .where(UploadItem.upload_id == upload_id)
                .order_by(col(UploadItem.id))
            ).all()
        items = [UploadItemPublic.from_row(row) for row in rows]
        return UploadReport.from_items(upload.upload_id, upload.created_at, items)

    # -- assets --------------------------------------------------------------------------------

    def get_asset(self, tenant_id: str, asset_id: str) -> AssetPublic:
        with session_scope(self._engine) as session:
            return AssetPublic.from_row(_find_asset(session, tenant_id, asset_id))

    def list_assets(
        self,
        tenant_id: str,
        *,
        limit: int = 50,
        offset: int = 0,
        status: AssetStatus | None = None,
        folder: str | None = None,
    ) -> AssetPage:
        """Return one page of the tenant's assets, newest first, with the total count."""
        conditions = [Asset.tenant_id == tenant_id]
        if status is not None:
            conditions.append(Asset.status == status)
        if folder is not None:
            conditions.append(Asset.folder == normalize_folder(folder))
        with session_scope(self._engine) as session:
            total = session.exec(select(func.count()).select_from(Asset).where(*conditions)).one()
            rows = session.exec(
                select(Asset)
                .where(*conditions)
                .order_by(col(Asset.created_at).desc(), col(Asset.asset_id))
                .limit(limit)
                .offset(offset)
            ).all()
        items = [AssetPublic.from_row(row) for row in rows]
        return AssetPage(items=items, total=total, limit=limit, offset=offset)

    def thumbnail(self, tenant_id: str, asset_id: str) -> bytes:
        """Return the asset's JPEG thumbnail."""
        return self._read_object(tenant_id, asset_id, THUMBNAILS, "thumbnail")

    def original(self, tenant_id: str, asset_id: str) -> bytes:
        """Return the bytes that were uploaded."""
        return self._read_object(tenant_id, asset_id, ORIGINALS, "original")

    def delete_asset(self, tenant_id: str, asset_id: str) -> int:
        """Delete the asset's row, original and thumbnail, and tell search to drop its vector.

        Returns how many stored files were deleted.

        A photo deleted while its AssetEmbedded record is still in flight can be indexed after
        the AssetDeleted record is handled, because the two topics are not ordered against each
        other. Its asset.indexed record then makes the status consumer send AssetDeleted again.
        """
        with session_scope(self._engine) as session:
            session.delete(_find_asset(session, tenant_id, asset_id))
            session.commit()
        files = 0
        for kind in (ORIGINALS, THUMBNAILS):
            key = object_key(tenant_id, kind, asset_id)
            if self._objects.exists(key):
                self._objects.delete(key)
                files += 1
        deleted = AssetDeleted(version=CONTRACT_VERSION, tenant_id=tenant_id, asset_id=asset_id)
        self._bus.publish(ASSET_DELETED.name, tenant_id, deleted.SerializeToString())
        log.info("deleted asset %s of tenant %s", asset_id, tenant_id)
        return files

    def delete_tenant(self, tenant_id: str) -> int:
        """Delete every asset, upload and stored object of the tenant; returns the asset count."""
        with session_scope(self._engine) as session:
            deleted = session.execute(delete(Asset).where(Asset.tenant_id == tenant_id)).rowcount
            session.execute(delete(UploadItem).where(UploadItem.tenant_id == tenant_id))
            session.execute(delete(Upload).where(Upload.tenant_id == tenant_id))
            session.commit()
        for kind in (ORIGINALS, THUMBNAILS):
            self._objects.delete_prefix(_kind_prefix(tenant_id, kind))
        log.info("deleted tenant %s: %d assets", tenant_id, deleted)
        return deleted

    def resume(self, tenant_id: str | None = None) -> int:
        """Send AssetIngested again for every asset still stored or embedded.

        The in-process bus keeps records only in memory, so after a restart this puts the
        unfinished assets back into the pipeline. ``tenant_id`` None means every tenant.
        Returns how many records were sent.
        """
        sent = 0
        for asset in self._assets(tenant_id, statuses=(AssetStatus.STORED, AssetStatus.EMBEDDED)):
            self._publish_ingested(asset)
            sent += 1
        log.info("resumed %d unfinished assets for tenant %s", sent, tenant_id or "(all)")
        return sent

    # -- maintenance jobs ----------------------------------------------------------------------

    def reindex(self, tenant_id: str, progress: Progress) -> dict[str, int]:
        """Send AssetIngested again for every asset of the tenant, whatever its status.

        The pipeline embeds each photo again and upserts its vector, so the index then contains
        one vector per asset from the current photo model. Every asset is first set back to
        stored, in one transaction before any record is sent, so that ``resume`` sends again
        whatever a crash left unembedded. The old vector stays searchable meanwhile. Returns
        how many records were sent; the embedding happens after the job, as the records are
        consumed.
        """
        total = self._count_assets(tenant_id)
        self._mark_stored(tenant_id)
        sent = 0
        for sent, asset in enumerate(self._assets(tenant_id, statuses=None), start=1):
            self._publish_ingested(asset)
            progress(sent, total)
        log.info("reindex of tenant %s: sent %d assets to embedding", tenant_id, sent)
        return {"assets": total, "sent": sent}

    def rebuild_thumbnails(self, tenant_id: str, progress: Progress) -> dict[str, object]:
        """Make every thumbnail of the tenant again from its original, at the current size.

        An asset whose original is missing or cannot be decoded keeps its thumbnail and is
        listed in the result's ``failed`` (the first 50, with the reason).
        """
        total = self._count_assets(tenant_id)
        rebuilt = 0
        failed: list[dict[str, str]] = []
        for done, asset in enumerate(self._assets(tenant_id, statuses=None), start=1):
            reason = self._rebuild_thumbnail(asset)
            if reason is None:
                rebuilt += 1
            else:
                failed.append({"asset_id": asset.asset_id, "reason": reason})
            progress(done, total)
        log.info(
            "rebuilt %d of %d thumbnails of tenant %s (%d failed)",
            rebuilt, total, tenant_id, len(failed),
        )
        return {"assets": total, "rebuilt": rebuilt, "failed_count": len(failed),
                "failed": failed[:50]}

    def _rebuild_thumbnail(self, asset: Asset) -> str | None:
        """Replace one asset's thumbnail; return why it failed, or None."""
        original_key = object_key(asset.tenant_id, ORIGINALS, asset.asset_id)
        try:
            data = self._objects.get(original_key)
        except KeyError:
            log.error(
                "thumbnail of asset %s of tenant %s not rebuilt: no original at %s",
                asset.asset_id, asset.tenant_id, original_key,
            )
            return "The original is missing from the object store."
        try:
            decoded = decode_photo(
                data,
                max_pixels=self._settings.max_image_pixels,
                draft_size=self._settings.thumbnail_size,
            )
        except PhotoRejected as error:
            log.error(
                "thumbnail of asset %s of tenant %s not rebuilt: %s",
                asset.asset_id, asset.tenant_id, error.reason,
            )
            return error.reason
        thumbnail = make_thumbnail(decoded.image, self._settings.thumbnail_size)
        self._objects.put(object_key(asset.tenant_id, THUMBNAILS, asset.asset_id), thumbnail)
        return None

    def _mark_stored(self, tenant_id: str) -> None:
        with session_scope(self._engine) as session:
            statement = (
                update(Asset)
                .where(Asset.tenant_id == tenant_id)  # type: ignore[arg-type]
                .values(status=AssetStatus.STORED, failure_reason=None, updated_at=utcnow())
            )
            changed = session.execute(statement).rowcount  # type: ignore[attr-defined]
            session.commit()
        log.info("reindex of tenant %s: set %d assets back to stored", tenant_id, changed)

    def _count_assets(self, tenant_id: str) -> int:
        with session_scope(self._engine) as session:
            return session.exec(
                select(func.count()).select_from(Asset).where(Asset.tenant_id == tenant_id)
            ).one()

    # -- one file ------------------------------------------------------------------------------

    def _ingest_file(
        self, tenant_id: str, upload_id: str, name: str, data: bytes, folder: str, tags: str
    ) -> Iterator[_Outcome]:
        name_folders, filename = split_file_name(name)
        path = "/".join([*name_folders, filename])
        file_folder = "/".join([part for part in (folder, *name_folders) if part])
        if len(data) > self._settings.max_upload_bytes:
            outcome = _rejected(
                path,
                f"The file is {len(data):,} bytes, over the limit of "
                f"{self._settings.max_upload_bytes:,} bytes.",
                "too_large",
            )
            yield self._record(tenant_id, upload_id, outcome)
            return
        suffix = PurePosixPath(filename).suffix.lower()
        if suffix == ".zip" or (suffix == "" and looks_like_zip(data)):
            yield from self._ingest_zip(tenant_id, upload_id, path, data, file_folder, tags)
            return
        photo = _Photo(path=path, filename=filename, folder=file_folder, data=data)
        yield self._ingest_photo(tenant_id, upload_id, photo, tags)

    def _ingest_zip(
        self, tenant_id: str, upload_id: str, archive_path: str, data: bytes, folder: str,
        tags: str,
    ) -> Iterator[_Outcome]:
        try:
            entries = expand_zip(data, self._zip_limits)
        except ArchiveRejected as error:
            outcome = _rejected(archive_path, error.reason, error.kind)
            yield self._record(tenant_id, upload_id, outcome)
            return
        for entry in entries:
            path = f"{archive_path}/{entry.path}"
            if entry.data is None:
                yield self._record(
                    tenant_id, upload_id, _rejected(path, entry.reason or "", entry.kind or "")
                )
                continue
            entry_folder = "/".join(part for part in (folder, entry.folder) if part)
            photo = _Photo(path=path, filename=entry.filename, folder=entry_folder,
                           data=entry.data)
            yield self._ingest_photo(tenant_id, upload_id, photo, tags)

    def _ingest_photo(self, tenant_id: str, upload_id: str, photo: _Photo, tags: str) -> _Outcome:
        started = time.perf_counter()
        asset_id = hashlib.sha256(photo.data).hexdigest()
        if self._asset_exists(tenant_id, asset_id):
            return self._record(tenant_id, upload_id, _duplicate(photo.path, asset_id))
        try:
            decoded = decode_photo(
                photo.data,
                max_pixels=self._settings.max_image_pixels,
                draft_size=self._settings.thumbnail_size,
            )
        except PhotoRejected as error:
            return self._record(tenant_id, upload_id, _rejected(photo.path, error.reason,
                                                                error.kind))
        thumbnail = make_thumbnail(decoded.image, self._settings.thumbnail_size)

        asset = Asset(
            tenant_id=tenant_id,
            asset_id=asset_id,
            filename=photo.filename,
            folder=photo.folder,
            tags=tags,
            content_type=decoded.content_type,
            byte_size=len(photo.data),
            width=decoded.width,
            height=decoded.height,
            taken_at=decoded.taken_at,
            camera_make=decoded.camera_make,
            camera_model=decoded.camera_model,
        )
        outcome = self._store(upload_id, asset, photo, thumbnail)
        if outcome.status == UploadItemStatus.STORED:
            self._announce(asset)
            metrics.FILE_SECONDS.observe(time.perf_counter() - started)
        return outcome

    def _announce(self, asset: Asset) -> None:
        try:
            self._publish_ingested(asset)
        except Exception:
            # The asset is stored either way, and resume() sends the record again.
            log.exception(
                "publishing AssetIngested failed for asset %s of tenant %s; it stays stored",
                asset.asset_id, asset.tenant_id,
            )

    def _store(self, upload_id: str, asset: Asset, photo: _Photo, thumbnail: bytes) -> _Outcome:
        tenant_id, asset_id = asset.tenant_id, asset.asset_id
        original_key = object_key(tenant_id, ORIGINALS, asset_id)
        thumbnail_key = object_key(tenant_id, THUMBNAILS, asset_id)
        stored = _Outcome(photo.path, UploadItemStatus.STORED, asset_id)
        try:
            self._objects.put(original_key, photo.data)
            self._objects.put(thumbnail_key, thumbnail)
            with session_scope(self._engine) as session:
                session.add(asset)
                session.add(_item_row(tenant_id, upload_id, stored))
                session.commit()
        except IntegrityError:
            if not self._upload_exists(upload_id):
                self._discard_unreferenced(tenant_id, asset_id, (original_key, thumbnail_key))
                raise self._deleted_while_running(tenant_id, upload_id) from None
            # A concurrent upload of the same bytes stored the row first. Its objects have the
            # same keys and the same content, so nothing of it is lost or changed.
            return self._record(tenant_id, upload_id, _duplicate(photo.path, asset_id))
        except OSError as error:
            log.exception("storing asset %s of tenant %s failed", asset_id, tenant_id)
            self._discard_unreferenced(tenant_id, asset_id, (original_key, thumbnail_key))
            reason = f"Storing the photo failed ({error}); upload it again later."
            return self._record(tenant_id, upload_id, _rejected(photo.path, reason,
                                                                "storage_error"))
        metrics.FILES_STORED.inc()
        log.info(
            "stored asset %s for tenant %s: %s (%dx%d, %d bytes) in folder %r",
            asset_id, tenant_id, photo.path, asset.width, asset.height, asset.byte_size,
            asset.folder,
        )
        return stored

    def _discard_unreferenced(self, tenant_id: str, asset_id: str, keys: Sequence[str]) -> None:
        # Objects are keyed by content, so another upload may have stored a row for them
        # meanwhile. They are removed only when no row refers to them.
        if self._asset_exists(tenant_id, asset_id):
            return
        for key in keys:
            try:
                self._objects.delete(key)
            except OSError:
                log.exception("removing object %s after a failed store failed", key)

    def _asset_exists(self, tenant_id: str, asset_id: str) -> bool:
        with session_scope(self._engine) as session:
            return session.get(Asset, (tenant_id, asset_id)) is not None

    def _upload_exists(self, upload_id: str) -> bool:
        with session_scope(self._engine) as session:
            return session.get(Upload, upload_id) is not None

    def _deleted_while_running(self, tenant_id: str, upload_id: str) -> UploadDeleted:
        log.warning(
            "upload %s of tenant %s stopped: it was deleted while its files were stored",
            upload_id, tenant_id,
        )
        return UploadDeleted(
            f"upload {upload_id} was deleted while it ran, with its data set or its tenant; "
            "the files stored before the deletion were deleted with it, and the rest were not "
            "stored"
        )

    def _record(self, tenant_id: str, upload_id: str, outcome: _Outcome) -> _Outcome:
        try:
            with session_scope(self._engine) as session:
                session.add(_item_row(tenant_id, upload_id, outcome))
                session.commit()
        except IntegrityError:
            if self._upload_exists(upload_id):
                raise
            raise self._deleted_while_running(tenant_id, upload_id) from None
        if outcome.status == UploadItemStatus.DUPLICATE:
            metrics.FILES_DUPLICATE.inc()
        elif outcome.status == UploadItemStatus.REJECTED:
            metrics.FILES_REJECTED.labels(outcome.kind or "other").inc()
            log.info(
                "rejected %s in upload %s for tenant %s: %s",
                outcome.path, upload_id, tenant_id, outcome.reason,
            )
        return outcome

    # -- messages and lookups --------------------------------------------------------------------

    def _publish_ingested(self, asset: Asset) -> None:
        taken_at = int(asset.taken_at.timestamp()) if asset.taken_at else 0
        message = AssetIngested(
            version=CONTRACT_VERSION,
            tenant_id=asset.tenant_id,
            asset_id=asset.asset_id,
            storage_key=object_key(asset.tenant_id, ORIGINALS, asset.asset_id),
            content_type=asset.content_type,
            metadata=AssetMetadata(
                folder=asset.folder,
                tags=split_tags(asset.tags),
                taken_at=taken_at,
                filename=asset.filename,
            ),
        )
        self._bus.publish(ASSET_INGESTED.name, asset.tenant_id, message.SerializeToString())

    def _assets(
        self, tenant_id: str | None, statuses: Sequence[AssetStatus] | None
    ) -> Iterator[Asset]:
        """Yield the assets with one of ``statuses`` (None: any), of one tenant or of all."""
        # Keyset pages keep memory flat and stay correct while rows change status meanwhile.
        after = ("", "")
        while True:
            query = select(Asset).where(tuple_(Asset.tenant_id, Asset.asset_id) > tuple_(*after))
            if statuses is not None:
                query = query.where(col(Asset.status).in_(statuses))
            if tenant_id is not None:
                query = query.where(Asset.tenant_id == tenant_id)
            query = query.order_by(col(Asset.tenant_id), col(Asset.asset_id)).limit(_RESUME_PAGE)
            with session_scope(self._engine) as session:
                page = session.exec(query).all()
            yield from page
            if len(page) < _RESUME_PAGE:
                return
            after = (page[-1].tenant_id, page[-1].asset_id)

    def _read_object(self, tenant_id: str, asset_id: str, kind: str, label: str) -> bytes:
        with session_scope(self._engine) as session:
            _find_asset(session, tenant_id, asset_id)
        key = object_key(tenant_id, kind, asset_id)
        try:
            return self._objects.get(key)
        except KeyError:
            log.error("asset %s of tenant %s has no object at %s", asset_id, tenant_id, key)
            raise AssetNotFound(f"The {label} of asset {asset_id} is missing.") from None


def normalize_folder(folder: str) -> str:
    """Return ``folder`` as "a/b", or raise InvalidUpload for a path that leaves its root."""
    parts = [part for part in folder.replace("\\", "/").split("/") if part not in ("", ".")]
    if ".." in parts:
        raise InvalidUpload(f'The folder {folder!r} is invalid: it must not contain "..".')
    normalized = "/".join(part.strip() for part in parts)
    if len(normalized) > MAX_FOLDER_LENGTH:
        raise InvalidUpload(
            f"The folder is {len(normalized)} characters long; the limit is {MAX_FOLDER_LENGTH}."
        )
    return normalized


def split_file_name(name: str) -> tuple[list[str], str]:
    """Split a file name as the client sent it into its folders and its base name.

    Clients that upload a folder send names such as "trip/day 1/beach.jpg", and those folders
    go below the upload's folder. An absolute name or one with ".." keeps only its base name.
    """
    text = name.replace("\\", "/")
    parts = [part for part in text.split("/") if part not in ("", ".")]
    if not parts or parts[-1] == "..":
        return [], "unnamed"
    if text.startswith("/") or _WINDOWS_DRIVE.match(text) or ".." in parts:
        return [], parts[-1]
    return parts[:-1], parts[-1]


def normalize_tags(tags: Sequence[str]) -> list[str]:
    """Split comma-separated tags, trim them, drop empty ones and repeats, keep the order."""
    result: list[str] = []
    for text in tags:
        for tag in (part.strip() for part in text.split(",")):
            if len(tag) > MAX_TAG_LENGTH:
                raise InvalidUpload(
                    f"The tag {tag[:20]!r}... is {len(tag)} characters long; "
                    f"the limit is {MAX_TAG_LENGTH}."
                )
            if tag and tag not in result:
                result.append(tag)
    return result


def _find_asset(session: Session, tenant_id: str, asset_id: str) -> Asset:
    asset = None
    if _ASSET_ID.match(asset_id):
        asset = session.get(Asset, (tenant_id, asset_id))
    if asset is None:
        raise AssetNotFound(f"Asset {asset_id!r} was not found.")
    return asset


def _item_row(tenant_id: str, upload_id: str, outcome: _Outcome) -> UploadItem:
    return UploadItem(
        upload_id=upload_id,
        tenant_id=tenant_id,
        path=outcome.path,
        asset_id=outcome.asset_id,
        status=outcome.status,
        reason=outcome.reason,
    )


def _rejected(path: str, reason: str, kind: str) -> _Outcome:
    return _Outcome(path, UploadItemStatus.REJECTED, reason=reason, kind=kind)


def _duplicate(path: str, asset_id: str) -> _Outcome:
    return _Outcome(path, UploadItemStatus.DUPLICATE, asset_id)


def _kind_prefix(tenant_id: str, kind: str) -> str:
    # object_key validates the tenant id, so this prefix is never the store's root.
    return object_key(tenant_id, kind, "prefix").rsplit("/", 2)[0]
