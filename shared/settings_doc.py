"""Print the configuration table of the README from the Settings classes.

``python -m shared.settings_doc`` prints it, ``--write`` replaces the table in README.md; a test
checks that the README holds the same table.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from pydantic import BaseModel

from shared.settings import Settings

PREFIX = "DATAFANTASI_"
README = Path(__file__).resolve().parents[1] / "README.md"
TABLE = re.compile(r"(<!-- config-table:[^>]*-->\n)(.*?)(\n<!-- /config-table -->)", re.S)


def _rows(model: type[BaseModel], path: str) -> list[tuple[str, str, str]]:
    rows = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            rows.extend(_rows(annotation, f"{path}{name.upper()}__"))
            continue
        default = field.default
        shown = "" if default is None else str(default)
        cell = f"`{shown}`" if shown else ""
        rows.append((f"{path}{name.upper()}", cell, field.description or ""))
    return rows


def config_table() -> str:
    lines = ["| variable | default | what it sets |", "| --- | --- | --- |"]
    lines += [f"| `{var}` | {default} | {text} |" for var, default, text in _rows(Settings, PREFIX)]
    return "\n".join(lines)


def readme_table(text: str) -> str | None:
    """Return the generated table in the README's ``text``; None when its markers are missing."""
    match = TABLE.search(text)
    return match.group(2) if match else None


def write_readme_table(path: Path = README) -> None:
    text = path.read_text()
    if readme_table(text) is None:
        raise SystemExit(f"{path} has no <!-- config-table --> markers to write the table between")
    path.write_text(TABLE.sub(lambda match: match.group(1) + config_table() + match.group(3), text))


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        write_readme_table()
    else:
        print(config_table())
