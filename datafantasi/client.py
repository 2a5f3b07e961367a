"""A small HTTP client for the Datafantasi API, used by the CLI and the demo."""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx


class ApiError(RuntimeError):
    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(f"HTTP {status_code}: {detail}")
        self.status_code = status_code
        self.detail = detail


class UploadTooLarge(ApiError):
    """Raised for a 413 from the upload endpoint; ``limit`` is the server's limit in bytes."""

    def __init__(self, detail: str, limit: int | None) -> None:
        super().__init__(413, detail)
        self.limit = limit


# The header that carries the server's upload limit with a 413 (services/ingest/api.py).
MAX_UPLOAD_BYTES_HEADER = "X-Max-Upload-Bytes"


class DatafantasiClient:
    def __init__(self, base_url: str, api_key: str = "", admin_token: str = "",
                 timeout_s: float = 300.0) -> None:
        headers = {}
        if api_key:
            headers["X-API-Key"] = api_key
        if admin_token:
            headers["X-Admin-Token"] = admin_token
        self._http = httpx.Client(base_url=base_url, headers=headers, timeout=timeout_s)

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._http.request(method, path, **kwargs)
        if response.status_code >= 400:
            try:
                detail = str(response.json().get("detail", response.text))
            except ValueError:
                detail = response.text
            if response.status_code == 413:
                limit = response.headers.get(MAX_UPLOAD_BYTES_HEADER, "")
                raise UploadTooLarge(detail, int(limit) if limit.isdigit() else None)
            raise ApiError(response.status_code, detail)
        if response.status_code == 204 or not response.content:
            return None
        if response.headers.get("content-type", "").startswith("application/json"):
            return response.json()
        return response.content

    def health(self) -> dict[str, Any]:
        response = self._http.get("/health")
        return response.json()

    def create_tenant(
        self, name: str, tenant_id: str | None = None, owner: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """Create a tenant; ``owner`` (owner_email, owner_name, owner_password) adds its owner."""
        body = {"name": name, "tenant_id": tenant_id, **(owner or {})}
        return self._call("POST", "/v1/admin/tenants", json=body)

    def upload(self, files: Sequence[tuple[str, bytes]], folder: str = "",
               tags: Sequence[str] = ()) -> dict[str, Any]:
        parts = [
            ("files", (name, data, mimetypes.guess_type(name)[0] or "application/octet-stream"))
            for name, data in files
        ]
        form = {"folder": folder, "tags": ",".join(tags)}
        return self._call("POST", "/v1/uploads", files=parts, data=form)

    def upload_paths(self, paths: Sequence[Path], root: Path | None = None, folder: str = "",
                     tags: Sequence[str] = ()) -> dict[str, Any]:
        files = []
        for path in paths:
            name = str(path.relative_to(root)) if root else path.name
            files.append((name, path.read_bytes()))
        return self.upload(files, folder=folder, tags=tags)

    def upload_status(self, upload_id: str) -> dict[str, Any]:
        return self._call("GET", f"/v1/uploads/{upload_id}")

    def assets(self, status: str | None = None, limit: int = 100, offset: int = 0
               ) -> dict[str, Any]:
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        if status:
            params["status"] = status
        return self._call("GET", "/v1/assets", params=params)

    def asset(self, asset_id: str) -> dict[str, Any]:
        return self._call("GET", f"/v1/assets/{asset_id}")

    def search(self, text: str, limit: int = 10, **filters: Any) -> dict[str, Any]:
        params = {"q": text, "limit": limit, **{k: v for k, v in filters.items() if v}}
        return self._call("GET", "/v1/search", params=params)

    def similar(self, asset_id: str, limit: int = 10) -> dict[str, Any]:
        return self._call("GET", f"/v1/assets/{asset_id}/similar", params={"limit": limit})

    def similar_to_photo(self, path: Path, limit: int = 10) -> dict[str, Any]:
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        files = {"photo": (path.name, path.read_bytes(), content_type)}
        return self._call("POST", "/v1/search/similar", files=files, params={"limit": limit})

    def models(self) -> Any:
        return self._call("GET", "/v1/models")
