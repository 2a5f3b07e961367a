"""The embedding service seen from another process: query encoding over HTTP.

``EmbeddingClient`` has the attributes that ``SearchService`` and the /v1/models route read from
``EmbeddingService`` (model_id, dim, ready, unavailable_reason, health, encode_text,
encode_photo), so the API process of the cluster mode can serve search without loading a model.
"""

from __future__ import annotations

import io
import logging
from typing import Any

import httpx
import numpy as np
from PIL import Image

from services.embedding.runtime import ModelUnavailable

log = logging.getLogger(__name__)

TIMEOUT_S = 30.0


class EmbeddingClient:
    def __init__(
        self,
        base_url: str,
        model_id: str,
        timeout_s: float = TIMEOUT_S,
        http: httpx.Client | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._model_id = model_id
        # ``http`` lets a test pass FastAPI's TestClient, which is an httpx.Client.
        self._http = http or httpx.Client(base_url=self.base_url, timeout=timeout_s)
        self._dim: int | None = None
        self._draft_size: int | None = None
        # Logs a change of reachability once, not on every health request.
        self._reachable = True

    @property
    def model_id(self) -> str:
        """The configured photo model; both processes read it from the same settings."""
        return self._model_id

    @property
    def dim(self) -> int | None:
        """Vector length of the photo model; None while the embedding process has not loaded it."""
        if self._dim is None:
            self._dim = self._model_state().get("dim")
        return self._dim

    @property
    def photo_draft_size(self) -> int | None:
        """``draft_size`` for ``decode_photo``, so a query photo is decoded as the consumer
        decodes stored ones and gets the same vector."""
        if self._draft_size is None:
            self._draft_size = self._model_state().get("photo_draft_size")
        return self._draft_size

    @property
    def ready(self) -> bool:
        return bool(self._model_state().get("ready"))

    @property
    def unavailable_reason(self) -> str | None:
        return self._model_state().get("reason")

    def health(self) -> dict[str, Any]:
        state = self._model_state()
        return {
            "ready": bool(state.get("ready")),
            "model": self._model_id,
            "dim": state.get("dim"),
            "reason": state.get("reason"),
            "random_weights": state.get("random_weights"),
            "url": self.base_url,
        }

    def encode_text(self, text: str) -> np.ndarray:
        """Return the query vector of ``text``: (dim,) float32, L2-normalised."""
        return self._encode("/v1/encode/text", json={"texts": [text]})[0]

    def encode_photo(self, image: Image.Image) -> np.ndarray:
        """Return the vector of an upright RGB photo: (dim,) float32, L2-normalised."""
        # PNG is lossless, so the vector equals the one the model computes in process.
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return self._encode(
            "/v1/encode/photo",
            content=buffer.getvalue(),
            headers={"Content-Type": "application/octet-stream"},
        )[0]

    def close(self) -> None:
        self._http.close()

    def _encode(self, path: str, **request: Any) -> np.ndarray:
        try:
            response = self._http.post(path, **request)
        except httpx.HTTPError as error:
            raise ModelUnavailable(
                f"the embedding service at {self.base_url} is not reachable ({error}); "
                "check that its process runs"
            ) from error
        if response.status_code == 503:
            raise ModelUnavailable(response.json().get("detail", response.text))
        response.raise_for_status()
        body = response.json()
        if body["model_id"] != self._model_id:
            raise ModelUnavailable(
                f"the embedding service at {self.base_url} runs model {body['model_id']!r}, "
                f"but this process is configured for {self._model_id!r}; set "
                "DATAFANTASI_EMBEDDING__PHOTO_MODEL to one value for every process"
            )
        return np.asarray(body["vectors"], dtype=np.float32)

    def _model_state(self) -> dict[str, Any]:
        try:
            response = self._http.get("/v1/encode/model")
            response.raise_for_status()
        except httpx.HTTPError as error:
            if self._reachable:
                log.warning(
                    "the embedding service at %s is not reachable: %s", self.base_url, error
                )
            self._reachable = False
            return {"ready": False, "reason": f"the embedding service is not reachable: {error}"}
        if not self._reachable:
            log.info("the embedding service at %s is reachable again", self.base_url)
        self._reachable = True
        return response.json()
