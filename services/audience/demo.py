"""Demo: generate a furniture retailer's audience, import it, print communities and a comparison.

    python -m services.audience.demo [--members 2000] [--folder DIR]

The generated files (an Instagram export zip, Graph API JSON, an audience CSV) and the SQLite
database are written to the folder, a new temporary folder by default, and nothing is written
elsewhere. The first run loads the bundled e5 model and encodes a few hundred texts, which takes
about a minute on two cores.
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from services.audience.comparison import Comparison
from services.audience.job_kinds import COMMUNITIES
from services.audience.service import AudienceService, CommunityRunResult
from services.audience.synthetic import generate_audience
from services.audience.text_encoder import E5TextEncoder
from shared.db import make_engine
from shared.jobs import JobStatus, ThreadJobRunner

TENANT = "demo"


def run_communities_job(engine: Engine, service: AudienceService, seed: int) -> CommunityRunResult:
    """Run communities as the API does, as a job, and print its steps as they come."""
    jobs = ThreadJobRunner(engine, services=SimpleNamespace(audience=service))
    try:
        job = jobs.submit(TENANT, COMMUNITIES, {"seed": seed})
        last_message = ""
        while job.status not in (JobStatus.SUCCEEDED, JobStatus.FAILED):
            time.sleep(0.2)
            job = jobs.get(TENANT, job.job_id) or job
            if job.message and job.message != last_message:
                print(f"  {job.progress:4.0%} {job.message}")
                last_message = job.message
    finally:
        jobs.close()
    if job.status == JobStatus.FAILED:
        raise SystemExit(f"the community job failed: {job.error}")
    return service.community_run(TENANT, json.loads(job.result or "{}")["run_id"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2000, help="audience accounts to generate")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generator and the run")
    parser.add_argument("--folder", type=Path, default=None, help="where files and database go")
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    folder = arguments.folder or Path(tempfile.mkdtemp(prefix="audience-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    audience = generate_audience(arguments.members, seed=arguments.seed)
    for name, data in audience.files:
        (folder / name).write_bytes(data)
    print(f"Generated {len(audience.files)} files for @{audience.brand} in {folder}")

    engine = make_engine(f"sqlite:///{folder / 'audience.db'}")
    import services.audience.models  # noqa: F401  (registers the tables)

    SQLModel.metadata.create_all(engine)
    service = AudienceService(engine, E5TextEncoder())
    paths = sorted((folder / name for name, _ in audience.files), key=_import_order)
    for path in paths:
        result = service.import_file(TENANT, path.name, path.read_bytes())
        summary = result.summary
        print(
            f"  imported {path.name:<45} {result.source:<13} "
            f"+{summary.accounts_created} accounts, +{summary.follows_added} follows, "
            f"+{summary.engagements_added} engagements, {summary.posts_created} new posts"
        )

    started = time.perf_counter()
    run = run_communities_job(engine, service, arguments.seed)
    print(f"\nCommunities ({time.perf_counter() - started:.0f}s):")
    print_communities(run)

    # One influencer each of the largest communities and of the one the brand barely reaches.
    last = max(audience.influencers.values())
    influencers = [
        next(handle for handle, topic in audience.influencers.items() if topic == wanted)
        for wanted in (0, 3, 4, last)
    ]
    print_comparison(service.compare(TENANT, influencers))
    metrics = service.engagement(TENANT, influencers[0])
    print(
        f"\nEngagement of @{metrics.handle}: {metrics.posts} posts, "
        f"{metrics.hidden_like_posts} with hidden likes, engagement rate "
        f"{_percent(metrics.engagement_rate)} ({metrics.rate_basis}), "
        f"{metrics.engaged_accounts} engaged accounts"
    )


def _import_order(path: Path) -> tuple[int, str]:
    # The export names the brand, so Graph API files without an owner can default to it.
    return (0 if path.suffix == ".zip" else 1, path.name)


def print_communities(run: CommunityRunResult) -> None:
    print(f"  {run.assigned_count} of {run.member_count} members assigned")
    for community in run.communities:
        accounts = ", ".join(f"@{a['handle']}" for a in community["typical_accounts"][:2])  # type: ignore[index]
        print(
            f"  #{community['number']} {community['label']:<42} size {community['size']:>5} "
            f"({community['share']:.0%}), confidence {community['mean_confidence']:.2f}, "
            f"leans to {accounts or '-'}"
        )


def print_comparison(comparison: Comparison) -> None:
    print(f"\nComparison (brand audience {comparison.brand_audience}):")
    print(
        f"  gross audience {comparison.gross_audience}, unique reach {comparison.unique_reach}, "
        f"duplicated {comparison.duplicated_share:.1%}, new reach {comparison.new_reach}"
    )
    for influencer in comparison.influencers:
        strongest = max(influencer.communities, key=lambda c: c.share, default=None)
        lean = f"{strongest.label} (index {strongest.index})" if strongest else "-"
        print(
            f"  @{influencer.handle:<16} audience {influencer.audience:>5}, unique "
            f"{influencer.unique_share:.0%}, "
            f"already brand {_percent(influencer.brand_overlap_share)}, "
            f"strongest community {lean}, new segments {influencer.new_segments or '-'}"
        )
    for pair in comparison.pairs:
        if pair.overlap:
            print(
                f"  {pair.first} & {pair.second}: {pair.overlap} shared, "
                f"{pair.first_in_second_share:.0%} / {pair.second_in_first_share:.0%}"
            )


def _percent(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.1%}"


if __name__ == "__main__":
    main()
