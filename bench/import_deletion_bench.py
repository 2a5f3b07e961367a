"""Benchmark deleting one import, with importing the same file as the baseline.

Two generated tenants in SQLite: a business network with a member list and a sign-up list that
names every member once, and an Instagram audience with a follower list and a comment file from
half of the followers. The later import of each pair is deleted first (its records that the
earlier import also names stay), then the earlier one (everything goes).

Usage: .venv/bin/python bench/import_deletion_bench.py [--records 10000]
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from sqlmodel import SQLModel

from services.analytics.importing.columns import FileKind
from services.analytics.importing.importer import Importer
from services.analytics.importing.provenance import AnalyticsImports
from services.audience.imports import AudienceImports
from services.audience.service import AudienceService
from shared.db import MODEL_MODULES, make_engine

T = TypeVar("T")


def timed(label: str, action: Callable[[], T]) -> T:
    started = time.perf_counter()
    result = action()
    print(f"{label:<34} {time.perf_counter() - started:7.2f} s")
    return result


def analytics(folder: Path, records: int) -> None:
    engine = make_engine(f"sqlite:///{folder / 'analytics.db'}")
    SQLModel.metadata.create_all(engine)
    importer, imports = Importer(engine), AnalyticsImports(engine)
    members = "Navn;Virksomhed;CVR;E-mail\n" + "".join(
        f"Person {i};Firma {i} ApS;{10_000_000 + i};p{i}@firma{i}.dk\n" for i in range(records)
    )
    sign_ups = "E-mail;Arrangement;Dato;Status\n" + "".join(
        f"p{i}@firma{i}.dk;Møde {i % 50};{1 + i % 28:02d}-03-2024;Deltaget\n"
        for i in range(records)
    )
    first = timed(
        f"import {records} members (baseline)",
        lambda: importer.import_file("t", FileKind.MEMBERS, "m.csv", members.encode()),
    )
    second = timed(
        f"import {records} sign-ups (baseline)",
        lambda: importer.import_file("t", FileKind.PARTICIPATIONS, "s.csv", sign_ups.encode()),
    )
    removed = timed(
        "delete the sign-up import", lambda: imports.delete_import("t", second.import_id)
    )
    print(f"  removed {removed.database}, kept {removed.kept}")
    removed = timed(
        "delete the member import", lambda: imports.delete_import("t", first.import_id)
    )
    print(f"  removed {removed.database}, kept {removed.kept}")


def audience(folder: Path, records: int) -> None:
    engine = make_engine(f"sqlite:///{folder / 'audience.db'}")
    SQLModel.metadata.create_all(engine)
    service, imports = AudienceService(engine, encoder=None), AudienceImports(engine)  # type: ignore[arg-type]
    header = "influencer,handle,relation,followers_count,text\n"
    followers = header + "".join(
        f"hyggehanne,fan_{i},follower,5200,\n" for i in range(records)
    )
    comments = header + "".join(
        f"hyggehanne,fan_{i},comment,,Fin sofa nummer {i}\n" for i in range(0, records, 2)
    )
    first = timed(
        f"import {records} followers (baseline)",
        lambda: service.import_file("t", "f.csv", followers.encode()),
    )
    second = timed(
        f"import {records // 2} comments (baseline)",
        lambda: service.import_file("t", "c.csv", comments.encode()),
    )
    removed = timed(
        "delete the comment import", lambda: imports.delete_import("t", second.import_id)
    )
    print(f"  removed {removed.database}, kept {removed.kept}")
    removed = timed(
        "delete the follower import", lambda: imports.delete_import("t", first.import_id)
    )
    print(f"  removed {removed.database}, kept {removed.kept}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=10_000, help="Rows per generated file.")
    args = parser.parse_args()
    for module in MODEL_MODULES:
        __import__(module)
    print(f"python {platform.python_version()}, {platform.machine()}, SQLite")
    with tempfile.TemporaryDirectory() as folder:
        analytics(Path(folder), args.records)
        audience(Path(folder), args.records)


if __name__ == "__main__":
    main()
