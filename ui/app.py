"""Entry point of the desktop application: ``certifier-gui [COURSE]``."""

from __future__ import annotations

import argparse
import sys

APP_NAME = "Course Certifier"
ORGANISATION = "Course Certifier"
# Probe threads are CPU-bound Python; with the default 5 ms GIL switch interval the UI thread
# waited up to ~60 ms behind two of them (bench/gui.py). 1 ms halves the worst gap at no cost.
GIL_SWITCH_INTERVAL_S = 0.001


def create_application(argv: list[str]):
    from PySide6.QtWidgets import QApplication

    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    app = QApplication.instance() or QApplication(argv)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORGANISATION)
    return app


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv if argv is None else argv
    parser = argparse.ArgumentParser(prog="certifier-gui", description="Course Certifier desktop app.")
    parser.add_argument("course", nargs="?", help="A course .zip or folder (default: the last one, or the sample).")
    args = parser.parse_args(argv[1:])
    app = create_application(argv)
    from .main_window import MainWindow

    window = MainWindow()
    window.show()
    if args.course:
        window.open_course(args.course)
    else:
        window.open_first_course()
    status = app.exec()
    shut_down(app, window)
    return status


def shut_down(app, window) -> None:
    """Destroy the window and the application while Python still runs: left to the interpreter's
    final garbage collection, the Qt objects of a long session were freed in an order that aborted
    the process ("bool_dealloc" in shiboken) after the window had closed."""
    window.deleteLater()
    app.processEvents()
    app.shutdown()


if __name__ == "__main__":
    sys.exit(main())
