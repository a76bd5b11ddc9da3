"""The results of a run in the main window: verdict banner, findings, charts, plans and the preview."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer

from certifier.qt_adapters.report_document import qt_document
from certifier.run.presentation import contributions

from .charts import chart_widget
from .main_window_text import NOT_RUN, PREVIEW_INVENTORY_ROWS, VERDICT_STYLES


class ResultsView:
    """Mixed into MainWindow: shows one run's report everywhere, or clears it everywhere."""

    def show_report(self, report: dict[str, Any], shown: Callable[[], None] | None = None) -> None:
        """Show ``report`` everywhere; ``shown`` runs once every view has it (they are laid out over
        a few turns of the event loop)."""
        self.report = report
        self.findings_model.set_findings(report["findings"])
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.update_count()
        verdict = report["verdict"]
        cancelled = " — run cancelled, results incomplete" if report["run"]["status"] == "cancelled" else ""
        colour = VERDICT_STYLES.get(verdict, "#b3261e")
        failed = report["summary"]["failed_by_severity"]
        failures = ", ".join(f"{n} {s}" for s, n in failed.items() if n) or "no failures"
        self.verdict_label.setText(f"<b>{html.escape(verdict)}</b>{cancelled} — {failures}")
        self.verdict_label.setStyleSheet(
            f"padding: 8px; font-size: 15px; color: white; background: {colour}; border-radius: 4px"
        )
        contributed = contributions(report, self.probes)
        # Each view is laid out in its own turn of the event loop: together they would hold the
        # UI thread past a heartbeat (100 ms on a loaded machine); the verdict and findings come first.
        stages = [
            lambda: self.show_answer(report, contributed),
            lambda: self._show_charts(contributed.charts),
            lambda: self.report_tables.set_tables(contributed.tables),
        ]

        def next_stage() -> None:
            stage = stages.pop(0)
            if self.report is report:  # another course opened meanwhile: its views stay cleared
                stage()
            if stages:
                QTimer.singleShot(0, next_stage)
            elif shown is not None:
                shown()

        QTimer.singleShot(0, next_stage)
        self._preview_stale = True  # built when the Report tab is opened: layout is not free
        if self.tabs.currentWidget() is self.report_view:
            self._refresh_preview()
        self.refresh_history()
        self.export_action.setEnabled(True)
        self.details.show_finding(None)

    def clear_results(self, message: str = NOT_RUN) -> None:
        """Forget the shown run everywhere: verdict, findings, charts, tables, preview, export."""
        self.report = None
        self.findings_model.set_findings([])
        self.empty_findings.setText(message)
        self.verdict_label.setText(message)
        self.verdict_label.setStyleSheet("padding: 8px; font-size: 15px; background: #eceff1; border-radius: 4px")
        self.clear_answer(message)
        self._show_charts([])
        self.report_tables.set_tables([])
        self.report_view.setHtml(f"<p>{message}</p>")
        self._preview_stale = False
        self.export_action.setEnabled(False)
        self.details.show_finding(None)

    def _show_charts(self, charts: list) -> None:
        """Replace the chart widgets with those of this run, in the order the probes ran."""
        for widget in self.chart_widgets:
            self.chart_layout.removeWidget(widget)
            widget.deleteLater()
        self.chart_widgets = [chart_widget(chart) for chart in charts]
        for index, widget in enumerate(self.chart_widgets):
            self.chart_layout.insertWidget(index, widget)
        self.no_charts_label.setVisible(not charts)

    def _refresh_preview(self) -> None:
        if self._preview_stale and self.report and self.tabs.currentWidget() is self.report_view:
            self.report_view.setDocument(qt_document(self.report, PREVIEW_INVENTORY_ROWS))
            self._preview_stale = False
