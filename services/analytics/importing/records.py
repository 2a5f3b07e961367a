"""Typed records parsed from one source row of each kind of file.

Each parser raises InvalidValue with a message that names the column and the value, which the
import report shows next to the row's line number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from services.analytics.importing.values import (
    InvalidValue,
    clean_text,
    parse_count,
    parse_date,
)
from services.analytics.models import ParticipationStatus

# Intervals of the Danish company register (CVR), used for every employee count.
EMPLOYEE_BANDS = (
    (0, 0, "0"), (1, 4, "1-4"), (5, 9, "5-9"), (10, 19, "10-19"), (20, 49, "20-49"),
    (50, 99, "50-99"), (100, 199, "100-199"), (200, 499, "200-499"), (500, 999, "500-999"),
    (1000, None, "1000+"),
)

_TRUE_WORDS = {"ja", "j", "x", "1", "yes", "y", "true", "sand", "✓", "✔"}
_FALSE_WORDS = {"", "nej", "n", "0", "no", "false", "falsk", "-"}
_ACCEPTED_FLAGS = (
    "yes is ja, j, sand, x, 1 or ✓ (English: yes, y, true), "
    "no is nej, n, falsk, 0, - or an empty cell (English: no, false)"
)
_STATUS_WORDS = {
    ParticipationStatus.ATTENDED: ("deltaget", "deltog", "mødt", "mødt op", "fremmødt",
                                   "attended", "present", "participated"),
    ParticipationStatus.REGISTERED: ("tilmeldt", "registered", "signed up", "tilmelding",
                                     "venteliste", "waiting list"),
    ParticipationStatus.CANCELLED: ("afmeldt", "cancelled", "canceled", "afbud", "frameldt"),
    ParticipationStatus.NO_SHOW: ("udeblevet", "udeblev", "no show", "no-show", "noshow",
                                  "ikke mødt", "absent"),
}
# When a file has one yes/no column per status, the most final one wins.
_FLAG_PRIORITY = (
    ("cancelled", ParticipationStatus.CANCELLED),
    ("no_show", ParticipationStatus.NO_SHOW),
    ("attended", ParticipationStatus.ATTENDED),
    ("registered", ParticipationStatus.REGISTERED),
)


@dataclass(frozen=True)
class MemberRecord:
    name: str
    organisation: str
    cvr: str | None
    email: str | None
    industry: str | None
    industry_code: str | None
    employee_band: str | None
    postcode: str | None
    joined_on: date | None
    member_number: str | None = None


@dataclass(frozen=True)
class EventRecord:
    title: str
    held_on: date
    type: str
    location: str
    description: str


@dataclass(frozen=True)
class ParticipationRecord:
    member: MemberRecord
    event_title: str
    event_date: date
    status: ParticipationStatus


@dataclass(frozen=True)
class CompanyRecord:
    cvr: str
    industry_code: str | None
    industry: str | None
    employee_band: str | None


def cell(values: dict[str, object], mapping: dict[str, str], field: str) -> str:
    header = mapping.get(field)
    return clean_text(values.get(header)) if header else ""


def parse_cvr(value: str) -> str | None:
    if not value:
        return None
    digits = re.sub(r"[\s.-]", "", value.upper()).removeprefix("DK")
    if not re.fullmatch(r"\d{8}", digits):
        raise InvalidValue(f"invalid CVR number {value!r}: expected 8 digits, e.g. 12345678")
    return digits


def parse_email(value: str) -> str | None:
    if not value:
        return None
    email = value.strip().lower()
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise InvalidValue(f"invalid e-mail address {value!r}")
    return email


def parse_member_number(value: str) -> str | None:
    """Read a member number as the network writes it; Excel may turn 1042 into 1042.0."""
    if not value:
        return None
    number = value.strip().removesuffix(".0")
    if len(number) > 32:
        raise InvalidValue(f"invalid member number {value!r}: longer than 32 characters")
    return number


def parse_postcode(value: str) -> str | None:
    if not value:
        return None
    postcode = value.upper().removeprefix("DK-").strip()
    if not re.fullmatch(r"\d{3,4}", postcode):
        raise InvalidValue(f"invalid postcode {value!r}: expected 4 digits, e.g. 8000")
    return postcode


def parse_employee_band(value: str) -> str | None:
    """Read a head count (1.200) or a register interval (10-19, 10-19 ansatte, 1000+)."""
    if not value:
        return None
    text = value.lower().replace("ansatte", "").replace("employees", "").strip()
    if match := re.fullmatch(r"(\d[\d.]*)\s*[-\u2013]\s*(\d[\d.]*)", text):
        low, high = parse_count(match.group(1)), parse_count(match.group(2))
        if low > high:
            raise InvalidValue(
                f"invalid number of employees {value!r}: the interval's low end is above its "
                "high end"
            )
        return band_for((low + high) // 2)
    if match := re.fullmatch(r"(\d[\d.]*)\s*\+", text):
        return band_for(parse_count(match.group(1)))
    try:
        return band_for(parse_count(text))
    except InvalidValue:
        raise InvalidValue(
            f"invalid number of employees {value!r}: expected a count (e.g. 1.200) or an "
            "interval (e.g. 10-19)"
        ) from None


def band_for(count: int) -> str:
    for low, high, label in EMPLOYEE_BANDS:
        if low <= count and (high is None or count <= high):
            return label
    raise InvalidValue(f"invalid number of employees {count}: must not be negative")


def parse_member(values: dict[str, object], mapping: dict[str, str]) -> MemberRecord:
    name, organisation = cell(values, mapping, "name"), cell(values, mapping, "organisation")
    cvr = parse_cvr(cell(values, mapping, "cvr"))
    if not name and not organisation and not cvr:
        raise InvalidValue("missing member: the row has no name, organisation or CVR number")
    joined = cell(values, mapping, "joined_on")
    number = cell(values, mapping, "member_number")
    return MemberRecord(
        name=name,
        organisation=organisation,
        cvr=cvr,
        email=parse_email(cell(values, mapping, "email")),
        industry=cell(values, mapping, "industry") or None,
        industry_code=cell(values, mapping, "industry_code") or None,
        employee_band=parse_employee_band(cell(values, mapping, "employees")),
        postcode=parse_postcode(cell(values, mapping, "postcode")),
        joined_on=_optional_date(values, mapping, "joined_on") if joined else None,
        member_number=parse_member_number(number),
    )


def parse_event(values: dict[str, object], mapping: dict[str, str]) -> EventRecord:
    title = cell(values, mapping, "title")
    if not title:
        raise InvalidValue("missing title")
    return EventRecord(
        title=title,
        held_on=_required_date(values, mapping, "date"),
        type=cell(values, mapping, "type"),
        location=cell(values, mapping, "location"),
        description=_multiline(values, mapping, "description"),
    )


def parse_participation(
    values: dict[str, object], mapping: dict[str, str]
) -> ParticipationRecord:
    member = parse_member(values, mapping) if _names_member(values, mapping) else None
    email = parse_email(cell(values, mapping, "email"))
    number = parse_member_number(cell(values, mapping, "member_number"))
    if member is None and email is None and number is None:
        raise InvalidValue(
            "missing participant: the row has no name, e-mail, member number, organisation or CVR"
        )
    if member is None:
        member = MemberRecord("", "", None, email, None, None, None, None, None, number)
    title = cell(values, mapping, "event_title")
    if not title:
        raise InvalidValue("missing event title")
    return ParticipationRecord(
        member=member,
        event_title=title,
        event_date=_required_date(values, mapping, "event_date"),
        status=_status(values, mapping),
    )


def parse_company(values: dict[str, object], mapping: dict[str, str]) -> CompanyRecord:
    cvr = parse_cvr(cell(values, mapping, "cvr"))
    if cvr is None:
        raise InvalidValue("missing CVR number")
    return CompanyRecord(
        cvr=cvr,
        industry_code=cell(values, mapping, "industry_code") or None,
        industry=cell(values, mapping, "industry") or None,
        employee_band=parse_employee_band(cell(values, mapping, "employees")),
    )


def _names_member(values: dict[str, object], mapping: dict[str, str]) -> bool:
    return any(cell(values, mapping, field) for field in ("name", "organisation", "cvr"))


def _multiline(values: dict[str, object], mapping: dict[str, str], field: str) -> str:
    header = mapping.get(field)
    raw = values.get(header) if header else None
    return "" if raw is None else str(raw).strip()


def _required_date(values: dict[str, object], mapping: dict[str, str], field: str) -> date:
    header = mapping.get(field)
    raw = values.get(header) if header else None
    if raw is None or not str(raw).strip():
        raise InvalidValue(f"missing date in column {header!r}")
    try:
        return parse_date(raw)
    except InvalidValue as error:
        raise InvalidValue(f"column {header!r}: {error}") from None


def _optional_date(values: dict[str, object], mapping: dict[str, str], field: str) -> date:
    return _required_date(values, mapping, field)


def _status(values: dict[str, object], mapping: dict[str, str]) -> ParticipationStatus:
    if "status" in mapping:
        return parse_status(cell(values, mapping, "status"))
    for field, status in _FLAG_PRIORITY:
        if field in mapping and _flag(cell(values, mapping, field), mapping[field]):
            return status
    columns = ", ".join(repr(mapping[field]) for field, _ in _FLAG_PRIORITY if field in mapping)
    raise InvalidValue(
        f"missing status: none of the columns {columns} is marked yes. Accepted values: "
        f"{_ACCEPTED_FLAGS}"
    )


def parse_status(value: str) -> ParticipationStatus:
    text = value.strip().lower()
    for status, words in _STATUS_WORDS.items():
        if text in words or text == status.value:
            return status
    raise InvalidValue(
        f"invalid status {value!r}: expected Deltaget, Tilmeldt, Afmeldt or Udeblevet "
        "(attended, registered, cancelled, no-show)"
    )


def _flag(value: str, header: str) -> bool:
    text = value.strip().lower()
    if text in _TRUE_WORDS:
        return True
    if text in _FALSE_WORDS:
        return False
    raise InvalidValue(
        f"invalid yes/no value {value!r} in column {header!r}. Accepted values: {_ACCEPTED_FLAGS}"
    )
