"""Run the analytics on a generated Danish demo tenant and print its overview.

    python -m services.analytics.demo [--data-dir DIR] [--seed N]

Builds the demo files (see demo_data), imports them into a SQLite database under the data
folder (a temporary one by default), finds themes as a job, prints the overview and writes
it as overview.html next to the database.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
from pathlib import Path

from services.analytics.demo_data import build_demo_files
from services.analytics.importing.columns import FileKind
from services.analytics.service import AnalyticsService
from shared.db import create_tables, make_engine
from shared.settings import AnalyticsSettings

TENANT = "demo-netvaerk"


def run(data_dir: Path, seed: int) -> dict[str, object]:
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{data_dir / 'analytics-demo.db'}")
    create_tables(engine)
    service = AnalyticsService(AnalyticsSettings(), engine)
    service.start()
    try:
        files = build_demo_files(seed=seed)
        for kind, name, data in (
            (FileKind.MEMBERS, "medlemmer.csv", files.members_csv),
            (FileKind.EVENTS, "arrangementer.xlsx", files.events_xlsx),
            (FileKind.PARTICIPATIONS, "tilmeldinger.csv", files.sign_ups_csv),
        ):
            (data_dir / name).write_bytes(data)
            report = service.import_file(TENANT, kind, name, data)
            print(f"imported {name}: {report.rows} rows, {report.created} created, "
                  f"{report.updated} updated, {report.unchanged} unchanged, "
                  f"{len(report.rejected)} rejected")
        job = service.start_theme_run(TENANT)
        print("finding themes (embedding the descriptions on the CPU) ...")
        service.jobs.wait(job.job_id)  # type: ignore[attr-defined]
        finished = service.job(TENANT, job.job_id)
        if finished is not None and finished.error:
            raise SystemExit(f"theme job failed: {finished.error}")
        overview = service.overview(TENANT)
        (data_dir / "overview.html").write_text(service.overview_html(TENANT), encoding="utf-8")
        return overview
    finally:
        service.close()
        engine.dispose()


def print_overview(overview: dict, data_dir: Path) -> None:  # type: ignore[type-arg]
    totals = overview["totals"]
    print(f"\nOverview of {overview['tenant_id']} (data up to {overview['reference_date']})")
    print(f"  {totals['organisations']} organisations, {totals['persons']} contact persons, "
          f"{totals['events']} events, {totals['sign_ups']} sign-ups, "
          f"{totals['attended']} attendances")
    print("\nMain themes:")
    for theme in overview["themes"]:
        example = theme["typical"][0]["title"] if theme["typical"] else ""
        print(f"  {theme['label']:<40} {theme['size']:>3} events, {theme['trend']:<8} "
              f"e.g. {example}")
    print("\nMost engaged members:")
    for row in overview["top_members"]:
        print(f"  {row['name']:<22} {row['organisation']:<28} attended {row['attended']}")
    print("\nEvent types:")
    for row in overview["event_types"]:
        print(f"  {row['type']:<18} {row['events']:>3} events, {row['attended_per_event']} "
              "attended per event")
    new = overview["new_this_year"]
    if new:
        themes = "; ".join(new["new_or_rising_themes"]) or "none"
        print(f"\nNew in {new['year']}: {new['events_this_year']} events (same period last "
              f"year: {new['events_same_period_last_year']}), {new['new_members']} new members, "
              f"new or rising themes: {themes}")
    print(f"\nPrintable overview: {data_dir / 'overview.html'}")


def main() -> None:
    parser = argparse.ArgumentParser(description="Analytics on a generated Danish demo tenant.")
    parser.add_argument("--data-dir", type=Path, help="Folder for the database and files; "
                        "default: a new temporary folder.")
    parser.add_argument("--seed", type=int, default=7, help="Seed of the generated data.")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="datafantasi-analytics-demo-"))
    print_overview(run(data_dir, args.seed), data_dir)


if __name__ == "__main__":
    main()
