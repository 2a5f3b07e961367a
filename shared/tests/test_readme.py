from __future__ import annotations

import re
from pathlib import Path

from shared.settings_doc import config_table, readme_table

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_configuration_table_matches_settings() -> None:
    table = readme_table(README.read_text())
    assert table is not None, "README has no generated configuration table"
    assert table == config_table(), "run: python -m shared.settings_doc --write"


def test_readme_has_exactly_two_setup_commands() -> None:
    setup = README.read_text().split("## Set up", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", setup, re.S)
    assert block
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines()]
    assert [c for c in commands if c] == ["make demo", "make test"]
