"""Exporting and signing the report on screen: the file's format follows its name, and the work
(the PDF's layout, writing, signing) runs off the UI thread."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from certifier.errors import CertifierError
from certifier.exporters import export
from certifier.qt_adapters.report_document import export_pdf_in_child

from .main_window_text import EXPORT_FORMATS, export_target
from .signoff_dialog import SignOffDialog


class ExportAndSignOff:
    """Mixed into MainWindow: the Export and Sign-off actions on the run shown."""

    def choose_export(self) -> None:
        if not self.report:
            return
        path, chosen = QFileDialog.getSaveFileName(
            self, "Export the report", "certification-report.json", ";;".join(EXPORT_FORMATS.values())
        )
        if path:
            chosen_format = next((k for k, v in EXPORT_FORMATS.items() if v == chosen), "json")
            self.export_in_background(*export_target(path, chosen_format))

    def export_in_background(self, path: str, fmt: str) -> None:
        """What the Export action does: the PDF's layout and the file writing run off the UI thread."""
        report = self.report
        self.statusBar().showMessage(f"Writing {path}…")
        self.export_action.setEnabled(False)

        def done(written) -> None:
            self.export_action.setEnabled(self.report is not None)
            self.statusBar().showMessage(f"Report written to {written}")
            self.exported.emit(written)

        def failed(error: Exception) -> None:
            self.export_action.setEnabled(self.report is not None)
            self.statusBar().showMessage(f"Export failed: {error}")
            self.exported.emit(error)
            # Not modal: background work never ends in a dialog that stops the event loop.
            box = QMessageBox(QMessageBox.Icon.Warning, "Export failed", str(error), parent=self)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()

        work = (
            (lambda: export_pdf_in_child(report, path)) if fmt == "pdf" else (lambda: self._export(report, path, fmt))
        )
        self.in_background(work, done, failed)

    def export_report(self, path: str, fmt: str) -> Path:
        """Export now, on this thread (scripts and tests); the Export action uses export_in_background."""
        if not self.report:
            raise CertifierError("Nothing to export yet: run the probes first.")
        written = self._export(self.report, path, fmt)
        self.statusBar().showMessage(f"Report written to {written}")
        return written

    def _export(self, report: dict[str, Any], path: str, fmt: str) -> Path:
        if fmt not in EXPORT_FORMATS:
            raise CertifierError(f"Unknown export format '{fmt}'.")
        if (report.get("package") or {}).get("path") != self.course_path:
            raise CertifierError("The report shown is of another course than the one open: run this course first.")
        return export(report, path, fmt)

    def open_sign_off(self, path: str | None = None) -> SignOffDialog:
        """Sign a report file, or (no path) the run on screen."""
        dialog = SignOffDialog(path, self, report=None if path else self.report)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog
