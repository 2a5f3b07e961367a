"""The model store: one folder per model, in the layout that open_clip's "local-dir:" loader reads.

``<store>/<model name>/`` contains:

- ``open_clip_config.json``: ``{"model_cfg": ..., "preprocess_cfg": ...}`` as open_clip writes it
  for the Hugging Face hub, plus an optional ``"datafantasi"`` entry that marks random weights;
- the weights: ``open_clip_model.safetensors``, or ``open_clip_pytorch_model.bin`` as the hub
  ships older models;
- for a model whose text tower is a Hugging Face model (``text_cfg.hf_model_name``, as in the
  XLM-RoBERTa models): that tower's ``config.json`` and its tokenizer files, so that loading
  needs no network.

A photo model's name is ``<open_clip architecture>__<pretrained tag>`` when it can be downloaded
(``xlm-roberta-base-ViT-B-32__laion5b_s13b_b90k``); test and benchmark models have names of
their own. This module only reads and arranges files; it imports neither torch nor open_clip.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CONFIG_FILE = "open_clip_config.json"
# The names open_clip's "local-dir:" loader tries first, in its order of preference.
WEIGHT_FILES = (
    "open_clip_model.safetensors",
    "open_clip_pytorch_model.safetensors",
    "open_clip_pytorch_model.bin",
)
HF_CONFIG_FILE = "config.json"
HF_TOKENIZER_FILES = ("tokenizer.json", "sentencepiece.bpe.model", "vocab.txt")
PRETRAINED_SEPARATOR = "__"

_MODEL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")


def model_folder(store: Path, name: str) -> Path:
    """Return the folder of model ``name``; raises ValueError for a name that is not a plain
    folder name."""
    if not _MODEL_NAME.match(name) or ".." in name:
        raise ValueError(
            f"invalid photo model name {name!r}: use letters, digits, '.', '_' and '-' only"
        )
    return store / name


def weights_file(folder: Path) -> Path | None:
    for name in WEIGHT_FILES:
        if (folder / name).is_file():
            return folder / name
    return None


def read_config(folder: Path) -> dict[str, Any]:
    """Return the parsed ``open_clip_config.json``; raises OSError or ValueError when it is
    missing or invalid."""
    config = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
    if not isinstance(config, dict) or not isinstance(config.get("model_cfg"), dict):
        raise ValueError(f"{folder / CONFIG_FILE} has no 'model_cfg' object")
    return config


def hf_text_model(config: dict[str, Any]) -> str | None:
    """Return the Hugging Face model of the text tower (``xlm-roberta-base``), or None."""
    return config["model_cfg"].get("text_cfg", {}).get("hf_model_name") or None


def has_random_weights(config: dict[str, Any]) -> bool:
    return bool(config.get("datafantasi", {}).get("random_weights", False))


def missing_files(store: Path, name: str) -> list[str]:
    """Return what model ``name`` lacks in the store, as file descriptions; empty when complete."""
    folder = model_folder(store, name)
    if not folder.is_dir():
        return [f"the folder {folder}"]
    try:
        config = read_config(folder)
    except FileNotFoundError:
        return [CONFIG_FILE]
    except (OSError, ValueError) as error:
        return [f"a valid {CONFIG_FILE} ({error})"]
    missing = []
    if weights_file(folder) is None:
        missing.append(" or ".join(WEIGHT_FILES))
    if hf_text_model(config) is not None:
        if not (folder / HF_CONFIG_FILE).is_file():
            missing.append(f"{HF_CONFIG_FILE} of the text tower")
        if not any((folder / file).is_file() for file in HF_TOKENIZER_FILES):
            missing.append("the text tower's tokenizer (" + " or ".join(HF_TOKENIZER_FILES) + ")")
    return missing


def weights_present(store: Path, name: str) -> bool:
    """Return True when model ``name`` has every file it needs to load without a network."""
    try:
        return not missing_files(store, name)
    except ValueError:
        return False


def split_pretrained_name(name: str) -> tuple[str, str] | None:
    """Split ``<architecture>__<pretrained tag>``; None for a name without that shape."""
    architecture, separator, tag = name.rpartition(PRETRAINED_SEPARATOR)
    if not separator or not architecture or not tag:
        return None
    return architecture, tag


@contextmanager
def staged_model_folder(store: Path, name: str) -> Iterator[Path]:
    """Yield an empty folder to write model ``name`` into, and rename it into place on success.

    A crash while writing leaves only a hidden staging folder, never half a model where the
    loader looks."""
    target = model_folder(store, name)
    store.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=store, prefix=f".staging-{name}-"))
    try:
        yield staging
        if target.exists():
            retired = Path(tempfile.mkdtemp(dir=store, prefix=f".retired-{name}-"))
            target.rename(retired / name)
            staging.rename(target)
            shutil.rmtree(retired)
        else:
            staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
