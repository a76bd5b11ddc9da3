"""Pages of the PDF report an IT reviewer reads, beside the page limits, for the bundled sample
course and a small real Adapt course (shared fixtures), each checked as the demo checks (default
probes, the link test, the bundled 60 sites).

    python bench/report_pages.py [--shared PATH]

Prints one line per course: pages vs the limit, and what page one carries (the verdict, the answer
per site type, what to fix first).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import REPO_ROOT

from certifier.host.resources_path import sample_course_path

SHARED = REPO_ROOT.parent / "shared" / "fixtures" / "authoring-tools"
LIMITS = {"sample course": 12, "Adapt course (kevapps)": 20}  # pages, from the report's reading-time goal
PAGE_ONE = ("Learners at once and rollout by site type", "To fix first")


def pages_of(course: Path, folder: Path) -> tuple[int, str]:
    pdf = folder / f"{course.name}.pdf"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "certifier.cli",
            "check",
            str(course),
            "--sites",
            "example-60-sites",
            "--also",
            "linktest",
            "--no-history",
            "--pdf",
            str(pdf),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        cwd=REPO_ROOT,
    )
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    text = subprocess.run(["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1)), text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED)
    args = parser.parse_args()
    courses = {"sample course": sample_course_path()}
    adapt = args.shared / "adapt" / "kevapps-testscorm"
    if adapt.is_dir():
        courses["Adapt course (kevapps)"] = adapt
    else:
        print(f"(no {adapt}: the Adapt course is skipped)")
    with tempfile.TemporaryDirectory(prefix="certifier-pages-") as folder:
        for name, course in courses.items():
            pages, page_one = pages_of(Path(course), Path(folder))
            carried = [part for part in PAGE_ONE if part in page_one]
            print(
                f"{name:<24} {pages:>3} pages  limit {LIMITS[name]:>3}  ratio {pages / LIMITS[name]:.2f}  "
                f"{'OK' if pages <= LIMITS[name] else 'OVER'}  page one: {', '.join(carried) or 'NOT the answer'}"
            )


if __name__ == "__main__":
    main()
