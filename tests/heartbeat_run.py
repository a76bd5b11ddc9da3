"""Run the real main window on a course in this (fresh) process and print the worst gap of a 10 ms
UI heartbeat during a full run, as JSON. Used by the responsiveness test, so that what it measures
is the application, not threads and state left behind by earlier tests in the pytest process."""

from __future__ import annotations

import json
import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


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

    def finished(report) -> None:
        heartbeat.stop()
        result.update(verdict=report["verdict"], findings=len(report["findings"]))
        app.quit()

    window.course_loaded.connect(loaded)
    window.run_finished.connect(finished)
    QTimer.singleShot(110_000, app.quit)  # never hang the test
    window.open_course(course)
    app.exec()
    window.close()
    print(json.dumps({"worst_ms": round(max(gaps, default=0) * 1000, 1), "beats": len(gaps), **result}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
