"""Entry point of the desktop application."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    label = QLabel("Course Certifier")
    label.setWindowTitle("Course Certifier")
    label.resize(640, 400)
    label.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
