"""A broken publish judged in one wait: 200 small SCOs that never call Initialize (the LMS would
never see a learner), checked with the default probes, against the 30 s the author may wait.

The course is built into a temporary folder (a few KB). Printed: the whole check's wall time and
its ratio to the 30 s limit, the page-load and session probes' times from the report, how many
sampled lessons were awaited and how many reported without a wait, and the runtime finding.

    python bench/broken_lessons.py [--scos N]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from _common import REPO_ROOT, scorm_2004_manifest

LIMIT_S = 30.0
SCOS = 200


def manifest(scos: int) -> str:
    return scorm_2004_manifest("broken", "Broken publish", [f"sco{n}/index.html" for n in range(scos)])


def build(path: Path, scos: int) -> Path:
    """Each SCO shows its text and never looks for the LMS: a publish with tracking left off."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("imsmanifest.xml", manifest(scos))
        for n in range(scos):
            archive.writestr(
                f"sco{n}/index.html",
                f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Lesson {n}</title></head>"
                f"<body><h1>Lesson {n}</h1><p>Read this page and go on.</p></body></html>",
            )
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scos", type=int, default=SCOS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="certifier-broken-") as folder:
        course = build(Path(folder) / "broken.zip", args.scos)
        report_path = Path(folder) / "r.json"
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "certifier.cli", "check", str(course), "--no-history", "--json", str(report_path)],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
            cwd=REPO_ROOT,
        )
        wall = time.perf_counter() - start
        report = json.loads(report_path.read_text())
    probes = {p["id"]: p["duration_s"] for p in report["probes"]}
    findings = {f["rule_id"]: f for f in report["findings"]}
    init = findings.get("pageload.runtime-initialize", {})
    lessons = (findings.get("pageload.browser-load") or {}).get("message", "")
    print(f"machine: {sys.platform}, exit {done.returncode}, verdict {report['verdict']}")
    print(f"{args.scos} SCOs that never call Initialize: {wall:.1f} s  limit {LIMIT_S:g} s  ratio {wall / LIMIT_S:.2f}")
    print(f"  page load probe {probes.get('pageload', 0):.1f} s, session probe {probes.get('session', 0):.1f} s")
    print(f"  browser pass: {lessons[:200]}")
    print(f"  {init.get('status', '?')} {init.get('rule_id', '')}: {init.get('message', '')[:300]}")


if __name__ == "__main__":
    main()
