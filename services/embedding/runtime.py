"""The model runtime interface: turns photos and query texts into vectors of one model.

A runtime splits photo encoding in two steps. ``prepare_image`` resizes, crops and normalises
one photo, which is plain CPU work that may run in many threads at once. ``encode_prepared``
encodes a whole batch in one model call. So a consumer can prepare photos in parallel and
still batch the model call.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import Any, TypeAlias

import numpy as np
from PIL import Image

PreparedImage: TypeAlias = Any
"""The runtime's model input for one photo (a CHW tensor for open_clip)."""


class ModelUnavailable(RuntimeError):
    """Raised when the photo model cannot be used; the message gives the reason and the fix."""


class BackendUnavailable(ModelUnavailable):
    """Raised when the model server cannot be reached or has the model not loaded. The same
    call can succeed later, so a consumer waits for the server instead of dead-lettering."""


class ModelRuntime(abc.ABC):
    model_id: str
    """The model's name in the model store; vectors from different models never mix."""
    dim: int
    """Length of every vector the model returns."""
    input_size: int
    """Pixels on the shorter side that ``prepare_image`` resizes a photo to."""
    random_weights: bool
    """True for the test and benchmark models, whose vectors carry no meaning."""

    @abc.abstractmethod
    def prepare_image(self, image: Image.Image) -> PreparedImage:
        """Turn an RGB photo into model input. Safe to call from several threads at once."""

    @abc.abstractmethod
    def encode_prepared(self, prepared: Sequence[PreparedImage]) -> np.ndarray:
        """Encode prepared photos in one model call: (n, dim) float32, L2-normalised rows."""

    @abc.abstractmethod
    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Encode query texts in one model call: (n, dim) float32, L2-normalised rows."""

    def encode_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        """Encode RGB photos: (n, dim) float32, L2-normalised rows."""
        return self.encode_prepared([self.prepare_image(image) for image in images])

    def unavailable_reason(self) -> str | None:
        """Reason the runtime cannot encode now (its model server is down, say); None when it
        can. An in-process runtime is always available once loaded."""
        return None

    def close(self) -> None:
        """Release connections to a model server; an in-process runtime holds none."""
        return None
