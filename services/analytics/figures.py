"""A figure: a small table with its definition, returned as JSON or exported as CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Figure:
    name: str
    definition: str
    columns: list[str]
    rows: list[list[object]]

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "definition": self.definition,
            "columns": self.columns,
            "rows": [dict(zip(self.columns, row, strict=True)) for row in self.rows],
        }

    def to_csv(self, danish: bool = False) -> str:
        """Write the rows as CSV: comma-separated, or for Danish Excel ``;`` and decimal commas."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";" if danish else ",", lineterminator="\r\n")
        writer.writerow(self.columns)
        for row in self.rows:
            writer.writerow([_csv_cell(value, danish) for value in row])
        return buffer.getvalue()


# A spreadsheet reads a cell that starts with one of these as a formula (OWASP, "CSV Injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """Prefix a single quote to text that Excel would run as a formula, so it shows as text."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _csv_cell(value: object, danish: bool) -> object:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        text = f"{value:.4f}".rstrip("0").rstrip(".")
        return text.replace(".", ",") if danish else text
    if isinstance(value, int):
        return value
    return spreadsheet_safe(str(value))


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
