"""Participation figures on a small data set whose expected values were worked out by hand.

Five people in three organisations, six events from January 2023 to April 2024:

    event  date        type      Anne  Bo  Carl  Dorte  Eva
    E1     2023-01-10  Netværk   A     A   .     .      .
    E2     2023-03-15  Workshop  A     .   N     .      .
    E3     2023-06-20  Social    .     A   .     A      .
    E4     2023-10-05  Netværk   C     A   A     .      .
    E5     2024-01-20  Workshop  .     A   .     C      A
    E6     2024-04-10  Netværk   N     A   A     .      R

A attended, N no-show, C cancelled, R registered. The reference date is the last event,
2024-04-10.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy.engine import Engine

from services.analytics import participation
from services.analytics.figures import Figure
from services.analytics.importing.columns import FileKind
from services.analytics.importing.importer import Importer
from services.analytics.participation import ParticipationData

TENANT = "netvaerket"

MEMBERS = """Navn;Virksomhed;CVR;Medlem siden
Anne Holm;Alfa ApS;11111111;01-03-2022
Bo Krag;Beta A/S;22222222;15-09-2022
Carl Lund;Alfa ApS;11111111;01-02-2023
Dorte Vang;Gamma I/S;33333333;01-06-2023
Eva Friis;;;
"""

EVENTS = """Titel;Dato;Type
E1;10-01-2023;Netværk
E2;15.3.2023;Workshop
E3;20. juni 2023;Social
E4;05/10/2023;Netværk
E5;2024-01-20;Workshop
E6;10-04-2024;Netværk
"""

GRID = {
    "Anne Holm": {"E1": "Deltaget", "E2": "Deltaget", "E4": "Afmeldt", "E6": "Udeblevet"},
    "Bo Krag": {event: "Deltaget" for event in ("E1", "E3", "E4", "E5", "E6")},
    "Carl Lund": {"E2": "Udeblevet", "E4": "Deltaget", "E6": "Deltaget"},
    "Dorte Vang": {"E3": "Deltaget", "E5": "Afmeldt"},
    "Eva Friis": {"E5": "Deltaget", "E6": "Tilmeldt"},
}
DATES = {"E1": "10-01-2023", "E2": "15-03-2023", "E3": "20-06-2023", "E4": "05-10-2023",
         "E5": "20-01-2024", "E6": "10-04-2024"}
ORGANISATIONS = {"Anne Holm": "Alfa ApS", "Bo Krag": "Beta A/S", "Carl Lund": "Alfa ApS",
                 "Dorte Vang": "Gamma I/S", "Eva Friis": ""}


@pytest.fixture
def data(engine: Engine, importer: Importer) -> ParticipationData:
    sign_ups = "Navn;Virksomhed;Arrangement;Dato;Status\n" + "".join(
        f"{name};{ORGANISATIONS[name]};{event};{DATES[event]};{status}\n"
        for name, row in GRID.items()
        for event, status in row.items()
    )
    for kind, text in (
        (FileKind.MEMBERS, MEMBERS), (FileKind.EVENTS, EVENTS),
        (FileKind.PARTICIPATIONS, sign_ups),
    ):
        report = importer.import_file(TENANT, kind, "file.csv", text.encode("cp1252"))
        assert report.rejected == []
    return ParticipationData.load(engine, TENANT)


def rows_without_ids(figure: participation.Figure) -> list[list[object]]:
    return [row[1:] for row in figure.rows]


def test_import_matches_sign_ups_to_imported_members(data: ParticipationData) -> None:
    assert len(data.members) == 8
    assert len(data.events) == 6
    assert len(data.participations) == 16


def test_participation_per_member(data: ParticipationData) -> None:
    assert rows_without_ids(participation.per_member(data)) == [
        ["Bo Krag", "Beta A/S", 5, 5, 0, 0, 1.0, date(2023, 1, 10), date(2024, 4, 10)],
        ["Anne Holm", "Alfa ApS", 4, 2, 1, 1, 0.6667, date(2023, 1, 10), date(2023, 3, 15)],
        ["Carl Lund", "Alfa ApS", 3, 2, 0, 1, 0.6667, date(2023, 10, 5), date(2024, 4, 10)],
        ["Dorte Vang", "Gamma I/S", 2, 1, 1, 0, 1.0, date(2023, 6, 20), date(2023, 6, 20)],
        ["Eva Friis", "", 2, 1, 0, 0, 1.0, date(2024, 1, 20), date(2024, 1, 20)],
    ]


def test_participation_per_event_type(data: ParticipationData) -> None:
    assert participation.per_event_type(data).rows == [
        ["Netværk", 3, 9, 6, 2.0, 0.1429],
        ["Workshop", 2, 5, 3, 1.5, 0.25],
        ["Social", 1, 2, 2, 2.0, 0.0],
    ]


def test_participation_per_month_and_season(data: ParticipationData) -> None:
    assert participation.per_month(data).rows == [
        ["2023-01", 1, 2, 2.0], ["2023-03", 1, 1, 1.0], ["2023-06", 1, 2, 2.0],
        ["2023-10", 1, 2, 2.0], ["2024-01", 1, 2, 2.0], ["2024-04", 1, 2, 2.0],
    ]
    assert participation.per_season(data).rows == [
        ["winter", 2, 4, 2.0], ["spring", 2, 3, 1.5], ["summer", 1, 2, 2.0],
        ["autumn", 1, 2, 2.0],
    ]


def test_repeat_rate(data: ParticipationData) -> None:
    assert participation.repeat_rate(data).rows == [[5, 3, 0.6]]


def test_first_to_second_event_conversion(data: ParticipationData) -> None:
    # Eligible: first event by 2023-10-13. Anne 64 days and Bo 161 days convert; Carl's 188
    # days are past the window; Dorte never came back; Eva started too late to count.
    assert participation.conversion(data).rows == [[4, 2, 0.5, 112.5]]
    # With 188 days, Carl (first event exactly 188 days before the reference) converts too.
    assert participation.conversion(data, window_days=188).rows == [[4, 3, 0.75, 161]]
    # With 200 days, Carl's first event is too recent to count.
    assert participation.conversion(data, window_days=200).rows == [[3, 2, 0.6667, 112.5]]


def test_cohorts_by_join_year(data: ParticipationData) -> None:
    assert participation.cohorts(data).rows == [
        [2022, 2, 2, 7, 3.5, 0.5],
        [2023, 2, 2, 3, 1.5, 1.0],
        [2024, 1, 1, 1, 1.0, 1.0],
    ]


def test_members_who_stopped_coming(data: ParticipationData) -> None:
    assert rows_without_ids(participation.lapsed_members(data)) == [
        ["Anne Holm", "Alfa ApS", 2, date(2023, 3, 15), 392]
    ]
    assert participation.lapsed_members(data, after_days=400).rows == []


def test_members_who_attend_most(data: ParticipationData) -> None:
    assert rows_without_ids(participation.top_members(data, limit=3)) == [
        ["Bo Krag", "Beta A/S", 5, 5], ["Anne Holm", "Alfa ApS", 4, 2],
        ["Carl Lund", "Alfa ApS", 3, 2],
    ]


def test_no_show_rates(data: ParticipationData) -> None:
    assert participation.no_show_rates(data).rows == [
        ["all events", 13, 2, 2, 0.1538],
        ["type: Netværk", 7, 1, 1, 0.1429],
        ["type: Social", 2, 0, 0, 0.0],
        ["type: Workshop", 4, 1, 1, 0.25],
    ]


def test_figure_exports_as_csv(data: ParticipationData) -> None:
    figure = participation.per_event_type(data)

    assert figure.to_csv() == (
        "type,events,signed_up,attended,attended_per_event,no_show_rate\r\n"
        "Netværk,3,9,6,2,0.1429\r\nWorkshop,2,5,3,1.5,0.25\r\nSocial,1,2,2,2,0\r\n"
    )
    assert figure.to_csv(danish=True).splitlines()[2] == "Workshop;2;5;3;1,5;0,25"


def test_every_figure_has_a_csv_export(data: ParticipationData) -> None:
    for name in participation.FIGURES:
        lines = participation.compute(data, name).to_csv().splitlines()
        assert len(lines) >= 2, name


def test_csv_export_neutralises_formulas() -> None:
    names = ["=HYPERLINK(\"http://x\")", "+Hans", "@SUM(1+1)", "-Firma", "\tTab", "\rCR", "Anne"]
    figure = Figure("names", "", ["name", "count", "rate"], [[name, -3, -0.5] for name in names])

    rows = list(csv.reader(io.StringIO(figure.to_csv(danish=True)), delimiter=";"))[1:]

    assert [row[0] for row in rows] == ["'" + name for name in names[:-1]] + ["Anne"]
    assert {row[1] for row in rows} == {"-3"}
    assert {row[2] for row in rows} == {"-0,5"}
