from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from shared.storage import FilesystemStore, object_key

REPO = Path(__file__).resolve().parents[2]


def test_generated_contracts_match_the_proto_files() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "shared.contracts.generate", "--check"],
        cwd=REPO, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr


def test_contract_check_fails_when_generated_code_drifts(tmp_path: Path) -> None:
    generated = REPO / "shared" / "contracts" / "v1" / "assets_pb2.pyi"
    original = generated.read_bytes()
    try:
        generated.write_bytes(original + b"\n# edited by hand\n")
        result = subprocess.run(
            [sys.executable, "-m", "shared.contracts.generate", "--check"],
            cwd=REPO, capture_output=True, text=True, check=False,
        )
    finally:
        generated.write_bytes(original)
    assert result.returncode == 1
    assert "assets_pb2.pyi" in result.stderr


@pytest.mark.parametrize(
    ("tenant", "kind", "name"),
    [("../other", "originals", "abc"), ("t", "originals", "../../etc"), ("t", "", "abc"),
     ("t", "originals", "a/b")],
)
def test_object_key_rejects_path_tricks(tenant: str, kind: str, name: str) -> None:
    with pytest.raises(ValueError, match="invalid"):
        object_key(tenant, kind, name)


def test_filesystem_store_round_trip_and_tenant_prefix_delete(tmp_path: Path) -> None:
    store = FilesystemStore(tmp_path)
    key_a = object_key("tenant-a", "originals", "aa11")
    key_b = object_key("tenant-b", "originals", "aa11")
    store.put(key_a, b"A")
    store.put(key_b, b"B")
    assert store.get(key_a) == b"A"
    assert store.delete_prefix("tenant-a") == 1
    assert not store.exists(key_a)
    assert store.get(key_b) == b"B"
    with pytest.raises(KeyError):
        store.get(key_a)


def test_prefix_delete_counts_only_files_it_removed(tmp_path: Path) -> None:
    store = FilesystemStore(tmp_path / "objects")
    store.put("acme/originals/a", b"a")
    store.put("acme/thumbnails/a", b"a")
    (store.root / "acme" / "originals" / "a").unlink()  # deleted by another request

    assert store.delete_prefix("acme") == 1
    assert store.delete_prefix("acme") == 0
    assert not (store.root / "acme").exists()


def test_prefix_delete_keeps_file_written_meanwhile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FilesystemStore(tmp_path / "objects")
    store.put("acme/originals/a", b"a")
    store.put("acme/originals/b", b"b")
    listed = list(os.walk(store.root / "acme", topdown=False))
    store.put("acme/originals/c", b"c")
    # The listing was taken before c was written, as when an upload stores c during the deletion.
    monkeypatch.setattr(os, "walk", lambda top, topdown: iter(listed))

    removed = store.delete_prefix("acme")

    assert removed == 2
    assert store.get("acme/originals/c") == b"c"
    assert not store.exists("acme/originals/a")
