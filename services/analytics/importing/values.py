"""Cell values as Danish offices write them: day-first dates, decimal commas, thousands dots."""

from __future__ import annotations

import re
from datetime import date, datetime

_MONTHS = {
    "januar": 1, "january": 1, "jan": 1,
    "februar": 2, "february": 2, "feb": 2,
    "marts": 3, "march": 3, "mar": 3,
    "april": 4, "apr": 4,
    "maj": 5, "may": 5,
    "juni": 6, "june": 6, "jun": 6,
    "juli": 7, "july": 7, "jul": 7,
    "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9,
    "oktober": 10, "october": 10, "okt": 10, "oct": 10,
    "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}

_NUMERIC_DATE = re.compile(r"^(\d{1,2})[-./](\d{1,2})[-./](\d{2}|\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_WORD_DATE = re.compile(r"^(\d{1,2})\.?\s+([a-zæøå]+)\.?\s+(\d{4})$")
_TIME_SUFFIX = re.compile(r"(?:[ T](?:kl\.?\s*)?\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)$")


class InvalidValue(ValueError):
    """A cell that cannot be read as the type its column needs; the message is for the user."""


def parse_date(value: object) -> date:
    """Read a date written day first (03-04-2024, 3.4.2024, 3. april 2024) or as ISO 8601.

    Excel cells arrive as datetime objects and pass through. Two-digit years are 20xx.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _TIME_SUFFIX.sub("", str(value).strip().lower()).strip()
    if match := _ISO_DATE.match(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := _NUMERIC_DATE.match(text):
        day, month, year = (int(part) for part in match.groups())
        year = year + 2000 if year < 100 else year
    elif match := _WORD_DATE.match(text):
        month_name = match.group(2)
        if month_name not in _MONTHS:
            raise InvalidValue(f"unknown month name {match.group(2)!r} in date {value!r}")
        day, month, year = int(match.group(1)), _MONTHS[month_name], int(match.group(3))
    else:
        raise InvalidValue(
            f"invalid date {value!r}: expected day first (03-04-2024, 3.4.2024, 03/04/2024, "
            "3. april 2024) or 2024-04-03"
        )
    try:
        return date(year, month, day)
    except ValueError as error:
        raise InvalidValue(f"invalid date {value!r}: {error}") from None


def parse_number(value: object) -> float:
    """Read a number with a decimal comma and thousands dots (1.234,5) or the English form.

    When only one kind of separator occurs, a comma is the decimal separator and dots that
    group exactly three digits are thousands separators, as in Danish.
    """
    if isinstance(value, bool):
        raise InvalidValue(f"invalid number {value!r}")
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if not text:
        raise InvalidValue("invalid number: the cell is empty")
    if "," in text and "." in text:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        text = text.replace(thousands, "").replace(decimal, ".")
    elif "," in text:
        text = text.replace(",", ".")
    elif re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text):
        text = text.replace(".", "")
    try:
        return float(text)
    except ValueError:
        raise InvalidValue(
            f"invalid number {value!r}: expected digits with a decimal comma, e.g. 1.234,5"
        ) from None


def parse_count(value: object) -> int:
    number = parse_number(value)
    if number < 0 or number != int(number):
        raise InvalidValue(f"invalid count {value!r}: expected a whole number of 0 or more")
    return int(number)


def clean_text(value: object) -> str:
    """Return the cell as one line of text with runs of white space collapsed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())
