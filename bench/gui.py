"""GUI responsiveness and start-up.

Targets (GUI issue): worst gap of a 10 ms UI heartbeat during a full run ≤ 50 ms; time from
launch to the window shown ≤ 1.5 s. The reference measured in the same run is a bare PySide6
window (an empty QLabel) started the same way. Runs offscreen unless a display is set.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from _common import OUT, REPO_ROOT

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Benchmark runs go to a history of their own, not the person's.
os.environ["CERTIFIER_DATA_DIR"] = str(OUT / "gui-bench-data")
os.environ["CERTIFIER_CONFIG_DIR"] = str(OUT / "gui-bench-config")
LAUNCHES = 3

BARE = """
import sys
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication(sys.argv)
w = QLabel("x"); w.show(); app.processEvents()
print("shown", flush=True)
"""

APP = """
import sys
from certifier.ui.app import create_application
app = create_application(sys.argv)
from certifier.ui.main_window import MainWindow
w = MainWindow(); w.show(); app.processEvents()
print("shown", flush=True)
"""


def launch_time(code: str) -> float:
    best = float("inf")
    for _ in range(LAUNCHES):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, cwd=REPO_ROOT)
        best = min(best, time.perf_counter() - start)
    return best


def worst_gap(course) -> dict:
    """The real window on ``course`` in a fresh process, as the responsiveness test runs it."""
    result = subprocess.run(
        [sys.executable, "-m", "tests.heartbeat_run", str(course), str(OUT / "gui-bench.ini")],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def bench_course():
    sys.path.insert(0, str(REPO_ROOT))
    from tests.factories import build_zip

    path = OUT / "gui-bench-course.zip"
    if not path.exists():
        files = {
            f"lesson{i:04}/index.html": "<html><body>" + "<p>text</p>\n" * 200 + f'<img src="f{i}.png"></body></html>'
            for i in range(3000)
        }
        files.update({f"lesson{i:04}/f{i}.png": os.urandom(20_000) for i in range(3000)})
        files["index.html"] = (
            "<html>" + "".join(f'<a href="lesson{i:04}/index.html">L</a>' for i in range(3000)) + "</html>"
        )
        build_zip(path, files)
    return path


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    bare = launch_time(BARE)
    ours = launch_time(APP)
    print(
        f"launch to window shown: {ours:.2f} s (target ≤ 1.5 s); bare PySide6 window {bare:.2f} s; "
        f"ratio {ours / bare:.2f}×"
    )
    measured = worst_gap(bench_course())
    phases = measured["phases"]
    print(
        f"6,001-file course, worst gap of a 10 ms UI heartbeat (target ≤ 50 ms): full run {phases['run']:.0f} ms "
        f"over {measured['beats']} beats; PDF export {phases['export_pdf']:.0f} ms; history {phases['history']:.0f} ms"
    )


if __name__ == "__main__":
    main()
