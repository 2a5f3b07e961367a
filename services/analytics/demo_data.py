"""A generated, realistic Danish business network: members, events and sign-ups as files.

The files carry the quirks of real exports: members as Windows-1252 CSV with ``;`` and
thousands dots, events as XLSX with Danish headers, sign-ups as UTF-8 CSV with a byte order
mark and Danish status words. The same seed gives the same files.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import date, timedelta

import openpyxl

THEMES = {
    "energi": (
        ["Energi i produktionen", "Varmepumper til erhverv", "Solceller på taget",
         "Energitjek af virksomheden"],
        ["Vi gennemgår, hvordan varmepumper og solceller sænker energiforbruget.",
         "Hør hvordan en lokal producent halverede sin elregning med overskudsvarme.",
         "Få konkrete råd om energioptimering af maskiner, ventilation og belysning.",
         "Energistyrelsens tilskudsordninger til energibesparelser bliver gennemgået."],
    ),
    "bæredygtighed": (
        ["CO2-regnskab for SMV'er", "Grøn omstilling i praksis", "Cirkulær økonomi",
         "ESG-rapportering uden besvær"],
        ["Lær at lave et CO2-regnskab for scope 1, 2 og 3 med gratis værktøjer.",
         "Kunderne spørger efter bæredygtighed: sådan dokumenterer I jeres klimaindsats.",
         "Cirkulære forretningsmodeller med genbrug af materialer og emballage.",
         "De nye krav til ESG-rapportering rammer også underleverandører."],
    ),
    "marketing": (
        ["LinkedIn for B2B-salg", "Digital markedsføring", "Nyhedsbreve der sælger",
         "Annoncer på sociale medier"],
        ["Sådan bruger I LinkedIn og sociale medier til at finde nye kunder.",
         "Søgemaskineoptimering og Google Ads for webshops og servicevirksomheder.",
         "Content marketing og nyhedsbreve, der skaffer leads og holder på kunderne.",
         "Annoncering på Instagram og Facebook med små budgetter og klare mål."],
    ),
    "ledelse": (
        ["Ledelse i vækstvirksomheder", "Rekruttering og fastholdelse", "Trivsel på jobbet",
         "Den svære samtale"],
        ["Hvordan tiltrækker og fastholder I medarbejdere, når ledigheden er lav?",
         "Erfarne ledere deler deres bedste greb om motivation og trivsel.",
         "Værktøjer til medarbejderudviklingssamtaler og feedback i hverdagen.",
         "Ledelse af teams på tværs af kontor og hjemmearbejde."],
    ),
    "eksport": (
        ["Eksport til Tyskland", "Nye markeder i Norden", "Toldregler efter Brexit",
         "Messer i udlandet"],
        ["Eksportrådet fortæller om muligheder og faldgruber på det tyske marked.",
         "Sådan finder I distributører og agenter i Sverige og Norge.",
         "Told, moms og dokumentation ved eksport til Storbritannien.",
         "Forbered jer til internationale messer og få mest ud af standen."],
    ),
    "ai": (
        ["Kunstig intelligens i SMV'en", "ChatGPT på kontoret", "Automatisering af bogholderi",
         "Cybersikkerhed for små virksomheder"],
        ["Konkrete eksempler på kunstig intelligens i kundeservice og salg.",
         "Sprogmodeller som ChatGPT kan skrive tilbud, mails og produkttekster.",
         "Automatisering af fakturering og bogholderi med digitale værktøjer.",
         "Phishing, ransomware og backup: de vigtigste tiltag mod hackerangreb."],
    ),
}
# Later years lean towards newer themes, so the overview has trends to show.
THEME_WEIGHTS = {
    2022: {"energi": 4, "bæredygtighed": 2, "marketing": 4, "ledelse": 3, "eksport": 3, "ai": 0},
    2023: {"energi": 3, "bæredygtighed": 4, "marketing": 3, "ledelse": 3, "eksport": 2, "ai": 1},
    2024: {"energi": 2, "bæredygtighed": 4, "marketing": 2, "ledelse": 2, "eksport": 2, "ai": 6},
}
CLOSINGS = [
    "Arrangementet slutter med netværk og let forplejning.",
    "Der er god tid til spørgsmål og sparring med de andre deltagere.",
    "",
]
EVENT_TYPES = ["Morgenmøde", "Workshop", "Foredrag", "Virksomhedsbesøg", "Netværksmøde"]
PLACES = ["Aarhus", "Vejle", "Horsens", "Silkeborg", "Randers", "Skanderborg"]
FIRST_NAMES = ["Anne", "Bo", "Camilla", "Dennis", "Eva", "Frederik", "Gitte", "Henrik", "Ida",
               "Jens", "Karen", "Lars", "Mette", "Niels", "Pia", "Rasmus", "Sofie", "Thomas",
               "Ulla", "Søren", "Åse", "Jørgen", "Birgitte", "Mads"]
LAST_NAMES = ["Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen",
              "Sørensen", "Rasmussen", "Jørgensen", "Møller", "Holm", "Østergaard",
              "Bæk"]
COMPANY_WORDS = ["Nordisk", "Jysk", "Fjord", "Lind", "Skov", "Havne", "Bakke", "Grøn", "Østjysk",
                 "Kyst", "Å-dal", "Mølle"]
COMPANY_KINDS = [("Maskiner A/S", "Industri"), ("Rådgivning ApS", "Rådgivning"),
                 ("Byg ApS", "Byggeri"), ("Fødevarer A/S", "Fødevarer"), ("IT ApS", "IT"),
                 ("Transport A/S", "Transport"), ("Design ApS", "Kreative erhverv")]
STATUS_WORDS = {"attended": "Deltaget", "registered": "Tilmeldt", "cancelled": "Afmeldt",
                "no_show": "Udeblevet"}


@dataclass(frozen=True)
class DemoFiles:
    members_csv: bytes
    events_xlsx: bytes
    sign_ups_csv: bytes


@dataclass(frozen=True)
class _Person:
    name: str
    email: str
    company: str
    joined_on: date
    keenness: float
    interests: tuple[str, ...]


def build_demo_files(seed: int = 7, companies: int = 30, events_per_year: int = 20) -> DemoFiles:
    rng = random.Random(seed)
    people, member_rows = _members(rng, companies)
    event_rows = _events(rng, events_per_year)
    sign_up_rows = _sign_ups(rng, people, event_rows)
    return DemoFiles(
        members_csv=_csv(member_rows, delimiter=";").encode("cp1252"),
        events_xlsx=_xlsx(event_rows),
        sign_ups_csv=b"\xef\xbb\xbf" + _csv(sign_up_rows, delimiter=",").encode("utf-8"),
    )


def _members(rng: random.Random, companies: int) -> tuple[list[_Person], list[list[str]]]:
    rows = [["Navn", "Virksomhed", "CVR", "Branche", "Antal ansatte", "Postnr", "E-mail",
             "Medlem siden"]]
    people: list[_Person] = []
    used: set[str] = set()
    for index in range(companies):
        suffix, industry = rng.choice(COMPANY_KINDS)
        company = f"{COMPANY_WORDS[index % len(COMPANY_WORDS)]} {suffix}"
        if company in used:
            company = f"{company.split()[0]} & Co {suffix}"
        used.add(company)
        cvr = str(10_000_000 + rng.randrange(89_999_999))
        employees = f"{rng.choice([4, 12, 35, 80, 150, 1200, 2400]):,}".replace(",", ".")
        postcode = rng.choice(["8000", "7100", "8700", "8600", "8900", "8660"])
        joined = date(2019, 1, 1) + timedelta(days=rng.randrange(5 * 365 + 240))
        domain = company.split()[0].lower()
        domain = domain.replace("å", "aa").replace("ø", "oe").replace("æ", "ae")
        for _ in range(rng.choice([1, 1, 2, 3])):
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            email = f"{name.split()[0].lower()}@{domain.replace('-', '')}.dk"
            if any(person.email == email for person in people):
                continue
            interests = tuple(rng.sample(sorted(THEMES), 2))
            people.append(_Person(name, email, company, joined, rng.random(), interests))
            rows.append([name, company, cvr, industry, employees, postcode, email,
                         joined.strftime("%d-%m-%Y")])
    return people, rows


def _events(rng: random.Random, per_year: int) -> list[list[object]]:
    rows: list[list[object]] = [["Titel", "Dato", "Type", "Sted", "Beskrivelse"]]
    for year, weights in THEME_WEIGHTS.items():
        last_month = 10 if year == 2024 else 12
        for _ in range(per_year):
            theme = rng.choices(list(weights), weights=list(weights.values()))[0]
            titles, sentences = THEMES[theme]
            held_on = date(year, rng.randint(1, last_month), rng.randint(1, 28))
            description = " ".join(
                part for part in (*rng.sample(sentences, 2), rng.choice(CLOSINGS)) if part
            )
            rows.append([
                rng.choice(titles), held_on, rng.choice(EVENT_TYPES), rng.choice(PLACES),
                description,
            ])
    return rows


def _sign_ups(
    rng: random.Random, people: list[_Person], events: list[list[object]]
) -> list[list[str]]:
    rows = [["Deltager", "E-mail", "Virksomhed", "Arrangement", "Dato", "Status"]]
    for title, held_on, *_ in events[1:]:
        assert isinstance(held_on, date)
        theme = next(name for name, (titles, _) in THEMES.items() if title in titles)
        for person in people:
            if held_on < person.joined_on:
                continue
            chance = 0.08 + 0.25 * person.keenness + (0.25 if theme in person.interests else 0)
            # Some members stop coming after a while, as in any network.
            if person.keenness < 0.2 and held_on.year == 2024:
                chance = 0.0
            if rng.random() >= chance:
                continue
            status = rng.choices(
                ["attended", "cancelled", "no_show"], weights=[80, 12, 8]
            )[0] if held_on < date(2024, 10, 1) else "registered"
            rows.append([person.name, person.email, person.company, str(title),
                         held_on.strftime("%-d. %B %Y"), STATUS_WORDS[status]])
    for row in rows[1:]:
        row[4] = _danish_month(row[4])
    return rows


_DANISH_MONTHS = {"January": "januar", "February": "februar", "March": "marts",
                  "April": "april", "May": "maj", "June": "juni", "July": "juli",
                  "August": "august", "September": "september", "October": "oktober",
                  "November": "november", "December": "december"}


def _danish_month(text: str) -> str:
    day, month, year = text.split()
    return f"{day} {_DANISH_MONTHS[month]} {year}"


def _csv(rows: list[list[str]], delimiter: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Arrangementer"
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
