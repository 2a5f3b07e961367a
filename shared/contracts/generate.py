"""Generate the Python message classes from ``proto/`` and check that they are in step.

``python -m shared.contracts.generate`` rewrites ``shared/contracts/v1``;
``python -m shared.contracts.generate --check`` exits with 1 when the committed files differ
from what the ``.proto`` files generate.
"""

from __future__ import annotations

import argparse
import filecmp
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PROTO_ROOT = REPO / "proto"
OUTPUT = REPO / "shared" / "contracts"


def _generate(into: Path) -> list[Path]:
    from grpc_tools import protoc  # dev dependency: only needed to regenerate

    protos = sorted(PROTO_ROOT.rglob("*.proto"))
    args = [
        "protoc",
        f"-I{PROTO_ROOT}",
        f"--python_out={into}",
        f"--pyi_out={into}",
        *[str(p) for p in protos],
    ]
    if protoc.main(args) != 0:
        raise RuntimeError(f"protoc failed on {[str(p) for p in protos]}")
    generated = sorted(into.rglob("*_pb2.py*"))
    for path in generated:
        # protoc writes absolute imports of the proto package; ours live under shared.contracts.
        text = path.read_text()
        text = text.replace("from datafantasi.v1 import", "from shared.contracts.v1 import")
        path.write_text(text)
    return generated


def _relocated(generated: Path, root: Path) -> Path:
    relative = generated.relative_to(root / "datafantasi")
    return OUTPUT / relative


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="Only compare; change nothing.")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generated = _generate(root)
        drift = []
        for path in generated:
            target = _relocated(path, root)
            if args.check:
                if not target.exists() or not filecmp.cmp(path, target, shallow=False):
                    drift.append(target.relative_to(REPO))
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(path.read_bytes())
        if drift:
            print(
                "Generated message classes are out of date: "
                + ", ".join(str(d) for d in drift)
                + ". Run: python -m shared.contracts.generate",
                file=sys.stderr,
            )
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
