"""The Answer tab, shown first after a run: IT's answer on one screen (learners at once per site
type, waves, last day, the fix; the learner's demand, the LMS's load, the measured check) and the
findings to fix first, each a link to its detail in the Findings tab."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel, QUrl
from PySide6.QtWidgets import QTextBrowser

from certifier.exporters.html_report import finding_anchor, landing_html
from certifier.run.presentation import Contributions

ANSWER_BEFORE_RUN = (
    "<h3>The answer appears here after a run</h3><p>Open a course and press Run (Ctrl+R). This page then "
    "says how many learners each type of site can take at once, in how many waves and by which day, what one "
    "learner demands of the network and the LMS, and what to fix first.</p>"
)


class AnswerTab:
    """Mixed into MainWindow: the landing view of a run."""

    def _build_answer_tab(self) -> QTextBrowser:
        self.answer_view = QTextBrowser()
        self.answer_view.setAccessibleName("Answer for IT")
        self.answer_view.setOpenLinks(False)  # a finding's link opens it in the Findings tab
        self.answer_view.anchorClicked.connect(self._answer_link)
        self.answer_view.setHtml(ANSWER_BEFORE_RUN)
        return self.answer_view

    def show_answer(self, report: dict[str, Any], contributed: Contributions) -> None:
        self.answer_view.setHtml(landing_html(report, contributed))
        self.tabs.setCurrentWidget(self.answer_view)

    def clear_answer(self, message: str) -> None:
        self.answer_view.setHtml(f"<p>{message}</p>{ANSWER_BEFORE_RUN}")

    def _answer_link(self, url: QUrl) -> None:
        self.select_finding(url.fragment())

    def select_finding(self, anchor: str) -> bool:
        """Show the finding whose report anchor is ``anchor`` in the Findings tab, selected."""
        if not self.report:
            return False
        for row, finding in enumerate(self.report["findings"]):
            if finding_anchor(finding) != anchor:
                continue
            self.status_filter.setCurrentText("All statuses")  # the link must land whatever the filters
            self.severity_filter.setCurrentIndex(0)
            self.probe_filter.setCurrentIndex(0)
            self.search.clear()
            index = self.findings_proxy.mapFromSource(self.findings_model.index(row, 0))
            self.tabs.setCurrentIndex(self.tabs.indexOf(self.findings_tab))
            self.table.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
            )
            self.table.scrollTo(index)
            return True
        return False
