"""``certifier loadplan``: the load probe's Locust file for a full-scale test run by IT."""

from __future__ import annotations

import argparse
from pathlib import Path

from certifier.errors import CertifierError
from certifier.planning.loadplan import render_locustfile, request_sequence
from certifier.policy.evidence_kinds import LAUNCH_MAP
from certifier.policy.presentation import Command, CommandServices


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="The course .zip or folder.")
    parser.add_argument("--out", required=True, metavar="FILE", help="Where to write the Locust file.")
    parser.add_argument("--profile", default="default", help="Profile whose think time to use.")


def run(args: argparse.Namespace, services: CommandServices) -> int:
    path = Path(args.path)
    if not path.exists():
        raise CertifierError(f"No course package at {path}.")
    profile = services.load_profile(args.profile)
    record = services.run_probes(path, profile, [LAUNCH_MAP])
    if record.package.get("rejected"):
        raise CertifierError(f"The package was rejected: {record.package['rejected']['message']}")
    launch_map = services.shared(record, LAUNCH_MAP) or []
    media_types = {f.path: f.media_type for f in record.inventory.files}
    lessons = [{"lesson": unit["id"], "steps": [{"path": s["path"], "range": s["range"]}
                                                for s in request_sequence([unit], media_types)]}
               for unit in launch_map]
    lessons = [lesson for lesson in lessons if lesson["steps"]]
    if not lessons:
        raise CertifierError("The course has no launch page inside the package to replay.")
    think = profile.section("load")["think_time_s"]
    text = render_locustfile(record.package.get("title") or path.name, services.version, lessons, think, think * 5,
                             Path(args.out).name)
    services.write_text(args.out, text)
    steps = sum(len(lesson["steps"]) for lesson in lessons)
    print(f"Wrote {args.out}: {len(lessons)} lessons, {steps} requests per learner. See its header for how to run it.")
    return 0


LOADPLAN_COMMAND = Command("loadplan", "Write a Locust file that replays the course for a full-scale load test.",
                           configure, run)
