"""The learner-session pass (probes/session) on the bundled sample course and on the shared real
courses, beside its declared budgets.

For each course: the session probe's time from the report, the lessons walked, seconds per lesson
beside the profile's walk budget (``session.walk_budget_s``) and its total budget
(``session.timeout_s``), the screens reached and why each walk stopped, the resume outcome and the
LMS write rate at a learner's pace. The conformance probe runs too (it publishes the launch map the
session walks); its time is printed apart.

    python bench/session.py [--shared PATH]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from _common import REPO_ROOT

from certifier.host.resources_path import sample_course_path
from certifier.policy.registry import discover_probes, load_profile
from certifier.run.report import assess
from certifier.run.runner import Runner

SHARED = REPO_ROOT.parent / "shared" / "fixtures" / "authoring-tools"


def courses(shared: Path) -> list[tuple[str, Path]]:
    found = [("sample-course", sample_course_path())]
    if shared.is_dir():
        found += [(f"{p.parent.name}/{p.name}", p) for p in sorted(shared.glob("*/*")) if p.is_dir()]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=SHARED)
    args = parser.parse_args()
    profile = load_profile("default")
    limits = profile.section("session")
    installed = discover_probes()[0]
    print(
        f"machine: {os.cpu_count()} cores; walk budget {limits['walk_budget_s']:g} s a lesson, "
        f"{limits['timeout_s']:g} s in all, {limits['parallel_lessons']} lessons at once"
    )
    print(f"{'course':32} {'session s':>9} {'lessons':>7} {'s/lesson':>8} {'÷ budget':>8}  walks")
    totals = []
    for name, path in courses(args.shared):
        started = time.perf_counter()
        record = Runner(installed).run(path, profile, ["conformance", "session"], None)
        wall = time.perf_counter() - started
        report = assess(record, profile, installed)
        seconds = next((p["duration_s"] for p in report["probes"] if p["id"] == "session"), None) or 0.0
        evidence = next(run.evidence for run in record.probe_runs if run.probe_id == "session")
        lessons = evidence.get("lessons", [])
        per_lesson = seconds / max(len(lessons), 1) * min(limits["parallel_lessons"], max(len(lessons), 1))
        walks = "; ".join(
            f"{lesson['launch']}: {len(lesson.get('screens') or [])} screens, {lesson.get('end')}" for lesson in lessons
        ) or evidence.get("skipped", "")
        load = next((f for f in report["findings"] if f["rule_id"] == "session.lms-load"), {})
        resume = next((f for f in report["findings"] if f["rule_id"] == "session.resume"), {})
        print(
            f"{name:32} {seconds:9.1f} {len(lessons):7d} {per_lesson:8.1f} {per_lesson / limits['walk_budget_s']:7.2f}×"
            f"  {walks}"
        )
        print(
            f"{'':32} resume: {resume.get('status', '-')}; LMS writes/min at a learner's pace: "
            f"{load.get('measured', '-')}; whole run {wall:.1f} s"
        )
        totals.append(seconds)
    print(
        f"session pass: {sum(totals):.1f} s over {len(totals)} courses; the longest {max(totals):.1f} s against "
        f"the {limits['timeout_s']:g} s budget ({max(totals) / limits['timeout_s']:.2f}×)"
    )


if __name__ == "__main__":
    sys.exit(main())
