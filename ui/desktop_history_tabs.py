"""The Desktop readiness and History tabs of the main window."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from certifier.policy.probe_api import Need
from certifier.policy.registry import desktop_check_probes
from certifier.records.compare import compare_reports, format_comparison
from certifier.records.history import History
from certifier.run.presentation import contributions

from .main_window_text import HISTORY_COLUMNS


class DesktopAndHistoryTabs:
    """Mixed into MainWindow: desktop support's machine check, and the run history with comparison."""

    def _build_desktop_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        intro = QLabel(
            "For desktop support: does this machine meet the desktop baseline of the selected policy "
            "profile, and the open course's needs (plugins, browser features, screen)?"
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.desktop_button = QPushButton("Check this machine")
        self.desktop_button.setAccessibleName("Check this machine against the course and the baseline")
        self.desktop_button.clicked.connect(self.check_desktop)
        layout.addWidget(self.desktop_button)
        self.desktop_view = QTextBrowser()
        self.desktop_view.setAccessibleName("Desktop readiness result")
        self.desktop_view.setHtml(
            "<p style='color:#5f6368'>Not checked yet. The check reads this machine's "
            "memory, processor, disk, network link, browsers, Java, proxy and screen.</p>"
        )
        layout.addWidget(self.desktop_view, 1)
        return tab

    def screen_facts(self) -> dict[str, Any]:
        screen = QGuiApplication.primaryScreen()
        if screen is None:
            return {}
        size = screen.geometry()
        return {
            "screen": {"width": size.width(), "height": size.height(), "device_pixel_ratio": screen.devicePixelRatio()}
        }

    def check_desktop(self) -> None:
        if self.is_running():
            return
        probe_ids = desktop_check_probes(self.probes, with_course=bool(self.course_path))
        self.desktop_view.setHtml("<p>Checking this machine…</p>")
        self._start_thread(probe_ids, self.course_path, desktop=True)

    def show_desktop(self, report: dict[str, Any]) -> None:
        machine_probes = {p for p, cls in self.probes.items() if Need.MACHINE in cls.needs}
        machine = [f for f in report["findings"] if f["rule_id"].split(".")[0] in machine_probes]
        rows = "".join(
            f"<tr><td>{html.escape(f['status'])}</td><td>{html.escape(f['title'])}</td>"
            f"<td>{html.escape(f['message'])}</td>"
            f"<td>{html.escape(f['remediation'] if f['status'] in ('fail', 'warn', 'error') else '')}</td></tr>"
            for f in machine
        )
        facts = "".join(f"<p>{html.escape(line)}</p>" for line in contributions(report, self.probes).text_lines)
        self.desktop_view.setHtml(
            f"<h2>{html.escape(machine_readiness(machine))}</h2>{facts}"
            f"<table cellpadding='4'><tr><th align='left'>Status</th><th align='left'>Check</th>"
            f"<th align='left'>Result</th><th align='left'>Fix</th></tr>{rows}</table>"
        )

    def _build_history_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        self.history_note = QLabel("")
        layout.addWidget(self.history_note)
        self.history_table = QTableWidget(0, len(HISTORY_COLUMNS))
        self.history_table.setHorizontalHeaderLabels(
            [c.removesuffix("_shown").replace("_", " ") for c in HISTORY_COLUMNS]
        )
        self.history_table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.history_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = self.history_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(HISTORY_COLUMNS.index("course_title"), QHeaderView.ResizeMode.Stretch)
        self.history_table.setAccessibleName("Recorded runs")
        layout.addWidget(self.history_table, 2)
        compare = QPushButton("Compare the two selected runs")
        compare.setAccessibleName("Compare two runs")
        compare.clicked.connect(self.compare_selected)
        layout.addWidget(compare)
        self.compare_view = QPlainTextEdit()
        self.compare_view.setReadOnly(True)
        self.compare_view.setAccessibleName("Comparison")
        layout.addWidget(self.compare_view, 1)
        return tab

    def refresh_history(self) -> None:
        """Read the run history off the UI thread, then list it."""

        def read() -> list[dict[str, Any]]:
            with History() as history:
                return history.runs()

        self.in_background(read, self._list_runs, lambda exc: self.history_note.setText(str(exc)))

    def _list_runs(self, runs: list[dict[str, Any]]) -> None:
        self.history_table.setRowCount(len(runs))
        for row, run in enumerate(runs):
            for column, key in enumerate(HISTORY_COLUMNS):
                item = QTableWidgetItem(str(run[key]))
                item.setData(Qt.ItemDataRole.UserRole, run["id"])
                self.history_table.setItem(row, column, item)
        self.history_note.setText(
            f"{len(runs)} recorded runs. Select two and press Compare."
            if runs
            else "No recorded runs yet: every run is recorded here."
        )
        self.history_shown.emit(len(runs))

    def compare_selected(self) -> None:
        """Compare the two selected runs; the reports are read and compared off the UI thread."""
        rows = sorted({index.row() for index in self.history_table.selectedIndexes()})
        if len(rows) != 2:
            self.compare_view.setPlainText("Select exactly two runs to compare.")
            return
        ids = sorted(int(self.history_table.item(r, 0).data(Qt.ItemDataRole.UserRole)) for r in rows)

        def compare() -> str:
            with History() as history:
                old, new = history.report(ids[0]), history.report(ids[1])
            return format_comparison(compare_reports(old, new), old, new)

        self.compare_view.setPlainText("Comparing…")
        self.in_background(compare, self._show_comparison, lambda exc: self.compare_view.setPlainText(str(exc)))

    def _show_comparison(self, text: str) -> None:
        self.compare_view.setPlainText(text)
        self.comparison_shown.emit(text)


def machine_readiness(findings: list[dict[str, Any]]) -> str:
    """This machine's own readiness (not the course's verdict): what desktop support acts on."""
    failed = [f for f in findings if f["status"] == "fail"]
    if any(f["severity"] in ("blocker", "major") for f in failed):
        return "NOT READY"
    if failed or any(f["status"] in ("warn", "error") for f in findings):
        return "READY WITH GAPS"
    return "READY"
