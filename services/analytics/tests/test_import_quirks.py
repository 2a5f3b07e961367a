"""Imports of members, events and participations as Danish offices export them."""

from __future__ import annotations

import codecs
import io
import re
from datetime import date, datetime

import openpyxl
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from services.analytics.importing.columns import FileKind, MissingColumns
from services.analytics.importing.importer import Importer, RejectedRow
from services.analytics.importing.records import parse_employee_band
from services.analytics.importing.values import InvalidValue, parse_date, parse_number
from services.analytics.models import ErasedMember, Event, Member, MemberKind, Participation
from services.analytics.privacy import delete_member

TENANT = "tenant-a"


def members_of(engine: Engine, tenant_id: str = TENANT) -> dict[str, Member]:
    with Session(engine) as session:
        rows = session.exec(select(Member).where(Member.tenant_id == tenant_id))
        return {member.name: member for member in rows}


def events_of(engine: Engine) -> list[Event]:
    with Session(engine) as session:
        return list(session.exec(select(Event).order_by(Event.held_on, Event.title)))


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("03-04-2024", date(2024, 4, 3)),
        ("3.4.2024", date(2024, 4, 3)),
        ("03/04/2024", date(2024, 4, 3)),
        ("3. april 2024", date(2024, 4, 3)),
        ("3 apr. 2024", date(2024, 4, 3)),
        ("2024-04-03", date(2024, 4, 3)),
        ("03-04-24", date(2024, 4, 3)),
        ("03.04.2024 kl. 17:30", date(2024, 4, 3)),
        ("1. marts 2023", date(2023, 3, 1)),
        ("24. december 2023", date(2023, 12, 24)),
    ],
)
def test_parse_date_reads_day_first_forms(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["31-02-2024", "2024/13/01", "april 2024", "3. smarch 2024"])
def test_parse_date_rejects_invalid_dates(text: str) -> None:
    with pytest.raises(InvalidValue):
        parse_date(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.234,5", 1234.5),
        ("1.234", 1234.0),
        ("12,75", 12.75),
        ("1.234.567", 1234567.0),
        ("1,234.5", 1234.5),
        ("12.5", 12.5),
        ("-3,5", -3.5),
        ("1 200", 1200.0),
    ],
)
def test_parse_number_reads_decimal_commas_and_thousands_dots(text: str, expected: float) -> None:
    assert parse_number(text) == expected


def test_members_from_cp1252_semicolon_file(engine: Engine, importer: Importer) -> None:
    text = (
        "Navn;Virksomhed;CVR;Branche;Antal ansatte;Postnr;E-mail\r\n"
        "Søren Ærø;Østergaard & Søn ApS;DK 12 34 56 78;Byggeri;1.200;8000;soren@ostergaard.dk\r\n"
        "Åse Møller;Bageriet Ærtebjerg;87654321;Fødevarer;12,0;2100;ase@baeriet.dk\r\n"
    )
    report = importer.import_file(TENANT, FileKind.MEMBERS, "medlemmer.csv", text.encode("cp1252"))

    assert report.rejected == []
    assert report.created == 2
    members = members_of(engine)
    assert set(members) == {
        "Søren Ærø", "Østergaard & Søn ApS", "Åse Møller", "Bageriet Ærtebjerg",
    }
    organisation = members["Østergaard & Søn ApS"]
    assert organisation.kind == MemberKind.ORGANISATION
    assert organisation.cvr == "12345678"
    assert organisation.industry == "Byggeri"
    assert organisation.employee_band == "1000+"
    assert organisation.postcode == "8000"
    person = members["Søren Ærø"]
    assert person.kind == MemberKind.PERSON
    assert person.organisation_id == organisation.member_id
    assert person.email == "soren@ostergaard.dk"
    assert person.industry is None
    assert members["Bageriet Ærtebjerg"].employee_band == "10-19"


def test_members_from_utf8_bom_english_csv(
    engine: Engine, importer: Importer
) -> None:
    text = (
        "Name,Company,Company number,Industry,Employees,Postcode,Member since\n"
        'Jens Ølgaard,"Ølgaard, Hansen & Co",11223344,Consulting,45,5000,15-01-2021\n'
    )
    data = codecs.BOM_UTF8 + text.encode("utf-8")
    report = importer.import_file(TENANT, FileKind.MEMBERS, "members.csv", data)

    assert report.rejected == []
    members = members_of(engine)
    assert members["Ølgaard, Hansen & Co"].cvr == "11223344"
    assert members["Ølgaard, Hansen & Co"].employee_band == "20-49"
    assert members["Jens Ølgaard"].joined_on == date(2021, 1, 15)
    assert report.columns["name"] == "Name"


def test_utf8_without_bom_keeps_danish_letters(engine: Engine, importer: Importer) -> None:
    text = "Virksomhed;Postnr\nÆblegården I/S;4000\n"
    importer.import_file(TENANT, FileKind.MEMBERS, "m.csv", text.encode("utf-8"))

    assert members_of(engine)["Æblegården I/S"].postcode == "4000"


def test_events_with_every_date_form_and_danish_headers(engine: Engine, importer: Importer) -> None:
    text = (
        "Titel;Dato;Type;Sted;Beskrivelse\n"
        "Morgenmøde A;03-04-2024;Netværk;Aarhus;Kaffe og sparring\n"
        "Morgenmøde B;3.4.2024;Netværk;Aarhus;\n"
        "Morgenmøde C;03/04/2024;Netværk;Aarhus;\n"
        "Morgenmøde D;3. april 2024;Netværk;Aarhus;\n"
        "Morgenmøde E;2024-04-03;Netværk;Aarhus;\n"
    )
    report = importer.import_file(TENANT, FileKind.EVENTS, "e.csv", text.encode("cp1252"))

    assert report.rejected == []
    events = events_of(engine)
    assert [event.title for event in events] == [f"Morgenmøde {c}" for c in "ABCDE"]
    assert {event.held_on for event in events} == {date(2024, 4, 3)}
    assert events[0].description == "Kaffe og sparring"
    assert events[0].location == "Aarhus"
    assert events[0].type == "Netværk"


def test_rejected_rows_reported_by_line(
    engine: Engine, importer: Importer
) -> None:
    text = (
        "Titel;Dato;Beskrivelse\n"
        'Workshop;12-05-2024;"To linjer\nbeskrivelse"\n'
        "Uden dato;;Ingen dato her\n"
        ";13-05-2024;Ingen titel\n"
        "Forkert dato;31-02-2024;\n"
        "Foredrag;14-05-2024;\n"
    )
    report = importer.import_file(TENANT, FileKind.EVENTS, "e.csv", text.encode("utf-8"))

    assert [row.line for row in report.rejected] == [4, 5, 6]
    assert "missing date" in report.rejected[0].reason
    assert report.rejected[1].reason == "missing title"
    assert "31-02-2024" in report.rejected[2].reason
    assert report.created == 2
    assert [event.title for event in events_of(engine)] == ["Workshop", "Foredrag"]
    assert events_of(engine)[0].description == "To linjer\nbeskrivelse"


def test_reimport_of_same_files_changes_nothing(engine: Engine, importer: Importer) -> None:
    members = "Navn;Virksomhed;CVR\nAnne Berg;Berg ApS;12345678\nBo Dal;Berg ApS;12345678\n"
    events = "Titel;Dato\nMorgenmøde;03-04-2024\n"
    sign_ups = (
        "Navn;Virksomhed;Arrangement;Dato;Status\n"
        "Anne Berg;Berg ApS;Morgenmøde;03-04-2024;Deltaget\n"
        "Bo Dal;Berg ApS;Morgenmøde;03-04-2024;Udeblevet\n"
    )
    files = [
        (FileKind.MEMBERS, members), (FileKind.EVENTS, events),
        (FileKind.PARTICIPATIONS, sign_ups),
    ]
    first = [importer.import_file(TENANT, kind, "f.csv", text.encode()) for kind, text in files]
    with Session(engine) as session:
        before = [session.exec(select(table)).all() for table in (Member, Event, Participation)]

    second = [importer.import_file(TENANT, kind, "f.csv", text.encode()) for kind, text in files]

    assert [(r.created, r.updated) for r in first] == [(2, 0), (1, 0), (2, 0)]
    assert [(r.created, r.updated, r.unchanged) for r in second] == [
        (0, 0, 2), (0, 0, 1), (0, 0, 2),
    ]
    with Session(engine) as session:
        after = [session.exec(select(table)).all() for table in (Member, Event, Participation)]
    assert [len(rows) for rows in after] == [3, 1, 2]
    assert [[row.model_dump() for row in rows] for rows in after] == [
        [row.model_dump() for row in rows] for rows in before
    ]


def test_changed_status_updates_the_participation(engine: Engine, importer: Importer) -> None:
    header = "E-mail;Arrangement;Dato;Status\n"
    importer.import_file(
        TENANT, FileKind.PARTICIPATIONS, "p.csv",
        (header + "anne@berg.dk;Morgenmøde;03-04-2024;Tilmeldt\n").encode(),
    )
    report = importer.import_file(
        TENANT, FileKind.PARTICIPATIONS, "p.csv",
        (header + "anne@berg.dk;Morgenmøde;03-04-2024;Deltaget\n").encode(),
    )

    assert (report.created, report.updated) == (0, 1)
    with Session(engine) as session:
        assert session.exec(select(Participation.status)).one() == "attended"


def test_participation_statuses_from_status_words(engine: Engine, importer: Importer) -> None:
    text = (
        "Deltager;E-mail;Titel;Dato;Status\n"
        "A;a@x.dk;Møde;01-02-2024;Deltaget\n"
        "B;b@x.dk;Møde;01-02-2024;Tilmeldt\n"
        "C;c@x.dk;Møde;01-02-2024;Afmeldt\n"
        "D;d@x.dk;Møde;01-02-2024;Udeblevet\n"
        "E;e@x.dk;Møde;01-02-2024;no-show\n"
        "F;f@x.dk;Møde;01-02-2024;måske\n"
    )
    report = importer.import_file(TENANT, FileKind.PARTICIPATIONS, "p.csv", text.encode())

    assert report.members_created == 5
    assert report.events_created == 1
    assert [(row.line, row.reason[:22]) for row in report.rejected] == [
        (7, "invalid status 'måske'")
    ]
    statuses = _statuses_by_name(engine)
    assert statuses == {
        "A": "attended", "B": "registered", "C": "cancelled", "D": "no_show", "E": "no_show",
    }


def test_participation_status_from_yes_no_columns(engine: Engine, importer: Importer) -> None:
    text = (
        "Navn;Arrangement;Dato;Tilmeldt;Deltaget;Afmeldt;Udeblevet\n"
        "A;Møde;01-02-2024;ja;ja;;\n"
        "B;Møde;01-02-2024;x;;x;\n"
        "C;Møde;01-02-2024;1;0;0;1\n"
        "D;Møde;01-02-2024;ja;nej;nej;nej\n"
    )
    report = importer.import_file(TENANT, FileKind.PARTICIPATIONS, "p.csv", text.encode())

    assert report.rejected == []
    assert _statuses_by_name(engine) == {
        "A": "attended", "B": "cancelled", "C": "no_show", "D": "registered",
    }


def _statuses_by_name(engine: Engine) -> dict[str, str]:
    with Session(engine) as session:
        rows = session.exec(
            select(Member.name, Participation.status).join(
                Participation, Participation.member_id == Member.member_id
            )
        ).all()
    return {name: status.value for name, status in rows}


def test_xlsx_with_date_cells_and_text_dates(engine: Engine, importer: Importer) -> None:
    data = xlsx_bytes([
        ["Titel", "Dato", "Type", "Beskrivelse"],
        ["Generalforsamling", datetime(2024, 4, 3, 17, 0), "Møde", "Årets regnskab"],
        ["Julefrokost", "13-12-2024", "Social", None],
        [None, None, None, None],
        ["Sommerfest", "uge 25", "Social", None],
    ])
    report = importer.import_file(TENANT, FileKind.EVENTS, "arrangementer.xlsx", data)

    assert [(row.line, "uge 25" in row.reason) for row in report.rejected] == [(5, True)]
    events = events_of(engine)
    assert [(event.title, event.held_on) for event in events] == [
        ("Generalforsamling", date(2024, 4, 3)), ("Julefrokost", date(2024, 12, 13)),
    ]
    assert events[0].description == "Årets regnskab"


def test_xlsx_members_with_numeric_cells(engine: Engine, importer: Importer) -> None:
    data = xlsx_bytes([
        ["Virksomhed", "CVR", "Antal ansatte", "Postnr"],
        ["Fiskehuset A/S", 12345678, 230, 9000],
    ])
    importer.import_file(TENANT, FileKind.MEMBERS, "medlemmer.xlsx", data)

    member = members_of(engine)["Fiskehuset A/S"]
    assert (member.cvr, member.employee_band, member.postcode) == ("12345678", "200-499", "9000")


def test_saved_column_mapping_is_used_for_unknown_headers(
    engine: Engine, importer: Importer
) -> None:
    mapping = {"Kundenavn": "organisation", "Zone": "postcode"}
    importer.save_mapping(TENANT, FileKind.MEMBERS, mapping)
    text = "Kundenavn;Zone\nHavnens Is ApS;6700\n"
    importer.import_file(TENANT, FileKind.MEMBERS, "m.csv", text.encode())

    assert members_of(engine)["Havnens Is ApS"].postcode == "6700"
    assert importer.saved_mapping("tenant-b", FileKind.MEMBERS) == {}


def test_file_without_required_column_names_the_columns(importer: Importer) -> None:
    with pytest.raises(MissingColumns, match="'Farve'"):
        importer.import_file(TENANT, FileKind.EVENTS, "e.csv", "Titel;Farve\nA;blå\n".encode())


def test_same_file_in_two_tenants_stays_apart(engine: Engine, importer: Importer) -> None:
    text = b"Navn;Virksomhed\nAnne Berg;Berg ApS\n"
    importer.import_file("tenant-a", FileKind.MEMBERS, "m.csv", text)
    importer.import_file("tenant-b", FileKind.MEMBERS, "m.csv", text)

    a, b = members_of(engine, "tenant-a"), members_of(engine, "tenant-b")
    assert set(a) == set(b) == {"Anne Berg", "Berg ApS"}
    assert a["Anne Berg"].member_id != b["Anne Berg"].member_id


@pytest.mark.parametrize(
    ("text", "band"),
    [("99999999999999999999999", "1000+"), ("10-99999999999", "1000+"), ("0", "0"),
     ("1.200 ansatte", "1000+")],
)
def test_employee_band_of_huge_counts_is_the_top_band(text: str, band: str) -> None:
    assert parse_employee_band(text) == band


def test_employee_interval_with_low_above_high_is_rejected() -> None:
    with pytest.raises(InvalidValue, match="low end is above its high end"):
        parse_employee_band("5-2")


def test_unterminated_quote_rejects_only_its_line(engine: Engine, importer: Importer) -> None:
    text = (
        "Navn;Virksomhed;E-mail\n"
        "Anne Berg;Berg ApS;anne@berg.dk\n"
        '"Bo Dal;Dal & Co;bo@dal.dk\n'
        "Cia Eg;Eg Tømrer;cia@eg.dk\n"
        "Dan Fjord;Fjord I/S;dan@fjord.dk\n"
    )
    report = importer.import_file(TENANT, FileKind.MEMBERS, "m.csv", text.encode())

    assert report.rejected == [RejectedRow(3, "unterminated quote starting on line 3")]
    assert (report.rows, report.created, report.updated, report.unchanged) == (4, 3, 0, 0)
    assert set(members_of(engine)) == {
        "Anne Berg", "Berg ApS", "Cia Eg", "Eg Tømrer", "Dan Fjord", "Fjord I/S",
    }


def test_quote_closed_rows_later_still_rejects_its_line(
    engine: Engine, importer: Importer
) -> None:
    text = (
        "Titel;Dato;Beskrivelse\n"
        'Morgenmøde;03-04-2024;"Kaffe og\n'
        "Frokost;04-04-2024;Sandwich\n"
        'Aftenmøde;05-04-2024;"To\nlinjer"\n'
    )
    report = importer.import_file(TENANT, FileKind.EVENTS, "e.csv", text.encode())

    assert report.rejected == [RejectedRow(2, "unterminated quote starting on line 2")]
    assert [event.title for event in events_of(engine)] == ["Frokost", "Aftenmøde"]
    assert events_of(engine)[1].description == "To\nlinjer"


def test_sign_ups_match_members_on_their_identifiers(
    engine: Engine, importer: Importer
) -> None:
    members = (
        "Medlemsnr;Navn;Virksomhed;CVR;E-mail\n"
        "101;Anne Berg;Berg ApS;12345678;anne@berg.dk\n"
        "102;Bo Dal;Dal & Co;;bo@dal.dk\n"
        "103;Cia Eg;;;\n"
        "104;;Fjord I/S;87654321;\n"
    )
    importer.import_file(TENANT, FileKind.MEMBERS, "m.csv", members.encode())
    before = {member.name: member.member_id for member in members_of(engine).values()}
    sign_ups = (
        "Medlemsnummer;Deltager;Firma;E-mail;Arrangement;Dato;Status\n"
        ";;;ANNE@berg.dk;Morgenmøde;03-04-2024;Deltaget\n"
        ";Bo Dal;Dal & Co;;Morgenmøde;03-04-2024;Deltaget\n"
        "103;;;;Morgenmøde;03-04-2024;Deltaget\n"
        ";Cia Eg;;;Frokost;04-04-2024;Deltaget\n"
        "104;Erik Fjord;;;Frokost;04-04-2024;Tilmeldt\n"
        ";Anne Berg;;;Frokost;04-04-2024;Afmeldt\n"
    )
    report = importer.import_file(TENANT, FileKind.PARTICIPATIONS, "p.csv", sign_ups.encode())

    assert report.rejected == []
    assert report.members_created == 1
    after = members_of(engine)
    assert set(after) == set(before) | {"Erik Fjord"}
    assert after["Erik Fjord"].organisation_id == before["Fjord I/S"]
    with Session(engine) as session:
        linked = sorted(
            (row.member_id, row.status.value) for row in session.exec(select(Participation))
        )
    assert linked == sorted([
        (before["Anne Berg"], "attended"), (before["Bo Dal"], "attended"),
        (before["Cia Eg"], "attended"), (before["Cia Eg"], "attended"),
        (after["Erik Fjord"].member_id, "registered"), (before["Anne Berg"], "cancelled"),
    ])


def test_member_number_belongs_to_the_organisation(engine: Engine, importer: Importer) -> None:
    text = "Medlemsnr;Navn;Virksomhed\n1042.0;Anne Berg;Berg ApS\n77;Bo Dal;\n"
    importer.import_file(TENANT, FileKind.MEMBERS, "m.csv", text.encode())

    members = members_of(engine)
    assert members["Berg ApS"].member_number == "1042"
    assert members["Anne Berg"].member_number is None
    assert members["Bo Dal"].member_number == "77"


def test_import_counts_add_up_to_the_data_rows(engine: Engine, importer: Importer) -> None:
    members = (
        "Navn;Virksomhed;CVR;E-mail\n"
        "Anne Berg;Berg ApS;12345678;anne@berg.dk\n"
        "Bo Dal;Berg ApS;12345678;bo@berg.dk\n"
        "Anne Berg;Berg ApS;12345678;anne@berg.dk\n"
        "Cia Eg;Eg ApS;1234;\n"
        "\n"
        "Dan Fjord;Fjord I/S;;dan@fjord.dk\n"
    )
    first = importer.import_file(TENANT, FileKind.MEMBERS, "m.csv", members.encode())
    changed = members.replace("Fjord I/S;;dan", "Fjord I/S;;dan.fjord")
    second = importer.import_file(TENANT, FileKind.MEMBERS, "m.csv", changed.encode())
    sign_ups = (
        "E-mail;Arrangement;Dato;Status\n"
        "anne@berg.dk;Morgenmøde;03-04-2024;Tilmeldt\n"
        "anne@berg.dk;Morgenmøde;03-04-2024;Deltaget\n"
        "bo@berg.dk;Morgenmøde;03-04-2024;Deltaget\n"
        "ny@gæst.dk;Morgenmøde;03-04-2024;Deltaget\n"
        "bo@berg.dk;Morgenmøde;;Deltaget\n"
    )
    third = importer.import_file(TENANT, FileKind.PARTICIPATIONS, "p.csv", sign_ups.encode())

    counts = [
        (r.rows, r.created, r.updated, r.unchanged, len(r.rejected))
        for r in (first, second, third)
    ]
    assert counts == [(5, 3, 0, 1, 1), (5, 0, 1, 3, 1), (5, 3, 1, 0, 1)]
    assert (third.members_created, third.events_created) == (1, 1)


def test_multiline_cell_with_delimiters_is_kept(engine: Engine, importer: Importer) -> None:
    text = (
        "Titel;Dato;Beskrivelse\n"
        'Morgenmøde;03-04-2024;"Program:\nkaffe; oplæg; netværk\nslut kl. 10"\n'
        "Frokost;04-04-2024;Sandwich\n"
    )
    report = importer.import_file(TENANT, FileKind.EVENTS, "e.csv", text.encode())

    assert report.rejected == []
    assert report.created == 2
    assert events_of(engine)[0].description == "Program:\nkaffe; oplæg; netværk\nslut kl. 10"


def test_erased_member_stays_erased(engine: Engine, importer: Importer) -> None:
    members = (
        "Navn;Virksomhed;E-mail\n"
        "Anne Berg;Berg ApS;anne@berg.dk\n"
        "Bo Dal;Berg ApS;\n"
        "Cia Eg;Berg ApS;cia@berg.dk\n"
    )
    importer.import_file(TENANT, FileKind.MEMBERS, "m.csv", members.encode())
    before = members_of(engine)
    delete_member(engine, TENANT, before["Anne Berg"].member_id)
    delete_member(engine, TENANT, before["Bo Dal"].member_id)
    sign_ups = (
        "Navn;Firma;E-mail;Arrangement;Dato;Status\n"
        ";;ANNE@berg.dk;Morgenmøde;03-04-2024;Deltaget\n"
        "Anne Berg;;anne@berg.dk;Frokost;04-04-2024;Deltaget\n"
        "Bo Dal;Berg ApS;;Frokost;04-04-2024;Deltaget\n"
        ";;cia@berg.dk;Frokost;04-04-2024;Deltaget\n"
    )

    again = importer.import_file(TENANT, FileKind.MEMBERS, "m.csv", members.encode())
    report = importer.import_file(TENANT, FileKind.PARTICIPATIONS, "p.csv", sign_ups.encode())

    assert set(members_of(engine)) == {"Berg ApS", "Cia Eg"}
    assert (again.rows, again.skipped_erased, again.unchanged) == (3, 2, 1)
    assert (report.rows, report.skipped_erased, report.created) == (4, 3, 1)
    assert report.members_created == 0
    with Session(engine) as session:
        kept = [row.identifier_hash for row in session.exec(select(ErasedMember))]
    assert len(kept) == 3
    assert not any("berg" in value or "Anne" in value for value in kept)


def test_rejected_flag_lists_accepted_values(engine: Engine, importer: Importer) -> None:
    text = "Navn;Arrangement;Dato;Deltaget\nAnne;Møde;01-02-2024;nej\nBo;Møde;01-02-2024;måske\n"

    report = importer.import_file(TENANT, FileKind.PARTICIPATIONS, "p.csv", text.encode())

    assert [row.line for row in report.rejected] == [2, 3]
    for row in report.rejected:
        assert "'Deltaget'" in row.reason
        for accepted in ("ja", "nej", "yes", "no", "true", "false"):
            assert accepted in re.findall(r"\w+", row.reason), (accepted, row.reason)


def test_sign_ups_warn_about_new_members(engine: Engine, importer: Importer) -> None:
    importer.import_file(TENANT, FileKind.MEMBERS, "m.csv", b"Navn;E-mail\nAnne;a@x.dk\n")
    importer.import_file(TENANT, FileKind.EVENTS, "e.csv", "Titel;Dato\nMøde;01-02-2024\n".encode())
    sign_ups = (
        "E-mail;Arrangement;Dato;Status\n"
        "a@x.dk;Møde;01-02-2024;Deltaget\n"
        "ny@x.dk;Møde;01-02-2024;Deltaget\n"
        "a@x.dk;Frokost;02-02-2024;Deltaget\n"
    )

    report = importer.import_file(TENANT, FileKind.PARTICIPATIONS, "p.csv", sign_ups.encode())

    assert (report.rows, report.created, report.rejected) == (3, 3, [])
    assert (report.members_created, report.events_created) == (1, 1)
    assert report.warnings == [
        "created members for people the member list does not contain: line 3 (ny@x.dk)",
        "created events the event list does not contain: line 4 (Frokost 2024-02-02)",
    ]
