"""Write a Triton model repository for a photo model of the model store.

Each open_clip model becomes two Triton models, served by Triton's python backend:

- ``<model>-photo``: input ``pixels``, float32 [batch, 3, H, W] (photos preprocessed on the
  client); output ``embedding``, float32 [batch, dim], L2-normalised.
- ``<model>-text``: input ``tokens``, int64 [batch, context_length] (text tokenized on the
  client with the model's open_clip tokenizer); output ``embedding`` as above.

Each model folder holds ``config.pbtxt`` (dynamic batching, max batch size, one instance group
of kind KIND_CPU or KIND_GPU) and the version folder ``1/`` with ``model.py`` and the model's
store files in ``1/open_clip/``.

Why the python backend and not an ONNX export on the onnxruntime backend: the Triton build in
the ``nvidia-pytriton`` wheel (0.7.0), which is the server that installs from PyPI and that
the tests start, contains only the python backend (``tritonserver/backends/python``). The
python backend runs the same open_clip code as the in-process runtime, so the vectors agree,
and it supports the Hugging Face text towers that an ONNX export would need separate work for.
On a GPU server the same repository runs with ``--kind gpu``.
NOTE: the KIND_GPU path (model on ``cuda:<device id>`` in ``model.py``) has not run on a GPU yet.
TODO: an ONNX export served by onnxruntime with the TensorRT or CUDA execution provider is
likely faster on GPU; it needs a Triton build with the onnxruntime backend (the NGC image).

Usage: ``python -m services.embedding.triton.repository --store DIR --model NAME --out DIR``.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from services.embedding.model_store import missing_files, model_folder, read_config

log = logging.getLogger(__name__)

InstanceKind = Literal["cpu", "gpu"]

PHOTO_INPUT = "pixels"
TEXT_INPUT = "tokens"
OUTPUT = "embedding"
VERSION = "1"
_DEFAULT_CONTEXT_LENGTH = 77  # open_clip's default when text_cfg does not set one
_MODEL_FILE = Path(__file__).with_name("model.py")


@dataclass(frozen=True)
class ModelShapes:
    """Tensor shapes that the server's config and the client's checks must share."""

    dim: int
    image_height: int
    image_width: int
    context_length: int


def photo_model_name(model: str) -> str:
    return f"{model}-photo"


def text_model_name(model: str) -> str:
    return f"{model}-text"


def read_shapes(store: Path, model: str) -> ModelShapes:
    """Read the vector length, photo size and text length of ``model`` from its store config."""
    config = read_config(model_folder(store, model))
    model_cfg = config["model_cfg"]
    size = config.get("preprocess_cfg", {}).get("size", model_cfg["vision_cfg"]["image_size"])
    height, width = (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))
    context_length = model_cfg.get("text_cfg", {}).get("context_length", _DEFAULT_CONTEXT_LENGTH)
    return ModelShapes(
        dim=int(model_cfg["embed_dim"]),
        image_height=height,
        image_width=width,
        context_length=int(context_length),
    )


def build_repository(
    store: Path,
    model: str,
    out: Path,
    *,
    kind: InstanceKind = "cpu",
    instance_count: int = 1,
    max_batch_size: int = 64,
    max_queue_delay_us: int = 2000,
) -> list[str]:
    """Write the photo and text Triton models of ``model`` into ``out``; return their names.

    Existing folders of those two models in ``out`` are replaced; other models are kept.
    Raises ValueError when the model's files are missing from the store or an option is invalid.
    """
    missing = missing_files(store, model)
    if missing:
        raise ValueError(
            f"Photo model {model!r} is incomplete in {store}: missing {', '.join(missing)}"
        )
    if instance_count < 1 or max_batch_size < 1 or max_queue_delay_us < 0:
        raise ValueError(
            "instance_count and max_batch_size must be >= 1 and max_queue_delay_us >= 0, got "
            f"{instance_count}, {max_batch_size}, {max_queue_delay_us}"
        )
    shapes = read_shapes(store, model)
    photo_input = (PHOTO_INPUT, "TYPE_FP32", [3, shapes.image_height, shapes.image_width])
    text_input = (TEXT_INPUT, "TYPE_INT64", [shapes.context_length])
    names = []
    for name, tower, model_input in (
        (photo_model_name(model), "photo", photo_input),
        (text_model_name(model), "text", text_input),
    ):
        config = _config_text(
            name, tower, model_input, shapes.dim,
            kind=kind, instance_count=instance_count,
            max_batch_size=max_batch_size, max_queue_delay_us=max_queue_delay_us,
        )
        _write_model(out / name, config, model_folder(store, model))
        names.append(name)
    log.info(
        "wrote Triton models %s into %s (instances: %d x %s)", names, out, instance_count, kind
    )
    return names


def _config_text(
    name: str,
    tower: str,
    model_input: tuple[str, str, list[int]],
    dim: int,
    *,
    kind: InstanceKind,
    instance_count: int,
    max_batch_size: int,
    max_queue_delay_us: int,
) -> str:
    input_name, data_type, dims = model_input
    return f"""name: "{name}"
backend: "python"
max_batch_size: {max_batch_size}
input [
  {{ name: "{input_name}" data_type: {data_type} dims: {_dims(dims)} }}
]
output [
  {{ name: "{OUTPUT}" data_type: TYPE_FP32 dims: [ {dim} ] }}
]
dynamic_batching {{
  max_queue_delay_microseconds: {max_queue_delay_us}
}}
instance_group [
  {{ count: {instance_count} kind: {"KIND_GPU" if kind == "gpu" else "KIND_CPU"} }}
]
parameters: {{ key: "tower" value: {{ string_value: "{tower}" }} }}
"""


def _dims(dims: list[int]) -> str:
    return "[ " + ", ".join(str(dim) for dim in dims) + " ]"


def _write_model(folder: Path, config: str, weights: Path) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    version = folder / VERSION
    version.mkdir(parents=True)
    (folder / "config.pbtxt").write_text(config, encoding="utf-8")
    shutil.copyfile(_MODEL_FILE, version / "model.py")
    shutil.copytree(weights, version / "open_clip", copy_function=_link_or_copy)


def _link_or_copy(source: str, target: str) -> None:
    # Weights are hundreds of megabytes: a hard link costs nothing when both sit on one disk.
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, required=True, help="model store folder")
    parser.add_argument("--model", required=True, help="model name, a folder in the store")
    parser.add_argument("--out", type=Path, required=True, help="Triton model repository folder")
    parser.add_argument(
        "--kind", choices=("cpu", "gpu"), default="cpu",
        help="instance kind: cpu (KIND_CPU) or gpu (KIND_GPU, one instance group per GPU)",
    )
    parser.add_argument("--instances", type=int, default=1, help="model instances per device")
    parser.add_argument(
        "--max-batch-size", type=int, default=64, help="largest batch Triton forms, in requests"
    )
    parser.add_argument(
        "--max-queue-delay-us", type=int, default=2000,
        help="longest wait for a dynamic batch to fill, in microseconds",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        build_repository(
            args.store, args.model, args.out,
            kind=args.kind, instance_count=args.instances,
            max_batch_size=args.max_batch_size, max_queue_delay_us=args.max_queue_delay_us,
        )
    except ValueError as error:
        parser.error(str(error))


if __name__ == "__main__":
    main()
