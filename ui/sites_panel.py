"""The Sites panel: which sites the rollout is planned for (the bundled example one click away), and
an editor to see, change and save them. The choice is remembered across restarts."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from certifier.errors import CertifierError
from certifier.host.files import write_atomic
from certifier.planning.capacity import SITE_FIELDS
from certifier.planning.sites import load_sites, resolve_sites_file, sites_csv, sites_from_rows

SITES_OPTION = "--sites"  # the check option of the probe that plans the rollout
SETTING = "capacity/sites_file"
NO_SITES = "No sites: the rollout is not planned. Load a sites file or the example."


def sites_option(probes) -> tuple[str, str, str] | None:
    """(probe id, profile key, example file) of the installed probe that plans for sites, if any."""
    for probe_id, cls in probes.items():
        for option in cls.check_options:
            if option.flag == SITES_OPTION:
                return probe_id, option.key, str(cls.demo_settings.get(option.key, ""))
    return None


class SitesPanel(QGroupBox):
    changed = Signal(str)  # the sites file now used ("" for none)

    def __init__(self, settings: QSettings, probes, parent: QWidget | None = None):
        super().__init__("Sites (rollout plan)", parent)
        self.settings = settings
        self.target = sites_option(probes)
        self.sites_file = ""
        layout = QVBoxLayout(self)
        self.summary = QLabel(NO_SITES)
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Sites used for the rollout plan")
        layout.addWidget(self.summary)
        row = QHBoxLayout()
        self.example_button = QPushButton("Example")
        self.example_button.setToolTip("The bundled example: 60 sites, 20,000 learners")
        self.open_button = QPushButton("Open…")
        self.edit_button = QPushButton("Edit…")
        self.clear_button = QPushButton("None")
        for button in (self.example_button, self.open_button, self.edit_button, self.clear_button):
            row.addWidget(button)
        layout.addLayout(row)
        self.example_button.clicked.connect(lambda: self.set_sites_file(self.target[2] if self.target else ""))
        self.open_button.clicked.connect(self._choose)
        self.edit_button.clicked.connect(self.edit)
        self.clear_button.clicked.connect(lambda: self.set_sites_file(""))
        if self.target is None:  # no installed probe plans a rollout
            self.hide()
            return
        # First launch: the example, so the first run already answers "how many at once, and when?"
        self.set_sites_file(str(settings.value(SETTING, self.target[2])), quiet=True)

    def set_sites_file(self, name: str, quiet: bool = False) -> bool:
        if name:
            try:
                sites = load_sites(resolve_sites_file(name))
            except CertifierError as exc:
                if not quiet:
                    QMessageBox.warning(self, "Sites not usable", str(exc))
                return False
            learners = sum(s.learners for s in sites)
            self.summary.setText(
                f"{len(sites):,} {'site' if len(sites) == 1 else 'sites'}, {learners:,} learners — {Path(name).name}"
            )
        else:
            self.summary.setText(NO_SITES)
        self.sites_file = name
        self.edit_button.setEnabled(bool(name))
        self.settings.setValue(SETTING, name)
        self.changed.emit(name)
        return True

    def override(self) -> tuple[str, str, str] | None:
        """(probe id, key, value): what a run's profile takes from this panel (the file is unchanged)."""
        if self.target is None:
            return None
        probe_id, key, _ = self.target
        return probe_id, key, str(resolve_sites_file(self.sites_file).resolve()) if self.sites_file else ""

    def _choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a sites file", "", "Sites (*.csv *.toml)")
        if path:
            self.set_sites_file(path)

    def edit(self) -> SitesEditor | None:
        if not self.sites_file:
            return None
        editor = SitesEditor(resolve_sites_file(self.sites_file), self)
        editor.saved.connect(self.set_sites_file)
        editor.show()
        return editor


class SitesEditor(QDialog):
    """Every site as a row: change, add or remove, then save as a CSV (checked as a file would be)."""

    saved = Signal(str)

    def __init__(self, path: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"Sites — {path.name}")
        self.resize(900, 600)
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, len(SITE_FIELDS))
        self.table.setHorizontalHeaderLabels(list(SITE_FIELDS))
        self.table.setAccessibleName("Sites")
        for site in load_sites(path):
            self._add(
                [
                    site.name,
                    str(site.learners),
                    f"{site.link_mbps:g}",
                    f"{site.training_share * 100:g}%",
                    f"{site.hours_per_day:g}",
                    f"{site.learning_minutes:g}",
                    site.deadline.isoformat(),
                ]
            )
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        add, remove = QPushButton("Add site"), QPushButton("Remove selected")
        add.clicked.connect(lambda: self._add([""] * len(SITE_FIELDS)))
        remove.clicked.connect(
            lambda: [
                self.table.removeRow(r) for r in sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
            ]
        )
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        layout.addLayout(row)
        self.problem = QLabel("")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b3261e")
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._save_as)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _add(self, values: list[str]) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        for column, value in enumerate(values):
            self.table.setItem(row, column, QTableWidgetItem(value))

    def rows(self) -> list[dict[str, str]]:
        return [
            {
                field: (self.table.item(r, c).text().strip() if self.table.item(r, c) else "")
                for c, field in enumerate(SITE_FIELDS)
            }
            for r in range(self.table.rowCount())
        ]

    def _save_as(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the sites", "sites.csv", "CSV (*.csv)")
        if path:
            self.save_to(path)

    def save_to(self, path: str) -> bool:
        """Check every row, write the CSV, and use it; a bad row is named and nothing is written."""
        try:
            sites = sites_from_rows(self.rows())
        except CertifierError as exc:
            self.problem.setText(str(exc))
            return False
        write_atomic(path, sites_csv(sites).encode("utf-8"))
        self.problem.setText("")
        self.saved.emit(path)
        self.accept()
        return True
