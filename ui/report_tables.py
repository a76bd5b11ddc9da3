"""The tables probes contribute (the per-site rollout plan, the runtime log), as Qt tables."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from certifier.policy.presentation import Table

EMPTY_TEXT = (
    "No plan or log yet. Run the checks: with a sites file the capacity probe gives the rollout plan per "
    "site, and the page-load probe the SCORM calls or statements of each lesson."
)
ROW_HEIGHT_PX = 24
MAX_VISIBLE_ROWS = 25  # a longer table scrolls inside itself


class ReportTables(QScrollArea):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setAccessibleName("Plans and logs")
        self.tables: list[QTableWidget] = []
        self._show([])

    def _show(self, tables: list[Table]) -> None:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.tables = []
        if not tables:
            empty = QLabel(EMPTY_TEXT)
            empty.setWordWrap(True)
            layout.addWidget(empty)
        for table in tables:
            title = QLabel(f"<b>{table.title}</b> ({len(table.rows):,} rows)")
            layout.addWidget(title)
            view = QTableWidget(len(table.rows), len(table.columns))
            view.setAccessibleName(table.title)
            view.setHorizontalHeaderLabels(list(table.columns))
            view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            for r, row in enumerate(table.rows):
                for c, cell in enumerate(row):
                    view.setItem(r, c, QTableWidgetItem(cell))
            view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            view.horizontalHeader().setStretchLastSection(True)
            view.setMinimumHeight(ROW_HEIGHT_PX * (min(len(table.rows), MAX_VISIBLE_ROWS) + 2))
            layout.addWidget(view)
            self.tables.append(view)
        layout.addStretch(1)
        self.setWidget(page)

    def set_tables(self, tables: list[Table]) -> None:
        self._show(tables)
