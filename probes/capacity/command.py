"""``certifier capacity``: the capacity probe's planning tool, a rollout plan at a given demand."""

from __future__ import annotations

import argparse
import datetime as dt

from certifier.errors import CertifierError
from certifier.planning.capacity import describe_fix, plan_rollout
from certifier.planning.sites import load_sites, resolve_sites_file
from certifier.policy.findings import counted
from certifier.policy.presentation import Command, CommandServices

NOT_MET_VERDICT = "NOT CERTIFIED"  # a site that cannot finish in time exits as a failed certification would


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sites", required=True, metavar="FILE", help="CSV or TOML of sites, or a bundled name.")
    parser.add_argument("--demand-kbps", required=True, type=float, help="Bandwidth one learner needs.")
    parser.add_argument("--start", metavar="YYYY-MM-DD", help="First day of the rollout (default: today).")
    parser.add_argument(
        "--online-share",
        type=float,
        help="Share of released learners online at once (default: the profile's expected_online_share).",
    )
    parser.add_argument("--profile", default="default")
    parser.add_argument("--json", metavar="FILE", help="Write the plan as JSON.")


def run(args: argparse.Namespace, services: CommandServices) -> int:
    profile = services.load_profile(args.profile)
    share = args.online_share if args.online_share is not None else profile.section("capacity")["expected_online_share"]
    if not 0 < share <= 1:
        raise CertifierError("--online-share must be above 0 and at most 1 (e.g. 0.05 for 5 %).")
    try:
        start = dt.date.fromisoformat(args.start) if args.start else dt.date.today()
    except ValueError as exc:
        raise CertifierError(f"--start: {exc}") from exc
    plan = plan_rollout(load_sites(resolve_sites_file(args.sites)), args.demand_kbps, share, start)
    print(plan.summary)
    print(
        f"{'site':<16} {'learners':>8} {'at once':>8} {'expected':>8} {'waves':>5} {'done':>11} {'deadline':>11}  fix"
    )
    for site in plan.sites:
        print(
            f"{site.name:<16} {site.learners:>8,} {site.max_concurrent:>8,} {site.peak_concurrent_needed:>8,} "
            f"{site.waves:>5} {site.completion or 'never':>11} {site.deadline:>11}  {describe_fix(site.fix)}"
        )
    for wave in plan.waves:
        print(
            f"wave {wave['wave']:>2}: {wave['from']} – {wave['to']}: {counted(wave['learners'], 'learner')} in "
            f"{counted(len(wave['sites']), 'site')}"
        )
    if args.json:
        services.write_json(args.json, plan.to_dict())
    return 0 if all(s.meets_deadline for s in plan.sites) else services.exit_code(NOT_MET_VERDICT)


CAPACITY_COMMAND = Command("capacity", "Plan a rollout for sites at a given per-learner bandwidth.", configure, run)
