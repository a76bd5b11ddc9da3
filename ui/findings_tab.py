"""The Findings tab of the main window: the filtered table, the details pane, the source viewer."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from certifier.package.archive import open_package
from certifier.policy.findings import PROBLEM_STATUSES
from certifier.run.runner import archive_limits

from .details_view import FindingDetails, SourceViewer
from .findings_model import FindingsFilter, FindingsModel
from .main_window_text import NOT_RUN


class FindingsTab:
    """Mixed into MainWindow: findings to act on, filtered, with their evidence opened at its line."""

    def _build_findings_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        filters = QHBoxLayout()
        self.severity_filter = QComboBox()
        self.severity_filter.setAccessibleName("Filter by severity")
        self.severity_filter.addItems(["All severities", "blocker", "major", "minor", "info"])
        self.status_filter = QComboBox()
        self.status_filter.setAccessibleName("Filter by status")
        self.status_filter.addItems(["Problems", "All statuses", "fail", "warn", "error", "skipped", "pass"])
        self.probe_filter = QComboBox()
        self.probe_filter.setAccessibleName("Filter by probe")
        self.probe_filter.addItems(["All probes", *sorted(self.probes)])
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search findings…")
        self.search.setAccessibleName("Search findings")
        self.search.setClearButtonEnabled(True)
        for widget in (self.severity_filter, self.status_filter, self.probe_filter):
            widget.currentIndexChanged.connect(self._apply_filters)
            filters.addWidget(widget)
        self.search.textChanged.connect(self._apply_filters)
        filters.addWidget(self.search, 1)
        layout.addLayout(filters)

        self.findings_model = FindingsModel(self)
        self.findings_proxy = FindingsFilter(self)
        self.findings_proxy.setSourceModel(self.findings_model)
        self.findings_proxy.set_filter(status=FindingsFilter.PROBLEMS)
        self.table = QTableView()
        self.table.setAccessibleName("Findings")
        self.table.setModel(self.findings_proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)  # the finding's text takes the room
        header.setStretchLastSection(False)
        for column, width in enumerate((64, 54, 200, 0, 96, 96, 170)):
            if width:
                self.table.setColumnWidth(column, width)
        self.table.selectionModel().currentRowChanged.connect(self._finding_selected)
        self.details = FindingDetails()
        self.details.evidence_requested.connect(self.show_source)
        self.empty_findings = QLabel(NOT_RUN)
        self.empty_findings.setStyleSheet("color: #5f6368")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.details)
        split.setSizes([400, 220])
        layout.addWidget(self.empty_findings)
        layout.addWidget(split, 1)
        return tab

    # --- settings -----------------------------------------------------------------------------

    def _apply_filters(self) -> None:
        severity = self.severity_filter.currentText()
        status = self.status_filter.currentText()
        probe = self.probe_filter.currentText()
        self.findings_proxy.set_filter(
            severity="" if severity.startswith("All") else severity,
            status=FindingsFilter.PROBLEMS if status == "Problems" else ("" if status.startswith("All") else status),
            probe="" if probe.startswith("All") else probe,
            text=self.search.text(),
        )
        self.update_count()

    def update_count(self) -> None:
        """How many findings the filters show, of how many, and how many need acting on."""
        if not getattr(self, "report", None):
            return
        findings = self.report["findings"]
        problems = sum(1 for f in findings if f["status"] in PROBLEM_STATUSES)
        shown = self.findings_proxy.rowCount()
        text = f"Showing {shown} of {len(findings)} findings; {problems} to look at."
        if problems == 0 and shown == 0:
            text = f"All {len(findings)} checks passed. Choose 'All statuses' to see them."
        self.empty_findings.setText(text)

    def _finding_selected(self, current, _previous) -> None:
        if not current.isValid():
            self.details.show_finding(None)
            return
        source = self.findings_proxy.mapToSource(current)
        self.details.show_finding(self.findings_model.finding(source.row()))

    def read_package_file(self, member: str, max_bytes: int) -> bytes:
        """Called off the UI thread by the source viewer."""
        with open_package(self.course_path, archive_limits(self.profile_loader()())) as package:
            return package.read_bytes(member, max_bytes)

    def show_source(self, path: str, line: int) -> SourceViewer:
        viewer = SourceViewer(path, line, self.read_package_file, self)
        viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        viewer.show()
        return viewer

    # --- export -------------------------------------------------------------------------------
