"""A tenant's photo uploads as imports: listed, and deleted one upload at a time.

Deleting an upload deletes the photos that no other upload of the tenant also brought: their
rows, originals, thumbnails, vectors and places in the visual groups. A photo that another
upload also contained (a duplicate there) stays.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Protocol

from sqlalchemy import and_, delete, distinct, func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from services.ingest.models import Asset, Upload, UploadItem
from services.ingest.service import AssetNotFound, IngestService
from shared.db import session_scope
from shared.imports import ImportInfo, ImportInProgress, ImportNotFound, ImportRemoval

log = logging.getLogger(__name__)

_CHUNK = 500


class PhotoVectors(Protocol):
    def count_assets(self, tenant_id: str, asset_ids: Sequence[str]) -> int: ...

    def delete_assets(self, tenant_id: str, asset_ids: Sequence[str]) -> None: ...


class GroupMemberships(Protocol):
    def forget_assets(self, tenant_id: str, asset_ids: Sequence[str]) -> int: ...


class PhotoImports:
    def __init__(
        self,
        engine: Engine,
        ingest: IngestService,
        vectors: PhotoVectors | None,
        groups: GroupMemberships | None,
    ) -> None:
        self._engine = engine
        self._ingest = ingest
        self._vectors = vectors
        self._groups = groups

    def list_imports(self, tenant_id: str, limit: int, offset: int) -> list[ImportInfo]:
        with session_scope(self._engine) as session:
            uploads = session.execute(
                select(Upload)
                .where(col(Upload.tenant_id) == tenant_id)
                .order_by(col(Upload.created_at).desc(), col(Upload.upload_id))
                .limit(limit)
                .offset(offset)
            ).scalars().all()
            infos = []
            for upload in uploads:
                in_upload = col(UploadItem.upload_id) == upload.upload_id
                first = select(func.min(UploadItem.id)).where(in_upload).scalar_subquery()
                files = session.execute(select(func.count()).where(in_upload)).scalar_one()
                # Photos deleted one by one since the upload no longer count.
                photos = session.execute(
                    select(func.count(distinct(UploadItem.asset_id)))
                    .join(Asset, and_(
                        col(Asset.tenant_id) == col(UploadItem.tenant_id),
                        col(Asset.asset_id) == col(UploadItem.asset_id),
                    ))
                    .where(in_upload)
                ).scalar_one()
                label = session.execute(
                    select(UploadItem.path).where(col(UploadItem.id) == first)
                ).scalar()
                infos.append(
                    ImportInfo(
                        import_id=upload.upload_id, kind="upload", label=label or "",
                        created_at=upload.created_at, records=photos, files=files,
                    )
                )
        return infos

    def delete_import(self, tenant_id: str, import_id: str) -> ImportRemoval:
        """Delete the upload and the photos only it brought; raises ImportNotFound.

        Deletions of one upload run one at a time, so the first reports every photo and the
        others find no upload. NOTE: the lock is per process; the cluster runs one api process.
        """
        with _one_at_a_time(import_id):
            return self._delete_import(tenant_id, import_id)

    def _delete_import(self, tenant_id: str, import_id: str) -> ImportRemoval:
        removal = ImportRemoval()
        with session_scope(self._engine) as session:
            upload = session.get(Upload, import_id)
            if upload is None or upload.tenant_id != tenant_id:
                raise ImportNotFound(f"import {import_id!r} was not found")
            if self._ingest.is_running(import_id):
                raise ImportInProgress(
                    f"upload {import_id} is still storing its files; delete it when it has "
                    "finished (its report has been returned)"
                )
            named = set(
                session.execute(
                    select(UploadItem.asset_id).where(
                        col(UploadItem.upload_id) == import_id,
                        col(UploadItem.asset_id).is_not(None),
                    )
                ).scalars()
            )
            elsewhere = _named_elsewhere(session, tenant_id, import_id, sorted(named))
            orphans = sorted(
                asset_id for asset_id in named - elsewhere
                if session.get(Asset, (tenant_id, asset_id)) is not None
            )
        removal.kept = len(named) - len(orphans)

        # Files and vectors go before the rows that list them: should this stop half-way, the
        # upload is still there to delete again.
        if self._vectors is not None:
            removal.vectors = self._vectors.count_assets(tenant_id, orphans)
        for asset_id in orphans:
            try:
                removal.objects += self._ingest.delete_asset(tenant_id, asset_id)
            except AssetNotFound:
                continue  # deleted meanwhile by another request
            removal.add("assets", 1)
        if self._vectors is not None:
            self._vectors.delete_assets(tenant_id, orphans)
        if self._groups is not None:
            removal.add("photo_group_members", self._groups.forget_assets(tenant_id, orphans))
        with session_scope(self._engine) as session:
            removal.add("upload_items", session.execute(
                delete(UploadItem).where(col(UploadItem.upload_id) == import_id)
            ).rowcount)
            uploads = session.execute(
                delete(Upload).where(col(Upload.upload_id) == import_id)
            ).rowcount
            session.commit()
        if not uploads:
            raise ImportNotFound(f"import {import_id!r} was deleted by another request")
        removal.add("uploads", uploads)
        log.info(
            "deleted upload %s of tenant %s: %d photos, %d files, %d vectors; %d photos kept",
            import_id, tenant_id, len(orphans), removal.objects, removal.vectors, removal.kept,
        )
        return removal


_LOCKS_GUARD = threading.Lock()
_LOCKS: dict[str, threading.Lock] = {}


@contextmanager
def _one_at_a_time(import_id: str) -> Iterator[None]:
    with _LOCKS_GUARD:
        lock = _LOCKS.setdefault(import_id, threading.Lock())
    with lock:
        yield
    with _LOCKS_GUARD:
        if not lock.locked():
            _LOCKS.pop(import_id, None)


def _named_elsewhere(
    session: Session, tenant_id: str, import_id: str, asset_ids: list[str]
) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(asset_ids), _CHUNK):
        found.update(
            session.execute(
                select(UploadItem.asset_id).where(
                    col(UploadItem.tenant_id) == tenant_id,
                    col(UploadItem.upload_id) != import_id,
                    col(UploadItem.asset_id).in_(asset_ids[start : start + _CHUNK]),
                )
            ).scalars()
        )
    return found

