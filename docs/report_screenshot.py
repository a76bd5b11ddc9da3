"""A screenshot of the HTML report's first page into docs/screenshots/ (headless Chromium).

Run from the repository root after `apt-get install chromium`:
    .venv/bin/python docs/report_screenshot.py
It checks a copy of the sample course with typical defects against the branch-office profile.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "docs"))

from take_screenshots import defective_course  # noqa: E402

from certifier.exporters import export  # noqa: E402
from certifier.policy.registry import apply_demo_settings, discover_probes, load_profile  # noqa: E402
from certifier.run.report import assess  # noqa: E402
from certifier.run.runner import Runner  # noqa: E402

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--window-size=1100,1500",
]


def main() -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not browser:
        sys.exit("No Chromium found: apt-get install chromium (needed for this screenshot only).")
    with tempfile.TemporaryDirectory(prefix="certifier-report-shot-") as folder:
        work = Path(folder)
        profile = load_profile("branch-office")
        probes = discover_probes()[0]
        apply_demo_settings(profile, probes)  # the bundled 60 sites: page one answers per site type
        report = assess(Runner(probes).run(defective_course(work), profile), profile, probes)
        html = export(report, work / "report.html", "html")
        target = ROOT / "docs" / "screenshots" / "06-html-report.png"
        subprocess.run(
            [browser, *CHROMIUM_FLAGS, f"--user-data-dir={work / 'profile'}", f"--screenshot={target}", html.as_uri()],
            check=True,
            capture_output=True,
            timeout=120,
        )
        print(target.relative_to(ROOT))


if __name__ == "__main__":
    main()
