"""Triton python-backend model: one tower (photo or text) of an open_clip CLIP model.

The repository builder copies this file into ``<model>/1/model.py`` and the model's store
folder into ``<model>/1/open_clip/``. It runs inside Triton's python-backend stub, so it
imports only torch and open_clip, never this project's packages. Clients send
preprocessed float32 NCHW photos or int64 token ids, so the server needs no image decoder and
no tokenizer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import triton_python_backend_utils as pb_utils

OUTPUT = "embedding"
INPUTS = {"photo": "pixels", "text": "tokens"}


class TritonPythonModel:
    def initialize(self, args: dict[str, str]) -> None:
        # Imported here, not at the top: the stub also imports this file to complete the
        # config, and torch with open_clip takes seconds to import.
        import open_clip
        import torch
        import torch.utils.dlpack

        config = json.loads(args["model_config"])
        self._tower = config["parameters"]["tower"]["string_value"]
        self._input = INPUTS[self._tower]
        folder = Path(args["model_repository"]) / args["model_version"] / "open_clip"
        if args["model_instance_kind"] == "GPU":
            self._device = torch.device(f"cuda:{args['model_instance_device_id']}")
        else:
            self._device = torch.device("cpu")
        model = open_clip.create_model(
            f"local-dir:{folder}",
            device=self._device,
            require_pretrained=True,
            **_hf_text_overrides(folder),
        )
        model.eval()
        self._torch = torch
        self._encode = model.encode_image if self._tower == "photo" else model.encode_text

    def execute(self, requests: list[Any]) -> list[Any]:
        # Dynamic batching hands over several requests at once: one model call encodes all of
        # them, and the rows are split back per request.
        # Tensors cross the stub through DLPack, not numpy: the stub in nvidia-pytriton 0.7.0
        # is built for numpy 1, and under numpy 2 its as_numpy() returns wrong values and
        # pb_utils.Tensor(name, array) sends no data.
        torch = self._torch
        inputs = [
            torch.utils.dlpack.from_dlpack(
                pb_utils.get_input_tensor_by_name(request, self._input).to_dlpack()
            )
            for request in requests
        ]
        with torch.inference_mode():
            batch = torch.cat(inputs).to(self._device)
            vectors = self._encode(batch, normalize=True).to(torch.float32).cpu()
        responses = []
        for rows in torch.split(vectors, [len(array) for array in inputs]):
            output = pb_utils.Tensor.from_dlpack(
                OUTPUT, torch.utils.dlpack.to_dlpack(rows.contiguous())
            )
            responses.append(pb_utils.InferenceResponse(output_tensors=[output]))
        return responses


def _hf_text_overrides(folder: Path) -> dict[str, Any]:
    # open_clip builds a Hugging Face text tower from the hub id in hf_model_name. The folder
    # contains that tower's config.json, so naming the folder keeps the load offline.
    config = json.loads((folder / "open_clip_config.json").read_text(encoding="utf-8"))
    text_cfg = dict(config["model_cfg"].get("text_cfg", {}))
    if not text_cfg.get("hf_model_name"):
        return {}
    text_cfg.update(hf_model_name=str(folder), hf_model_pretrained=False)
    return {"text_cfg": text_cfg}
