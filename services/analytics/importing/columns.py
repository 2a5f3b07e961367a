"""Column mapping: the field each column of an export contains, from Danish or English headers.

A tenant can save its own mapping (header name -> field) per kind of file; saved entries win
over the built-in synonyms, and headers that match nothing are ignored.
"""

from __future__ import annotations

import re
from enum import StrEnum


class FileKind(StrEnum):
    MEMBERS = "members"
    EVENTS = "events"
    PARTICIPATIONS = "participations"
    COMPANY_REGISTER = "company-register"


MEMBER_NUMBER_SPELLINGS = (
    "medlemsnummer", "medlemsnr", "medlems nr", "medlemsid", "medlems id", "member number",
    "member no", "membership number", "member id",
)
# Field name -> header spellings, compared after normalise_header.
SYNONYMS: dict[FileKind, dict[str, tuple[str, ...]]] = {
    FileKind.MEMBERS: {
        "name": ("navn", "name", "kontaktperson", "contact", "contact person", "fulde navn",
                 "full name", "deltager", "participant"),
        "organisation": ("virksomhed", "firma", "firmanavn", "organisation", "organization",
                         "company", "virksomhedsnavn", "medlem", "member"),
        "cvr": ("cvr", "cvr nr", "cvrnr", "cvr nummer", "cvr number", "company number",
                "vat", "se nr"),
        "email": ("email", "e mail", "mail", "e mailadresse", "emailadresse"),
        "member_number": MEMBER_NUMBER_SPELLINGS,
        "industry": ("branche", "industry", "sector", "sektor"),
        "industry_code": ("branchekode", "industry code", "nace", "db07"),
        "employees": ("antal ansatte", "ansatte", "employees", "size", "stoerrelse",
                      "størrelse", "number of employees", "medarbejdere"),
        "postcode": ("postnr", "postnummer", "post nr", "postcode", "postal code", "zip",
                     "zip code"),
        "joined_on": ("medlem siden", "indmeldt", "indmeldelsesdato", "member since", "joined",
                      "join date", "oprettet", "startdato"),
    },
    FileKind.EVENTS: {
        "title": ("titel", "title", "arrangement", "event", "navn", "name", "overskrift"),
        "date": ("dato", "date", "startdato", "start date", "tidspunkt", "when"),
        "type": ("type", "arrangementstype", "event type", "kategori", "category", "format"),
        "location": ("sted", "location", "lokation", "adresse", "venue", "by", "place"),
        "description": ("beskrivelse", "description", "indhold", "tekst", "text", "about",
                        "summary", "resumé", "resume"),
    },
    FileKind.PARTICIPATIONS: {
        "name": ("navn", "name", "deltager", "participant", "kontaktperson", "deltagernavn"),
        "organisation": ("virksomhed", "firma", "organisation", "organization", "company",
                         "medlem", "member"),
        "cvr": ("cvr", "cvr nr", "cvrnr", "cvr nummer", "company number"),
        "email": ("email", "e mail", "mail", "emailadresse"),
        "member_number": MEMBER_NUMBER_SPELLINGS,
        "event_title": ("titel", "title", "arrangement", "event", "event title",
                        "arrangementstitel"),
        "event_date": ("dato", "date", "arrangementsdato", "event date"),
        "status": ("status", "deltagelse", "participation", "tilmeldingsstatus"),
        "attended": ("deltaget", "attended", "mødt", "moedt", "mødt op"),
        "registered": ("tilmeldt", "registered", "signed up"),
        "cancelled": ("afmeldt", "cancelled", "canceled", "afbud"),
        "no_show": ("udeblevet", "no show", "noshow", "udeblev", "ikke mødt"),
    },
    FileKind.COMPANY_REGISTER: {
        "cvr": ("cvr", "cvr nr", "cvrnr", "cvr nummer", "cvrnummer", "company number"),
        "industry_code": ("branchekode", "hovedbranche kode", "industry code", "nace", "db07"),
        "industry": ("branchetekst", "hovedbranche", "branche", "industry", "industry text"),
        "employees": ("antal ansatte", "ansatte", "employees", "aarsbeskaeftigelse antal ansatte",
                      "antalansatte", "employee band", "ansatte interval", "interval"),
    },
}

REQUIRED: dict[FileKind, tuple[tuple[str, ...], ...]] = {
    # Each inner tuple lists alternatives: at least one of them must be mapped.
    FileKind.MEMBERS: (("name", "organisation", "cvr"),),
    FileKind.EVENTS: (("title",), ("date",)),
    FileKind.PARTICIPATIONS: (
        ("name", "organisation", "cvr", "email", "member_number"),
        ("event_title",),
        ("event_date",),
        ("status", "attended", "registered", "cancelled", "no_show"),
    ),
    FileKind.COMPANY_REGISTER: (("cvr",),),
}


class MissingColumns(ValueError):
    """The file lacks a column that its kind needs; the message is for the user."""


def normalise_header(header: str) -> str:
    text = header.strip().lower().replace("-", " ").replace("_", " ").replace(".", " ")
    text = re.sub(r"[^0-9a-zæøåé ]+", " ", text)
    return " ".join(text.split())


def map_columns(
    kind: FileKind, headers: list[str], saved: dict[str, str] | None = None
) -> dict[str, str]:
    """Return field -> header for the headers of one file; raises MissingColumns."""
    fields = SYNONYMS[kind]
    mapping: dict[str, str] = {}
    for header in headers:
        field = (saved or {}).get(header)
        if field is None or field not in fields:
            field = _field_for(fields, normalise_header(header))
        if field is not None and field not in mapping:
            mapping[field] = header
    _check_required(kind, headers, mapping)
    return mapping


def _field_for(fields: dict[str, tuple[str, ...]], header: str) -> str | None:
    for field, spellings in fields.items():
        if header in spellings:
            return field
    return None


def _check_required(kind: FileKind, headers: list[str], mapping: dict[str, str]) -> None:
    for alternatives in REQUIRED[kind]:
        if not any(field in mapping for field in alternatives):
            expected = " or ".join(
                f"{field} (e.g. {SYNONYMS[kind][field][0]!r})" for field in alternatives
            )
            raise MissingColumns(
                f"the {kind} file has no column for {expected}; its columns are "
                f"{', '.join(repr(header) for header in headers)}. Rename a column or save a "
                "column mapping for this tenant."
            )


def check_saved_mapping(kind: FileKind, saved: dict[str, str]) -> None:
    unknown = sorted({field for field in saved.values() if field not in SYNONYMS[kind]})
    if unknown:
        raise ValueError(
            f"unknown field(s) {', '.join(unknown)} in the {kind} column mapping; allowed: "
            f"{', '.join(SYNONYMS[kind])}"
        )
