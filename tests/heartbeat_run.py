"""Run the real main window on a course in this (fresh) process and print the worst gap of a 10 ms
UI heartbeat during a full run, then during a PDF export and a history refresh done as the app does
them, as JSON. Used by the responsiveness test and bench/gui.py, so that what it measures is the
application, not threads and state left behind by earlier tests in the pytest process."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def dispose(app, window) -> None:
    """Qt objects destroyed before the interpreter's final collection, as the app's main does."""
    from certifier.ui.app import shut_down

    shut_down(app, window)


def main(course: str, settings_file: str) -> None:
    from PySide6.QtCore import QSettings, QTimer

    from certifier.ui.app import create_application

    app = create_application(sys.argv[:1])
    from certifier.ui.main_window import MainWindow

    window = MainWindow(settings=QSettings(settings_file, QSettings.Format.IniFormat))
    window.show()
    gaps: list[float] = []
    last = [time.monotonic()]
    result: dict = {}

    def beat() -> None:
        now = time.monotonic()
        gaps.append(now - last[0])
        last[0] = now

    heartbeat = QTimer()
    heartbeat.setInterval(10)
    heartbeat.timeout.connect(beat)

    def loaded(_summary) -> None:
        last[0] = time.monotonic()
        heartbeat.start()
        window.start_run()

    phases: dict[str, float] = {}
    beats: dict[str, int] = {}

    def phase_done(name: str) -> None:
        phases[name] = round(max(gaps, default=0) * 1000, 1)
        beats[name] = len(gaps)
        gaps.clear()
        last[0] = time.monotonic()

    def finished(report) -> None:
        phase_done("run")
        result.update(verdict=report["verdict"], findings=len(report["findings"]))
        window.exported.connect(exported)
        window.export_in_background(str(Path(settings_file).with_name("heartbeat-report.pdf")), "pdf")

    def exported(_written) -> None:
        phase_done("export_pdf")
        window.history_shown.connect(listed)
        window.refresh_history()

    def listed(_count) -> None:
        phase_done("history")
        heartbeat.stop()
        app.quit()

    window.course_loaded.connect(loaded)
    window.run_finished.connect(finished)
    QTimer.singleShot(110_000, app.quit)  # never hang the test
    window.open_course(course)
    app.exec()
    window.close()
    dispose(app, window)
    print(
        json.dumps(
            {"worst_ms": max(phases.values(), default=0), "phases": phases, "beats": beats.get("run", 0), **result}
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
