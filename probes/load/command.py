"""``certifier loadplan``: the load probe's Locust plan for a full-scale test run by IT, with learners
that stream clips as players do and the profile's budget deciding Locust's exit code."""

from __future__ import annotations

import argparse
import datetime as dt
import math
from pathlib import Path
from typing import Any

from certifier.errors import CertifierError
from certifier.planning.capacity import plan_site
from certifier.planning.loadplan import Budget, render_locustfile, request_sequence, streamable_clips
from certifier.planning.sites import load_sites, resolve_sites_file
from certifier.policy.evidence_kinds import LAUNCH_MAP, MEDIA_FILES, PLANNED_DEMAND
from certifier.policy.findings import counted
from certifier.policy.presentation import Command, CommandServices

DEFAULT_USERS = 50


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="The course .zip or folder.")
    parser.add_argument("--out", required=True, metavar="FILE", help="Where to write the Locust file.")
    parser.add_argument("--profile", default="default", help="Profile whose think time and budget to use.")
    parser.add_argument("--sites", metavar="FILE", help="Sites file (CSV or TOML, or a bundled name) to size the test.")
    parser.add_argument("--site", metavar="NAME", help="The site whose expected learners at once the plan uses.")


def run(args: argparse.Namespace, services: CommandServices) -> int:
    path = Path(args.path)
    if not path.exists():
        raise CertifierError(f"No course package at {path}.")
    if bool(args.sites) != bool(args.site):
        raise CertifierError("--sites and --site go together: the file, and the site in it to size the test for.")
    profile = services.load_profile(args.profile)
    # Sized for a site, the plan uses one learner's demand as the capacity plan defines it (measured
    # from a learner's session where one runs), so the load test and the plan speak of one figure.
    record = services.run_probes(path, profile, [LAUNCH_MAP, MEDIA_FILES] + ([PLANNED_DEMAND] if args.site else []))
    if record.package.get("rejected"):
        raise CertifierError(f"The package was rejected: {record.package['rejected']['message']}")
    launch_map = services.shared(record, LAUNCH_MAP) or []
    clips = streamable_clips(services.shared(record, MEDIA_FILES) or [])
    media_types = {f.path: f.media_type for f in record.inventory.files}
    lessons = [{"lesson": unit["id"], "steps": request_sequence([unit], media_types, clips)} for unit in launch_map]
    lessons = [lesson for lesson in lessons if lesson["steps"]]
    if not lessons:
        raise CertifierError("The course has no launch page inside the package to replay.")
    users, site_line = DEFAULT_USERS, ""
    if args.site:
        users, site_line = site_users(
            args.sites,
            args.site,
            services.shared(record, PLANNED_DEMAND) or {},
            profile.section("capacity").get("expected_online_share", 0.05),
        )
    load = profile.section("load")
    budget = Budget(load["max_p95_ms"], load["max_error_rate"], load["stream_chunk_s"], load["stream_startup_s"])
    think = load["think_time_s"]
    text = render_locustfile(
        record.package.get("title") or path.name,
        services.version,
        lessons,
        think,
        think * 5,
        Path(args.out).name,
        budget,
        users,
        site_line,
    )
    services.write_text(args.out, text)
    steps = sum(len(lesson["steps"]) for lesson in lessons)
    print(
        f"Wrote {args.out}: {counted(len(lessons), 'lesson')}, {counted(steps, 'request')} per learner "
        f"({counted(len(clips), 'clip')} streamed at their bitrate); -u {users}. See its header for how to run it."
    )
    return 0


def site_users(sites_file: str, name: str, demand: dict[str, Any], online_share: float) -> tuple[int, str]:
    """The learners a site expects online at once, from the capacity plan at this course's demand."""
    sites = {s.name: s for s in load_sites(resolve_sites_file(sites_file))}
    if name not in sites:
        raise CertifierError(f"No site '{name}' in {sites_file} (sites: {', '.join(list(sites)[:10])}…).")
    site = sites[name]
    kbps = float(demand.get("kbps") or 0)
    plan = plan_site(site, kbps, online_share, dt.date.today())
    users = max(1, min(plan.peak_concurrent_needed, math.ceil(plan.wave_size * online_share) or 1))
    basis = {"measured": "measured from a learner's session", "estimate": "estimated: no session was walked"}.get(
        str(demand.get("basis")), "no demand known"
    )
    line = (
        f"\nSized for site {name}: {counted(site.learners, 'learner')}, {counted(users, 'learner')} online at once "
        f"in a wave (capacity plan at {kbps:,.0f} kbps a learner, {basis}; the link carries "
        f"{plan.max_concurrent:,}).\n"
    )
    return users, line


LOADPLAN_COMMAND = Command(
    "loadplan", "Write a Locust plan whose learners stream the course, with its budget.", configure, run
)
