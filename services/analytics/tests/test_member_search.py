"""Finding members by part of their name, e-mail address, CVR number or organisation."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from services.analytics.importing.columns import FileKind
from services.analytics.importing.importer import Importer
from services.analytics.privacy import find_members

MEMBERS = (
    "Navn;Virksomhed;E-mail\n"
    "Anne Berg;100% Grøn ApS;anne_berg@groen.dk\n"
    "Bo Dal;1000 Grønne Tage;bo@tage.dk\n"
    "Cia Eg;Eg_Tømrer;cia.eg@tomrer.dk\n"
    "Dan Fjord;Eg Tømrer;dan@egtomrer.dk\n"
)


def names(engine: Engine, query: str) -> list[str]:
    return [member.name for member in find_members(engine, "tenant-a", query)]


def test_percent_in_query_matches_only_itself(engine: Engine, importer: Importer) -> None:
    importer.import_file("tenant-a", FileKind.MEMBERS, "m.csv", MEMBERS.encode())

    assert names(engine, "100%") == ["100% Grøn ApS", "Anne Berg"]
    assert names(engine, "%") == ["100% Grøn ApS", "Anne Berg"]


def test_underscore_in_query_matches_only_itself(engine: Engine, importer: Importer) -> None:
    importer.import_file("tenant-a", FileKind.MEMBERS, "m.csv", MEMBERS.encode())

    assert names(engine, "eg_t") == ["Cia Eg", "Eg_Tømrer"]
    assert names(engine, "anne_") == ["Anne Berg"]
    assert names(engine, "bo_dal") == []


def test_backslash_in_query_is_not_an_escape(engine: Engine, importer: Importer) -> None:
    importer.import_file("tenant-a", FileKind.MEMBERS, "m.csv", MEMBERS.encode())

    assert names(engine, "\\%") == []
    assert names(engine, "eg\\") == []
