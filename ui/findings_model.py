"""The findings table: a model over the report's findings and a filtering proxy."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor

from certifier.policy.findings import PROBLEM_STATUSES, SEVERITY_ORDER, Severity, evidence_label, value_with_unit

COLUMNS = ("Severity", "Status", "Rule", "Finding", "Measured", "Limit", "Evidence")
STATUS_COLOURS = {"fail": "#b3261e", "error": "#8e24aa", "warn": "#b26a00", "skipped": "#5f6368", "pass": "#1e7d32"}
SEVERITY_RANK = {s.value: SEVERITY_ORDER[s] for s in Severity}
STATUS_RANK = {"fail": 0, "error": 1, "warn": 2, "skipped": 3, "pass": 4}
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
FINDING_ROLE = Qt.ItemDataRole.UserRole + 2


def value_text(value: Any, unit: str | None) -> str:
    return value_with_unit(value, unit)


def evidence_text(finding: dict[str, Any]) -> str:
    items = []
    for e in finding["evidence"][:3]:
        items.append(evidence_label(e))
    more = len(finding["evidence"]) - 3
    return ", ".join(items) + (f" (+{more})" if more > 0 else "")


# The root index Qt passes when it asks about top-level rows (one instance: it is never changed).
NO_PARENT = QModelIndex()


class FindingsModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self._findings: list[dict[str, Any]] = []

    def set_findings(self, findings: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self._findings = list(findings)
        self.endResetModel()

    def finding(self, row: int) -> dict[str, Any]:
        return self._findings[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self._findings)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        f = self._findings[index.row()]
        column = index.column()
        if role == FINDING_ROLE:
            return f
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                f["severity"],
                f["status"],
                f["rule_id"],
                f["message"] or f["title"],
                value_text(f.get("measured"), f.get("unit")),
                value_text(f.get("limit"), f.get("unit")),
                evidence_text(f),
            )[column]
        if role == SORT_ROLE:
            if column == 0:
                return SEVERITY_RANK[f["severity"]]
            if column == 1:
                return STATUS_RANK[f["status"]]
            return str(self.data(index, Qt.ItemDataRole.DisplayRole))
        if role == Qt.ItemDataRole.ForegroundRole and column == 1:
            return QBrush(QColor(STATUS_COLOURS[f["status"]]))
        if role == Qt.ItemDataRole.ToolTipRole and column == 3:
            return f["message"]
        return None


class FindingsFilter(QSortFilterProxyModel):
    """Filters by severity, status (or 'problems': fail/error/warn), probe and free text."""

    PROBLEMS = "problems"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.severity = ""
        self.status = ""
        self.probe = ""
        self.text = ""
        self.setSortRole(SORT_ROLE)

    def set_filter(
        self,
        *,
        severity: str | None = None,
        status: str | None = None,
        probe: str | None = None,
        text: str | None = None,
    ) -> None:
        begin = getattr(self, "beginFilterChange", None)  # Qt ≥ 6.10; invalidateFilter before
        if begin:
            begin()
        if severity is not None:
            self.severity = severity
        if status is not None:
            self.status = status
        if probe is not None:
            self.probe = probe
        if text is not None:
            self.text = text.casefold()
        if begin:
            self.endFilterChange()
        else:
            self.invalidateFilter()

    def filterAcceptsRow(self, row: int, parent: QModelIndex | QPersistentModelIndex) -> bool:
        f = self.sourceModel().finding(row)
        if self.severity and f["severity"] != self.severity:
            return False
        if self.status == self.PROBLEMS and f["status"] not in PROBLEM_STATUSES:
            return False
        if self.status and self.status != self.PROBLEMS and f["status"] != self.status:
            return False
        if self.probe and not f["rule_id"].startswith(self.probe + "."):
            return False
        if self.text:
            haystack = " ".join((f["rule_id"], f["title"], f["message"], f["remediation"], evidence_text(f))).casefold()
            return self.text in haystack
        return True
