"""Models with random weights for tests, demos and benchmarks, written into a model store.

Each one has a name of its own that no configured real model shares, and its
``open_clip_config.json`` marks it as random, so the service labels it as a test model. The
loader reads them through the same path as real weights and never falls back to them.

The weights are seeded, so a build always gives the same model, and a build finds an existing
complete folder of that name and keeps it.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from services.embedding.model_store import HF_CONFIG_FILE, weights_present

TEST_MODEL = "test-tiny-random-clip"
HF_TEXT_TEST_MODEL = "test-tiny-random-clip-hf-text"
BENCH_MODEL_PREFIX = "bench-random-"

_SEED = 20240601
_TINY_VISION = {"image_size": 64, "layers": 2, "width": 64, "head_width": 32, "patch_size": 16}
# Uses open_clip's bundled CLIP tokenizer (49,408 tokens), so no download is needed.
TINY_MODEL_CFG: dict[str, Any] = {
    "embed_dim": 64,
    "vision_cfg": _TINY_VISION,
    "text_cfg": {"context_length": 32, "vocab_size": 49408, "width": 64, "heads": 2, "layers": 2},
}
# The shape of the XLM-RoBERTa models: a Hugging Face text tower with its own tokenizer.
TINY_HF_TEXT_MODEL_CFG: dict[str, Any] = {
    "embed_dim": 64,
    "vision_cfg": _TINY_VISION,
    "text_cfg": {
        "hf_model_name": "tiny-xlm-roberta",
        "hf_tokenizer_name": "tiny-xlm-roberta",
        "hf_pooler_type": "mean_pooler",
        "hf_proj_type": "mlp",
        "context_length": 32,
    },
}
_TOKENIZER_CORPUS = (
    "en kat på en eng med blomster",
    "en rød bil ved søen om sommeren",
    "æbler og pærer i en skål på bordet",
    "a cup of coffee on a wooden table",
    "a cat sitting in the grass",
    "an astronaut in a white space suit",
)
_SPECIAL_TOKENS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")


def build_test_model(store: Path) -> str:
    """Write the tiny random-weight test model (CLIP text tower) into ``store``; return its name.

    Takes well under a second once torch is imported.
    """
    from services.embedding.open_clip_runtime import create_random_model, save_model

    if not weights_present(store, TEST_MODEL):
        model = create_random_model(TINY_MODEL_CFG, seed=_SEED)
        save_model(store, TEST_MODEL, model, TINY_MODEL_CFG, None, random_weights=True)
    return TEST_MODEL


def build_hf_text_test_model(store: Path) -> str:
    """Write a tiny random-weight model with a Hugging Face (XLM-RoBERTa) text tower and a small
    WordPiece tokenizer into ``store``; return its name. It has the store layout of the
    multilingual models."""
    from services.embedding.open_clip_runtime import create_random_model, save_model

    if weights_present(store, HF_TEXT_TEST_MODEL):
        return HF_TEXT_TEST_MODEL
    from open_clip.tokenizer import HFTokenizer

    with tempfile.TemporaryDirectory() as scratch:
        text_folder = Path(scratch)
        _write_tiny_text_tower(text_folder)
        model = create_random_model(
            TINY_HF_TEXT_MODEL_CFG, seed=_SEED, hf_text_folder=text_folder
        )
        tokenizer = HFTokenizer(str(text_folder), context_length=32)
        save_model(
            store, HF_TEXT_TEST_MODEL, model, TINY_HF_TEXT_MODEL_CFG, tokenizer,
            random_weights=True,
        )
    return HF_TEXT_TEST_MODEL


def build_random_model(store: Path, architecture: str = "ViT-B-32") -> str:
    """Write open_clip ``architecture`` with random weights into ``store`` as
    ``bench-random-<architecture>``; return that name. For benchmarks: the compute is that of
    the real model, the vectors carry no meaning."""
    from services.embedding.open_clip_runtime import (
        builtin_model_config,
        create_random_model,
        save_model,
    )

    name = f"{BENCH_MODEL_PREFIX}{architecture}"
    if weights_present(store, name):
        return name
    model_cfg = builtin_model_config(architecture)
    if model_cfg.get("text_cfg", {}).get("hf_model_name"):
        raise ValueError(
            f"{architecture} has a Hugging Face text tower, whose config comes from the hub; "
            "choose an architecture with a CLIP text tower, such as ViT-B-32"
        )
    model = create_random_model(model_cfg, seed=_SEED)
    save_model(store, name, model, model_cfg, None, random_weights=True)
    return name


def _write_tiny_text_tower(folder: Path) -> None:
    """Write a tiny XLM-RoBERTa config and a WordPiece tokenizer trained on a few sentences."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.WordPiece(unk_token="<unk>"))
    tokenizer.normalizer = normalizers.NFKC()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    trainer = trainers.WordPieceTrainer(vocab_size=400, special_tokens=list(_SPECIAL_TOKENS))
    tokenizer.train_from_iterator(_TOKENIZER_CORPUS, trainer)
    tokenizer.save(str(folder / "tokenizer.json"))
    bos, pad, eos, unk, mask = _SPECIAL_TOKENS
    tokenizer_config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": bos,
        "pad_token": pad,
        "eos_token": eos,
        "unk_token": unk,
        "mask_token": mask,
        "model_max_length": 32,
    }
    (folder / "tokenizer_config.json").write_text(json.dumps(tokenizer_config), encoding="utf-8")
    text_config = {
        "model_type": "xlm-roberta",
        "vocab_size": tokenizer.get_vocab_size(),
        "hidden_size": 32,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "intermediate_size": 64,
        # RoBERTa numbers positions from pad_token_id + 1, so 32 tokens need 34 positions.
        "max_position_embeddings": 34,
        "type_vocab_size": 1,
        "bos_token_id": _SPECIAL_TOKENS.index(bos),
        "pad_token_id": _SPECIAL_TOKENS.index(pad),
        "eos_token_id": _SPECIAL_TOKENS.index(eos),
    }
    (folder / HF_CONFIG_FILE).write_text(json.dumps(text_config), encoding="utf-8")
