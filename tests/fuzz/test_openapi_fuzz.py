"""A bounded schemathesis run over every operation of the OpenAPI document: no 5xx."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fuzz.conftest import SUMMARY
from tests.fuzz.fuzz_api import run_fuzz


@pytest.mark.slow
def test_fuzzed_operations_never_answer_5xx(
    tmp_path: Path, model_store: tuple[Path, str]
) -> None:
    counts, output = run_fuzz(tmp_path, model_store, max_examples=5, max_time_s=75)
    SUMMARY.append(
        f"schemathesis: {counts.operations} operations, {counts.test_cases} test cases, "
        f"{counts.server_errors} server errors"
    )
    assert counts.operations >= 40, output[-3000:]
    assert counts.test_cases >= counts.operations
    assert counts.server_errors == 0, "\n".join(counts.failures)
    assert counts.failures == [], "\n".join(counts.failures)
