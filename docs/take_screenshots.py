"""Screenshots of the main views into docs/screenshots/ (offscreen unless a display is set).

Run from the repository root: .venv/bin/python docs/take_screenshots.py
It checks the sample course and a copy with typical defects (a missing image, a 1080p clip at
6 Mbps), so the views show real findings.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The shots use a history and keys of their own, never the person's.
_PRIVATE = tempfile.mkdtemp(prefix="certifier-shots-home-")
os.environ["CERTIFIER_DATA_DIR"] = os.path.join(_PRIVATE, "data")
os.environ["CERTIFIER_CONFIG_DIR"] = os.path.join(_PRIVATE, "config")
ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QSettings, QTimer  # noqa: E402

from certifier.host.resources_path import sample_course_path  # noqa: E402
from certifier.ui.app import create_application  # noqa: E402
from tests.factories import encode_video  # noqa: E402


def defective_course(folder: Path) -> Path:
    course = folder / "network-safety-v2"
    shutil.copytree(sample_course_path(), course)
    encode_video(
        course / "media" / "keynote.mp4",
        seconds=2,
        width=1920,
        height=1080,
        bitrate_kbps=6000,
        audio_kbps=128,
        noise=0.15,
        codec_options={"preset": "ultrafast", "x264-params": "nal-hrd=cbr:vbv-maxrate=6000:vbv-bufsize=1500"},
    )
    lesson = course / "pages" / "lesson.html"
    lesson.write_text(
        lesson.read_text()
        .replace("</video>", '</video>\n    <video controls src="../media/keynote.mp4"></video>')
        .replace("../images/phishing.png", "../images/Phishing.png")
    )
    intro = course / "pages" / "intro.html"
    intro.write_text(intro.read_text().replace("</main>", '<img src="../images/team-photo.jpg" alt="Team"></main>'))
    return course


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    app = create_application(sys.argv)
    from certifier.ui.main_window import MainWindow

    work = Path(tempfile.mkdtemp(prefix="certifier-shots-"))
    window = MainWindow(settings=QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat))
    window.resize(1280, 720)
    window.show()
    shots: list[str] = []

    def save(name: str) -> None:
        app.processEvents()
        path = OUT / f"{name}.png"
        window.grab().save(str(path))
        shots.append(str(path.relative_to(ROOT)))

    def first_loaded(_):
        window.course_loaded.disconnect(first_loaded)
        save("01-first-launch")
        window.run_finished.connect(sample_done)
        window.start_run()

    def sample_done(_):
        window.run_finished.disconnect(sample_done)
        save("02-sample-course-certified")
        window.status_filter.setCurrentText("All statuses")
        window.course_loaded.connect(defects_loaded)
        window.profile_combo.setCurrentText("branch-office")
        window.open_course(str(defective_course(work)))

    def defects_loaded(_):
        window.course_loaded.disconnect(defects_loaded)
        window.run_finished.connect(defects_done)
        window.start_run()

    def show_tab(title: str) -> None:
        window.tabs.setCurrentIndex(next(i for i in range(window.tabs.count()) if window.tabs.tabText(i) == title))

    def defects_done(_):
        save("11-answer-with-defects")  # the Answer tab: shown first after a run
        window.status_filter.setCurrentText("Problems")
        window.table.selectRow(0)
        save("03-findings-and-details")
        show_tab("Charts")
        save("04-media-chart")
        show_tab("Plans and logs")
        save("09-rollout-plan")
        show_tab("Report")
        save("05-report-summary")
        dialog = window.open_sign_off()  # the run on screen
        dialog.resize(1100, 700)
        app.processEvents()
        dialog.grab().save(str(OUT / "10-sign-off.png"))
        shots.append("docs/screenshots/10-sign-off.png")
        dialog.close()
        show_tab("History")
        qtbot_wait(lambda: window.history_table.rowCount() >= 2)
        window.history_table.selectRow(0)
        window.history_table.selectionModel().select(
            window.history_table.model().index(1, 0),
            window.history_table.selectionModel().SelectionFlag.Select
            | window.history_table.selectionModel().SelectionFlag.Rows,
        )
        window.comparison_shown.connect(compared)
        window.compare_selected()

    def compared(_text):
        save("07-history-compare")
        show_tab("Desktop readiness")
        window.desktop_checked.connect(desktop_done)
        window.check_desktop()

    def qtbot_wait(condition, seconds: float = 10.0) -> None:
        deadline = time.monotonic() + seconds
        while not condition() and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.02)

    def desktop_done(_):
        save("08-desktop-readiness")
        window.close()
        app.quit()

    window.course_loaded.connect(first_loaded)
    window.open_course(str(sample_course_path()))
    QTimer.singleShot(120_000, app.quit)  # never hang a CI job
    app.exec()
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(_PRIVATE, ignore_errors=True)
    print("\n".join(shots))


if __name__ == "__main__":
    main()
