"""Print the configuration table of the README from the Settings classes.

``python -m shared.settings_doc`` prints it; a test checks that the README holds the same table.
"""

from __future__ import annotations

from pydantic import BaseModel

from shared.settings import Settings

PREFIX = "DATAFANTASI_"


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


if __name__ == "__main__":
    print(config_table())
