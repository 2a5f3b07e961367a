"""The photo model on a Triton Inference Server: a ModelRuntime sending tensors by gRPC or HTTP.

Photos are preprocessed and texts tokenized here, with the model's own open_clip transform and
tokenizer read from the model store, so Triton receives float32 NCHW pixels and int64 token ids
(see ``services.embedding.triton.repository`` for the served models). Every batch is checked
against the served shapes and dtypes before it is sent, so a malformed batch raises
InvalidModelInput and never reaches the server.

A request that fails because the server is unreachable, timed out or has the model not loaded
is retried with exponential backoff, then raises TritonUnavailable (a BackendUnavailable).
``unavailable_reason`` reports the server's state for health checks.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from PIL import Image

from services.embedding.model_store import has_random_weights, model_folder, read_config
from services.embedding.runtime import (
    BackendUnavailable,
    ModelRuntime,
    ModelUnavailable,
    PreparedImage,
)
from services.embedding.triton.metrics import BATCH_SIZE, ERRORS, QUEUE_SECONDS, REQUEST_SECONDS
from services.embedding.triton.repository import (
    OUTPUT,
    PHOTO_INPUT,
    TEXT_INPUT,
    ModelShapes,
    photo_model_name,
    read_shapes,
    text_model_name,
)

log = logging.getLogger(__name__)

Protocol = Literal["grpc", "http"]

# gRPC status codes and HTTP statuses after which the same request can succeed later.
_RETRYABLE_STATUSES = {
    "StatusCode.UNAVAILABLE",
    "StatusCode.DEADLINE_EXCEEDED",
    "StatusCode.RESOURCE_EXHAUSTED",
    "StatusCode.NOT_FOUND",
    "429",
    "502",
    "503",
    "504",
}
# Triton returns these for a model that is still loading or was unloaded (HTTP status 400).
_RETRYABLE_MESSAGES = ("unknown model", "is not ready", "is not found")
_HEALTH_CACHE_S = 1.0


class TritonUnavailable(BackendUnavailable):
    """Raised when Triton is unreachable, times out or has the model not loaded, after the
    configured retries."""


class TritonRequestFailed(RuntimeError):
    """Raised when Triton rejects a request or returns an invalid result; retrying the same
    request does not help."""


class InvalidModelInput(ValueError):
    """Raised for a batch whose shape, dtype or values the served model does not accept."""


@dataclass(frozen=True)
class TritonOptions:
    url: str = "127.0.0.1:8001"
    """host:port of the gRPC port (protocol grpc) or of the HTTP port (protocol http)."""
    protocol: Protocol = "grpc"
    timeout_s: float = 30.0
    """Maximum time of one request, in seconds."""
    max_in_flight: int = 4
    """Maximum requests open at once; more wait in this process for a free client."""
    retries: int = 3
    """Retries of a request that failed because the server was unavailable."""
    retry_backoff_s: float = 0.5
    """Seconds before the first retry; doubles per retry."""


class TritonRuntime(ModelRuntime):
    def __init__(
        self,
        *,
        model_id: str,
        shapes: ModelShapes,
        preprocess: Callable[[Image.Image], Any],
        tokenizer: Callable[[list[str]], Any],
        options: TritonOptions,
        random_weights: bool,
        vocab_size: int | None = None,
    ) -> None:
        self.model_id = model_id
        self.dim = shapes.dim
        self.input_size = max(shapes.image_height, shapes.image_width)
        self.random_weights = random_weights
        self.options = options
        self._shapes = shapes
        self._preprocess = preprocess
        self._tokenizer = tokenizer
        self._tokenizer_lock = threading.Lock()
        self._vocab_size = vocab_size
        self._photo_model = photo_model_name(model_id)
        self._text_model = text_model_name(model_id)
        self._module = _client_module(options.protocol)
        # One client per in-flight request: the HTTP client is not thread-safe, and the pool
        # size bounds the requests open at once for both protocols.
        self._clients: queue.Queue[Any] = queue.Queue()
        for _ in range(options.max_in_flight):
            self._clients.put(None)
        self._max_batch: dict[str, int] = {}
        self._health_lock = threading.Lock()
        self._health_client: Any = None
        self._health_checked = -_HEALTH_CACHE_S
        self._health_reason: str | None = None

    def prepare_image(self, image: Image.Image) -> PreparedImage:
        return np.ascontiguousarray(self._preprocess(image).numpy(), dtype=np.float32)

    def encode_prepared(self, prepared: Sequence[PreparedImage]) -> np.ndarray:
        if not prepared:
            return np.empty((0, self.dim), dtype=np.float32)
        shapes = {np.shape(item) for item in prepared}
        if len(shapes) > 1:
            raise InvalidModelInput(
                f"Prepared photos of one batch have different shapes {sorted(shapes)}; "
                f"each must be (3, {self._shapes.image_height}, {self._shapes.image_width})."
            )
        return self.encode_pixels(np.stack([np.asarray(item) for item in prepared]))

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        with self._tokenizer_lock:
            tokens = self._tokenizer(list(texts))
        return self.encode_tokens(np.asarray(tokens, dtype=np.int64))

    def encode_pixels(self, pixels: np.ndarray) -> np.ndarray:
        """Encode preprocessed photos, float32 (n, 3, H, W), in as few requests as the served
        max batch size allows: (n, dim) float32, L2-normalised rows."""
        shape = (3, self._shapes.image_height, self._shapes.image_width)
        self._check(self._photo_model, PHOTO_INPUT, pixels, shape, np.float32)
        if not np.isfinite(pixels).all():
            self._reject(self._photo_model, f"{PHOTO_INPUT} contains NaN or infinite values")
        return self._infer(self._photo_model, PHOTO_INPUT, "FP32", pixels)

    def encode_tokens(self, tokens: np.ndarray) -> np.ndarray:
        """Encode token ids, int64 (n, context_length), from the model's tokenizer:
        (n, dim) float32, L2-normalised rows."""
        self._check(self._text_model, TEXT_INPUT, tokens, (self._shapes.context_length,), np.int64)
        if tokens.size and (tokens.min() < 0 or (
            self._vocab_size is not None and tokens.max() >= self._vocab_size
        )):
            self._reject(
                self._text_model,
                f"{TEXT_INPUT} contains ids outside 0..{(self._vocab_size or 0) - 1}",
            )
        return self._infer(self._text_model, TEXT_INPUT, "INT64", tokens)

    def unavailable_reason(self) -> str | None:
        """Reason Triton cannot serve this model now; None when the server and both of its
        models are ready. The answer is cached for one second, since health checks poll it."""
        with self._health_lock:
            now = time.monotonic()
            if now - self._health_checked >= _HEALTH_CACHE_S:
                self._health_reason = self._check_health()
                self._health_checked = time.monotonic()
            return self._health_reason

    def close(self) -> None:
        while True:
            try:
                client = self._clients.get_nowait()
            except queue.Empty:
                break
            if client is not None:
                client.close()
        with self._health_lock:
            if self._health_client is not None:
                self._health_client.close()
                self._health_client = None

    def _check(
        self,
        model: str,
        name: str,
        array: Any,
        row_shape: tuple[int, ...],
        dtype: type[np.generic],
    ) -> None:
        if not isinstance(array, np.ndarray):
            self._reject(model, f"{name} must be a numpy array, got {type(array).__name__}")
        expected = ("n", *row_shape)
        if array.ndim != len(expected) or tuple(array.shape[1:]) != row_shape:
            self._reject(model, f"{name} has shape {array.shape}, expected {expected}")
        if array.dtype != dtype:
            self._reject(model, f"{name} has dtype {array.dtype}, expected {np.dtype(dtype)}")

    def _reject(self, model: str, problem: str) -> None:
        ERRORS.labels(model, "invalid_input").inc()
        raise InvalidModelInput(f"Invalid input for Triton model {model!r}: {problem}.")

    def _infer(self, model: str, input_name: str, datatype: str, batch: np.ndarray) -> np.ndarray:
        max_batch = self._max_batch_size(model, default=len(batch))
        parts = [
            self._infer_with_retries(model, input_name, datatype, batch[start : start + max_batch])
            for start in range(0, len(batch), max_batch)
        ]
        return np.concatenate(parts) if len(parts) > 1 else parts[0]

    def _infer_with_retries(
        self, model: str, input_name: str, datatype: str, batch: np.ndarray
    ) -> np.ndarray:
        delay = self.options.retry_backoff_s
        for attempt in range(self.options.retries + 1):
            try:
                return self._infer_once(model, input_name, datatype, batch)
            except TritonUnavailable as error:
                ERRORS.labels(model, "unavailable").inc()
                if attempt == self.options.retries:
                    raise
                log.warning(
                    "Triton request to %s failed (attempt %d of %d), retrying in %.2f s: %s",
                    model, attempt + 1, self.options.retries + 1, delay, error,
                )
                time.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _infer_once(
        self, model: str, input_name: str, datatype: str, batch: np.ndarray
    ) -> np.ndarray:
        infer_input = self._module.InferInput(input_name, list(batch.shape), datatype)
        infer_input.set_data_from_numpy(np.ascontiguousarray(batch))
        output = self._module.InferRequestedOutput(OUTPUT)
        BATCH_SIZE.labels(model).observe(len(batch))
        with self._client(model) as client:
            started = time.perf_counter()
            with self._translate_errors(model):
                if self.options.protocol == "grpc":
                    result = client.infer(
                        model, [infer_input], outputs=[output],
                        client_timeout=self.options.timeout_s,
                    )
                else:
                    result = client.infer(model, [infer_input], outputs=[output])
            REQUEST_SECONDS.labels(model).observe(time.perf_counter() - started)
        vectors = result.as_numpy(OUTPUT)
        if vectors is None or vectors.shape != (len(batch), self.dim):
            ERRORS.labels(model, "failed").inc()
            shape = None if vectors is None else vectors.shape
            raise TritonRequestFailed(
                f"Triton model {model!r} returned {OUTPUT} of shape {shape}, "
                f"expected {(len(batch), self.dim)}; rebuild the model repository from the store."
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    @contextmanager
    def _client(self, model: str) -> Iterator[Any]:
        started = time.perf_counter()
        try:
            client = self._clients.get(timeout=self.options.timeout_s)
        except queue.Empty:
            raise TritonUnavailable(
                f"No free Triton client slot within {self.options.timeout_s} s: all "
                f"{self.options.max_in_flight} requests to {self.options.url} are still open."
            ) from None
        QUEUE_SECONDS.labels(model).observe(time.perf_counter() - started)
        try:
            if client is None:
                client = self._new_client()
            yield client
        finally:
            self._clients.put(client)

    @contextmanager
    def _translate_errors(self, model: str) -> Iterator[None]:
        from tritonclient.utils import InferenceServerException

        try:
            yield
        except InferenceServerException as error:
            if _is_retryable(error):
                raise TritonUnavailable(
                    f"Triton at {self.options.url} cannot serve {model!r}: {error.message()}"
                ) from error
            ERRORS.labels(model, "failed").inc()
            raise TritonRequestFailed(
                f"Triton model {model!r} failed the request: {error.message()}"
            ) from error
        except OSError as error:
            # The HTTP client raises socket errors for a refused or reset connection.
            raise TritonUnavailable(
                f"Triton at {self.options.url} is unreachable: {type(error).__name__}: {error}"
            ) from error

    def _new_client(self) -> Any:
        if self.options.protocol == "grpc":
            return self._module.InferenceServerClient(self.options.url)
        return self._module.InferenceServerClient(
            self.options.url,
            connection_timeout=self.options.timeout_s,
            network_timeout=self.options.timeout_s,
        )

    def _max_batch_size(self, model: str, *, default: int) -> int:
        # Read from the served config once, so a batch larger than Triton's max_batch_size is
        # split here rather than rejected by the server.
        if model not in self._max_batch:
            with self._client(model) as client, self._translate_errors(model):
                config = client.get_model_config(model, **self._json_option())
            config = config.get("config", config)
            self._max_batch[model] = int(config.get("max_batch_size", 0)) or default
        return max(1, self._max_batch[model])

    def _json_option(self) -> dict[str, Any]:
        return {"as_json": True} if self.options.protocol == "grpc" else {}

    def _check_health(self) -> str | None:
        from tritonclient.utils import InferenceServerException

        try:
            if self._health_client is None:
                self._health_client = self._new_client()
            client = self._health_client
            if not client.is_server_ready():
                return f"Triton at {self.options.url} is not ready."
            for model in (self._photo_model, self._text_model):
                if not client.is_model_ready(model):
                    return (
                        f"Triton at {self.options.url} does not have model {model!r} ready; "
                        "load it from the repository built by services.embedding.triton.repository."
                    )
        except (InferenceServerException, OSError) as error:
            message = error.message() if isinstance(error, InferenceServerException) else error
            return f"Triton at {self.options.url} is unreachable: {message}"
        return None


def load_triton_runtime(store: Path, name: str, options: TritonOptions) -> TritonRuntime:
    """Build a TritonRuntime for model ``name``: its transform, tokenizer and shapes come from
    the model store, whose folder needs the config and tokenizer files but not the weights.

    Raises ModelUnavailable when the client packages or the model's config are missing. A
    Triton server that is down is no error here: ``unavailable_reason`` reports it.
    """
    try:
        _client_module(options.protocol)
        import open_clip
        from open_clip.transform import PreprocessCfg, image_transform_v2
    except ImportError as error:
        raise ModelUnavailable(
            f"The Triton backend needs tritonclient, torch and open_clip, which are not "
            f"installed ({error}). Install them with: pip install 'datafantasi[ml,triton]'."
        ) from error
    try:
        folder = model_folder(store, name)
        config = read_config(folder)
        shapes = read_shapes(store, name)
    except (ValueError, OSError, KeyError) as error:
        raise ModelUnavailable(
            f"The config of photo model {name!r} is missing or invalid in {store} ({error}). "
            "The Triton client reads the photo transform and tokenizer from the model store."
        ) from error
    preprocess_cfg = PreprocessCfg(**config["preprocess_cfg"])
    text_cfg = config["model_cfg"].get("text_cfg", {})
    vocab_size = None if text_cfg.get("hf_model_name") else text_cfg.get("vocab_size")
    log.info(
        "photo model %s served by Triton at %s over %s", name, options.url, options.protocol
    )
    return TritonRuntime(
        model_id=name,
        shapes=shapes,
        preprocess=image_transform_v2(preprocess_cfg, is_train=False),
        tokenizer=open_clip.get_tokenizer(f"local-dir:{folder}"),
        options=options,
        random_weights=has_random_weights(config),
        vocab_size=vocab_size,
    )


def _client_module(protocol: Protocol) -> Any:
    if protocol == "grpc":
        import tritonclient.grpc as module
    else:
        import tritonclient.http as module
    return module


def _is_retryable(error: Any) -> bool:
    status = str(error.status() or "")
    message = str(error.message() or "").lower()
    return status in _RETRYABLE_STATUSES or any(part in message for part in _RETRYABLE_MESSAGES)
