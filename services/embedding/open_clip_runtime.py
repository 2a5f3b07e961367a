"""The photo model in process: an open_clip CLIP model on torch, loaded from the model store.

Only this module imports torch and open_clip (the ``ml`` extra). Other modules import it inside
functions, so the rest of the project imports without them.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from services.embedding.model_store import (
    CONFIG_FILE,
    WEIGHT_FILES,
    has_random_weights,
    hf_text_model,
    missing_files,
    model_folder,
    read_config,
    split_pretrained_name,
    staged_model_folder,
)
from services.embedding.runtime import ModelRuntime, ModelUnavailable, PreparedImage

log = logging.getLogger(__name__)

_HUB_OFFLINE_VARIABLES = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")


class OpenClipRuntime(ModelRuntime):
    def __init__(
        self,
        model: torch.nn.Module,
        preprocess: Any,
        tokenizer: Any,
        *,
        model_id: str,
        dim: int,
        input_size: int,
        device: torch.device,
        random_weights: bool,
    ) -> None:
        self.model_id = model_id
        self.dim = dim
        self.input_size = input_size
        self.random_weights = random_weights
        self.device = device
        self._model = model
        self._preprocess = preprocess
        self._tokenizer = tokenizer
        # Hugging Face's fast tokenizers raise "Already borrowed" when two threads share one.
        self._tokenizer_lock = threading.Lock()

    def prepare_image(self, image: Image.Image) -> PreparedImage:
        return self._preprocess(image)

    def encode_prepared(self, prepared: Sequence[PreparedImage]) -> np.ndarray:
        if not prepared:
            return np.empty((0, self.dim), dtype=np.float32)
        batch = torch.stack(list(prepared)).to(self.device)
        with torch.inference_mode():
            features = self._model.encode_image(batch, normalize=True)
        return _to_numpy(features)

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        with self._tokenizer_lock:
            tokens = self._tokenizer(list(texts))
        with torch.inference_mode():
            features = self._model.encode_text(tokens.to(self.device), normalize=True)
        return _to_numpy(features)


def load_open_clip_runtime(
    store: Path, name: str, *, device: str, threads: int, allow_download: bool
) -> OpenClipRuntime:
    """Load model ``name`` from ``store``, downloading it first when that is allowed.

    Raises ModelUnavailable with the reason and the fix when the weights are missing, cannot be
    downloaded or do not load.
    """
    _set_hub_access(allow_download)
    try:
        folder = model_folder(store, name)
    except ValueError as error:
        raise ModelUnavailable(
            f"{error}. Set DATAFANTASI_EMBEDDING__PHOTO_MODEL to the name of a folder in {store}."
        ) from error
    missing = missing_files(store, name)
    if missing and not allow_download:
        raise ModelUnavailable(_missing_reason(name, folder, missing))
    if missing:
        download_into_store(store, name)
    if threads:
        torch.set_num_threads(threads)
    try:
        return _load_from_folder(folder, name, torch.device(device))
    except Exception as error:
        # Damaged files, a config from another open_clip version or an invalid device raise
        # many exception types, so each one becomes the reason the service shows.
        raise ModelUnavailable(
            f"Photo model {name!r} in {folder} failed to load ({type(error).__name__}: {error}). "
            "Replace the folder's files with a complete copy of the model, or check "
            "DATAFANTASI_EMBEDDING__DEVICE."
        ) from error


def download_into_store(store: Path, name: str) -> None:
    """Download ``<architecture>__<pretrained tag>`` through open_clip's pretrained registry
    and save it into the store in the store's layout."""
    # NOTE: no test covers this download, because the tests run without network access to the
    # Hugging Face hub. The save step after it is the one the test models use.
    import open_clip

    folder = model_folder(store, name)
    parts = split_pretrained_name(name)
    if parts is None or not _is_downloadable(name):
        raise ModelUnavailable(_missing_reason(name, folder, missing_files(store, name)))
    architecture, tag = parts
    log.info("downloading photo model %s from the Hugging Face hub into %s", name, folder)
    cache_dir = str(store / ".hub-cache")
    try:
        model = open_clip.create_model(
            architecture, pretrained=tag, cache_dir=cache_dir, require_pretrained=True
        )
        tokenizer = open_clip.get_tokenizer(architecture, cache_dir=cache_dir)
    except Exception as error:
        # The hub client raises connection, HTTP and file errors of many types.
        raise ModelUnavailable(
            f"Downloading photo model {name!r} from the Hugging Face hub failed "
            f"({type(error).__name__}: {error}). Put the model's files in {folder} instead."
        ) from error
    try:
        save_model(store, name, model, open_clip.get_model_config(architecture), tokenizer)
    except OSError as error:
        raise ModelUnavailable(
            f"Saving the downloaded photo model {name!r} into {folder} failed: {error}"
        ) from error


def save_model(
    store: Path,
    name: str,
    model: torch.nn.Module,
    model_cfg: dict[str, Any],
    tokenizer: Any,
    *,
    random_weights: bool = False,
) -> None:
    """Write ``model`` into the store as model ``name``, replacing any folder of that name."""
    import safetensors.torch

    config: dict[str, Any] = {
        "model_cfg": model_cfg,
        "preprocess_cfg": _json_ready(model.visual.preprocess_cfg),
    }
    if random_weights:
        config["datafantasi"] = {"random_weights": True}
    with staged_model_folder(store, name) as staging:
        (staging / CONFIG_FILE).write_text(json.dumps(config, indent=2), encoding="utf-8")
        state = {key: value.contiguous() for key, value in model.state_dict().items()}
        safetensors.torch.save_file(state, str(staging / WEIGHT_FILES[0]))
        if model_cfg.get("text_cfg", {}).get("hf_model_name"):
            model.text.config.save_pretrained(staging)
            tokenizer.save_pretrained(staging)
    log.info("saved photo model %s into %s", name, model_folder(store, name))


def create_random_model(
    model_cfg: dict[str, Any], *, seed: int, hf_text_folder: Path | None = None
) -> torch.nn.Module:
    """Build an open_clip model from ``model_cfg`` with seeded random weights.

    A Hugging Face text tower is built from the ``config.json`` in ``hf_text_folder``.
    """
    from open_clip.model import CLIP, CustomTextCLIP, set_model_preprocess_cfg
    from open_clip.transform import PreprocessCfg

    cfg = copy.deepcopy(model_cfg)
    custom_text = bool(cfg.pop("custom_text", False))
    if cfg.get("text_cfg", {}).get("hf_model_name"):
        if hf_text_folder is None:
            raise ValueError("a Hugging Face text tower needs hf_text_folder with its config.json")
        cfg["text_cfg"].update(hf_model_name=str(hf_text_folder), hf_model_pretrained=False)
        custom_text = True
    model_class = CustomTextCLIP if custom_text else CLIP
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = model_class(**cfg)
    preprocess_cfg = asdict(PreprocessCfg())
    preprocess_cfg["size"] = model.visual.image_size
    set_model_preprocess_cfg(model, preprocess_cfg)
    return model.eval()


def builtin_model_config(architecture: str) -> dict[str, Any]:
    """Return open_clip's bundled config of ``architecture`` (``ViT-B-32``)."""
    import open_clip

    config = open_clip.get_model_config(architecture)
    if config is None:
        raise ValueError(
            f"open_clip has no architecture {architecture!r}; open_clip.list_models() lists them"
        )
    return config


def _load_from_folder(folder: Path, name: str, device: torch.device) -> OpenClipRuntime:
    import open_clip
    from open_clip.transform import PreprocessCfg, image_transform_v2

    config = read_config(folder)
    overrides: dict[str, Any] = {}
    if hf_text_model(config) is not None:
        # open_clip builds a Hugging Face text tower from the hub id in hf_model_name. This folder
        # contains that tower's config.json, so naming the folder keeps the load offline. The
        # tower's weights come from the CLIP checkpoint like every other weight.
        text_cfg = dict(config["model_cfg"]["text_cfg"])
        text_cfg.update(hf_model_name=str(folder), hf_model_pretrained=False)
        overrides["text_cfg"] = text_cfg
    model = open_clip.create_model(
        f"local-dir:{folder}", device=device, require_pretrained=True, **overrides
    )
    model.eval()
    preprocess_cfg = PreprocessCfg(**model.visual.preprocess_cfg)
    size = preprocess_cfg.size
    return OpenClipRuntime(
        model,
        image_transform_v2(preprocess_cfg, is_train=False),
        open_clip.get_tokenizer(f"local-dir:{folder}"),
        model_id=name,
        dim=int(config["model_cfg"]["embed_dim"]),
        input_size=max(size) if isinstance(size, (tuple, list)) else int(size),
        device=device,
        random_weights=has_random_weights(config),
    )


def _set_hub_access(allow_download: bool) -> None:
    # huggingface_hub reads these once, when it is first imported, so they only take effect
    # before anything imports it. Loading from the store never names a hub id in any case.
    if not allow_download:
        for variable in _HUB_OFFLINE_VARIABLES:
            os.environ[variable] = "1"


def _is_downloadable(name: str) -> bool:
    import open_clip

    parts = split_pretrained_name(name)
    return parts is not None and bool(open_clip.get_pretrained_cfg(*parts))


def _missing_reason(name: str, folder: Path, missing: list[str]) -> str:
    if folder.is_dir():
        reason = f"No weights for photo model {name!r} in {folder}: missing {', '.join(missing)}. "
    else:
        reason = f"No weights for photo model {name!r}: the folder {folder} does not exist. "
    files = (
        f"{CONFIG_FILE} and {WEIGHT_FILES[0]}, plus the text tower's config.json and tokenizer "
        "files for a model with a Hugging Face text tower"
    )
    if _is_downloadable(name):
        return reason + (
            f"Put the model's files there ({files}), or set "
            "DATAFANTASI_EMBEDDING__ALLOW_DOWNLOAD=true to download them from the Hugging Face "
            "hub at start."
        )
    return reason + (
        f"Put the model's files there ({files}). Only names of the form "
        "<open_clip architecture>__<pretrained tag> that open_clip lists "
        "(open_clip.list_pretrained()) can be downloaded."
    )


def _to_numpy(features: torch.Tensor) -> np.ndarray:
    return np.ascontiguousarray(features.to(torch.float32).cpu().numpy())


def _json_ready(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, dict):
        return {key: _json_ready(item) for key, item in value.items()}
    return value

