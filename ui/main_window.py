"""The main window: choose a course, a policy and a staging target, run, review the findings."""

from __future__ import annotations

import html
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QButtonGroup, QCheckBox, QComboBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QHeaderView, QLabel,
    QLineEdit, QListWidget, QListWidgetItem, QMainWindow, QMenu, QMessageBox, QProgressBar, QPushButton,
    QPlainTextEdit, QRadioButton, QScrollArea, QSplitter, QTableView, QTableWidget, QTableWidgetItem, QTabWidget,
    QTextBrowser, QToolButton, QVBoxLayout, QWidget,
)

from certifier.package.archive import open_package
from certifier.package.course_info import summarise_course
from certifier.errors import CertifierError
from certifier.policy.probe_api import Probe
from certifier.policy.profiles import Profile, bundled_profiles
from certifier.policy.registry import desktop_check_probes, discover_probes, load_profile
from certifier.run.presentation import contributions
from certifier.records.compare import compare_reports, format_comparison
from certifier.exporters import export
from certifier.qt_adapters.report_document import qt_document
from certifier.records.history import History
from certifier.host.resources_path import sample_course_path
from certifier.run.runner import READ_STEP, RunEvent, archive_limits
from certifier.run.verdict import CERTIFIED, CONDITIONAL

from .charts import chart_widget
from .details_view import FindingDetails, SourceViewer
from .findings_model import FindingsFilter, FindingsModel
from .signoff_dialog import SignOffDialog
from .workers import BackgroundTask, RunThread

RECENT_MAX = 8
PREVIEW_INVENTORY_ROWS = 100  # the exported reports keep the whole inventory
HISTORY_COLUMNS = ("id", "finished_at", "course_title", "verdict", "failed", "profile")
VERDICT_STYLES = {CERTIFIED: "#1e7d32", CONDITIONAL: "#b26a00"}
NO_CHARTS = ("No charts yet. Run the checks: probes draw media bitrates, page-load waterfalls and, with a "
             "sites file (capacity.sites_file), learners per site.")
NOT_RUN = "Not run yet: open a course and press Run (Ctrl+R)."
OTHER_PROFILE = "Other profile file…"
EXPORT_FORMATS = {"html": "HTML report (*.html)", "pdf": "PDF report (*.pdf)", "json": "JSON report (*.json)",
                  "junit": "JUnit XML (*.xml)"}


class MainWindow(QMainWindow):
    run_finished = Signal(object)   # the report
    course_loaded = Signal(object)  # the course summary, or an exception
    desktop_checked = Signal(object)  # the machine report

    def __init__(self, probes: dict[str, type[Probe]] | None = None, settings: QSettings | None = None):
        super().__init__()
        self.setWindowTitle("Course Certifier")
        self.probes = probes if probes is not None else discover_probes()[0]
        self.settings = settings or QSettings()
        self.course_path: str | None = None
        self.course: dict[str, Any] | None = None
        self.report: dict[str, Any] | None = None
        self.run_thread: RunThread | None = None
        self._course_task: BackgroundTask | None = None
        self._run_started = 0.0
        self._extra_profile: str | None = None
        self._build_actions()
        self._build_ui()
        self.setAcceptDrops(True)
        self._restore()
        self._fill_networks()
        self.refresh_history()

    # --- construction -------------------------------------------------------------------------

    def _build_actions(self) -> None:
        self.open_action = QAction("&Open course…", self, shortcut=QKeySequence.StandardKey.Open,
                                   triggered=self.choose_course_file)
        self.open_folder_action = QAction("Open course &folder…", self, triggered=self.choose_course_folder)
        self.run_action = QAction("&Run", self, shortcut=QKeySequence("Ctrl+R"), triggered=self.start_run)
        self.cancel_action = QAction("&Cancel", self, shortcut=QKeySequence("Esc"), triggered=self.cancel_run,
                                     enabled=False)
        self.export_action = QAction("&Export report…", self, shortcut=QKeySequence("Ctrl+E"),
                                     triggered=self.choose_export, enabled=False)
        self.signoff_action = QAction("&Sign off a report…", self, triggered=lambda: self.open_sign_off())
        self.quit_action = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit, triggered=self.close)
        menu = self.menuBar().addMenu("&File")
        for action in (self.open_action, self.open_folder_action):
            menu.addAction(action)
        self.recent_menu = menu.addMenu("Open &recent")
        menu.addSeparator()
        menu.addAction(self.export_action)
        menu.addAction(self.signoff_action)
        menu.addSeparator()
        menu.addAction(self.quit_action)
        run_menu = self.menuBar().addMenu("&Run")
        run_menu.addAction(self.run_action)
        run_menu.addAction(self.cancel_action)
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("main-toolbar")
        for action in (self.open_action, self.run_action, self.cancel_action, self.export_action):
            toolbar.addAction(action)

    def _build_ui(self) -> None:
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.setObjectName("main-splitter")
        splitter.addWidget(self._build_setup_panel())
        splitter.addWidget(self._build_results())
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([360, 900])
        self.setCentralWidget(splitter)
        self.statusBar().showMessage("Ready")

    def _build_setup_panel(self) -> QWidget:
        panel = QWidget()
        layout = QVBoxLayout(panel)

        course_box = QGroupBox("Course")
        form = QFormLayout(course_box)
        self.course_title = QLabel("—")
        self.course_title.setWordWrap(True)
        self.course_title.setAccessibleName("Course title")
        self.course_standard = QLabel("—")
        self.course_size = QLabel("—")
        self.course_sha = QLineEdit("—")  # selectable, and a 64-character hash never widens the panel
        self.course_sha.setReadOnly(True)
        self.course_sha.setFrame(False)
        self.course_sha.setAccessibleName("Package SHA-256")
        self.course_error = QLabel("")
        self.course_error.setWordWrap(True)
        self.course_error.setStyleSheet("color: #b3261e")
        self.course_error.setAccessibleName("Course problem")
        form.addRow("Title:", self.course_title)
        form.addRow("Standard:", self.course_standard)
        form.addRow("Size:", self.course_size)
        form.addRow("SHA-256:", self.course_sha)
        form.addRow(self.course_error)
        buttons = QHBoxLayout()
        open_button = QPushButton("Open…")
        open_button.setAccessibleName("Open a course package")
        open_button.clicked.connect(self.choose_course_file)
        self.recent_button = QToolButton()
        self.recent_button.setText("Recent")
        self.recent_button.setAccessibleName("Recently opened courses")
        self.recent_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.recent_button.setMenu(self.recent_menu)
        buttons.addWidget(open_button)
        buttons.addWidget(self.recent_button)
        form.addRow(buttons)
        layout.addWidget(course_box)

        policy_box = QGroupBox("IT policy")
        policy_form = QFormLayout(policy_box)
        self.profile_combo = QComboBox()
        self.profile_combo.setAccessibleName("Policy profile")
        self.profile_combo.addItems(list(bundled_profiles()) + [OTHER_PROFILE])
        self.profile_combo.activated.connect(self._profile_chosen)
        self.profile_combo.currentTextChanged.connect(lambda _text: self._fill_networks())
        policy_form.addRow("Profile:", self.profile_combo)
        self.network_combo = QComboBox()
        self.network_combo.setAccessibleName("Network profile")
        self.network_combo.setToolTip("The link the page-load budget and the load test are judged on.")
        policy_form.addRow("Network:", self.network_combo)
        layout.addWidget(policy_box)

        target_box = QGroupBox("Staging target")
        target_layout = QVBoxLayout(target_box)
        self.embedded_radio = QRadioButton("Embedded staging server (this machine)")
        self.embedded_radio.setChecked(True)
        self.url_radio = QRadioButton("IT's staging server URL")
        group = QButtonGroup(target_box)
        group.addButton(self.embedded_radio)
        group.addButton(self.url_radio)
        self.staging_url = QLineEdit()
        self.staging_url.setPlaceholderText("https://staging.example.com/courses/…")
        self.staging_url.setAccessibleName("Staging URL")
        self.staging_user = QLineEdit()
        self.staging_user.setPlaceholderText("user (optional)")
        self.staging_user.setAccessibleName("Staging user name")
        self.staging_password = QLineEdit()
        self.staging_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.staging_password.setPlaceholderText("password (kept in memory only)")
        self.staging_password.setAccessibleName("Staging password")
        for widget in (self.embedded_radio, self.url_radio, self.staging_url, self.staging_user, self.staging_password):
            target_layout.addWidget(widget)
        self.url_radio.toggled.connect(self._target_changed)
        self._target_changed(False)
        layout.addWidget(target_box)

        probe_box = QGroupBox("Probes")
        probe_layout = QVBoxLayout(probe_box)
        self.probe_checks: dict[str, QCheckBox] = {}
        for probe_id, cls in sorted(self.probes.items()):
            check = QCheckBox(cls.title or probe_id)
            check.setChecked(cls.default_enabled)
            check.setToolTip(cls.description)
            check.setAccessibleName(f"Run probe {probe_id}")
            self.probe_checks[probe_id] = check
            probe_layout.addWidget(check)
        layout.addWidget(probe_box)

        run_row = QHBoxLayout()
        self.run_button = QPushButton("Run")
        self.run_button.setAccessibleName("Run the selected probes")
        self.run_button.clicked.connect(self.start_run)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAccessibleName("Cancel the run")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_run)
        run_row.addWidget(self.run_button)
        run_row.addWidget(self.cancel_button)
        layout.addLayout(run_row)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setAccessibleName("Overall progress")
        layout.addWidget(self.progress)
        self.step_list = QListWidget()
        self.step_list.setAccessibleName("Probe status")
        self.step_list.setMaximumHeight(160)
        layout.addWidget(self.step_list)
        layout.addStretch(1)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(panel)
        scroll.setMinimumWidth(320)
        return scroll

    def _build_results(self) -> QWidget:
        container = QWidget()
        layout = QVBoxLayout(container)
        self.verdict_label = QLabel(NOT_RUN)
        self.verdict_label.setAccessibleName("Verdict")
        self.verdict_label.setWordWrap(True)
        self.verdict_label.setStyleSheet("padding: 8px; font-size: 15px; background: #eceff1; border-radius: 4px")
        layout.addWidget(self.verdict_label)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_findings_tab(), "Findings")
        chart_page = QWidget()
        self.chart_layout = QVBoxLayout(chart_page)
        self.chart_widgets: list[QWidget] = []  # one per chart the probes of the last run contributed
        self.no_charts_label = QLabel(NO_CHARTS)
        self.no_charts_label.setWordWrap(True)
        self.chart_layout.addWidget(self.no_charts_label)
        self.chart_layout.addStretch(1)
        charts = QScrollArea()
        charts.setWidgetResizable(True)
        charts.setWidget(chart_page)
        self.tabs.addTab(charts, "Charts")
        self.report_view = QTextBrowser()
        self.report_view.setAccessibleName("Report preview")
        self.report_view.setHtml(f"<p>{NOT_RUN}</p>")
        self.tabs.addTab(self.report_view, "Report")
        self.tabs.addTab(self._build_history_tab(), "History")
        self._preview_stale = False
        self.tabs.currentChanged.connect(lambda _index: self._refresh_preview())
        self.tabs.addTab(self._build_desktop_tab(), "Desktop readiness")
        layout.addWidget(self.tabs)
        return container

    def _build_desktop_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        intro = QLabel("For desktop support: does this machine meet the desktop baseline of the selected policy "
                       "profile, and the open course's needs (plugins, browser features, screen)?")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.desktop_button = QPushButton("Check this machine")
        self.desktop_button.setAccessibleName("Check this machine against the course and the baseline")
        self.desktop_button.clicked.connect(self.check_desktop)
        layout.addWidget(self.desktop_button)
        self.desktop_view = QTextBrowser()
        self.desktop_view.setAccessibleName("Desktop readiness result")
        self.desktop_view.setHtml("<p style='color:#5f6368'>Not checked yet. The check reads this machine's "
                                  "memory, processor, disk, network link, browsers, Java, proxy and screen.</p>")
        layout.addWidget(self.desktop_view, 1)
        return tab

    def screen_facts(self) -> dict[str, Any]:
        screen = QGuiApplication.primaryScreen()
        if screen is None:
            return {}
        size = screen.geometry()
        return {"screen": {"width": size.width(), "height": size.height(),
                           "device_pixel_ratio": screen.devicePixelRatio()}}

    def check_desktop(self) -> None:
        if self.is_running():
            return
        probe_ids = desktop_check_probes(discover_probes()[0], with_course=bool(self.course_path))
        self.desktop_view.setHtml("<p>Checking this machine…</p>")
        self._start_thread(probe_ids, self.course_path, desktop=True)

    def show_desktop(self, report: dict[str, Any]) -> None:
        rows = "".join(
            f"<tr><td>{html.escape(f['status'])}</td><td>{html.escape(f['title'])}</td>"
            f"<td>{html.escape(f['message'])}</td></tr>"
            for f in report["findings"] if f["rule_id"].startswith("machine."))
        facts = report["outputs"].get("machine", {}).get("facts", {})
        browsers = ", ".join(f"{b['name']} {b['version'] or '?'}" for b in facts.get("browsers", [])) or "none found"
        machine = [f for f in report["findings"] if f["rule_id"].startswith("machine.")]
        verdict = machine_readiness(machine)
        self.desktop_view.setHtml(
            f"<h2>{html.escape(verdict)}</h2><p>{html.escape(facts.get('os', ''))}: {facts.get('cpu_cores')} cores, "
            f"{facts.get('ram_gb')} GB RAM, {facts.get('free_disk_gb')} GB free; browsers: {html.escape(browsers)}</p>"
            f"<table cellpadding='4'><tr><th align='left'>Status</th><th align='left'>Check</th>"
            f"<th align='left'>Result</th></tr>{rows}</table>")

    def _build_history_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        self.history_note = QLabel("")
        layout.addWidget(self.history_note)
        self.history_table = QTableWidget(0, len(HISTORY_COLUMNS))
        self.history_table.setHorizontalHeaderLabels([c.replace("_", " ") for c in HISTORY_COLUMNS])
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

    def _restore(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 720)
        state = self.settings.value("window/state")
        if state is not None:
            self.restoreState(state)
        profile = self.settings.value("policy/profile", "default")
        index = self.profile_combo.findText(str(profile))
        if index >= 0:
            self.profile_combo.setCurrentIndex(index)
        self._refresh_recent()

    def recent_courses(self) -> list[str]:
        value = self.settings.value("courses/recent", []) or []
        return [value] if isinstance(value, str) else list(value)

    def _remember(self, path: str) -> None:
        recent = [path] + [p for p in self.recent_courses() if p != path]
        self.settings.setValue("courses/recent", recent[:RECENT_MAX])
        self._refresh_recent()

    def _refresh_recent(self) -> None:
        self.recent_menu.clear()
        for path in self.recent_courses():
            self.recent_menu.addAction(path, lambda p=path: self.open_course(p))
        self.recent_menu.setEnabled(bool(self.recent_courses()))

    def closeEvent(self, event) -> None:
        if self.run_thread is not None:
            self.run_thread.cancel()
            self.run_thread.wait(2000)
        if self._course_task is not None:
            self._course_task.wait(2000)
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("policy/profile", self.profile_combo.currentText())
        self.settings.sync()
        super().closeEvent(event)

    # --- course -------------------------------------------------------------------------------

    def open_first_course(self) -> None:
        """First launch opens the bundled sample course, later ones the most recent course."""
        recent = [p for p in self.recent_courses() if Path(p).exists()]
        self.open_course(recent[0] if recent else str(sample_course_path()))

    def choose_course_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a course package", "", "Course packages (*.zip);;All files (*)")
        if path:
            self.open_course(path)

    def choose_course_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open an unpacked course folder")
        if path:
            self.open_course(path)

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        urls = [u for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            self.open_course(urls[0].toLocalFile())

    def open_course(self, path: str) -> None:
        self.course_path = path
        self.course = None
        self.course_title.setText(Path(path).name)
        for label in (self.course_standard, self.course_size, self.course_sha):
            label.setText("reading…")
        self.course_sha.setToolTip("")
        self.course_error.setText("")
        limits = archive_limits(self.current_profile())
        task = BackgroundTask(lambda: summarise_course(path, limits), self)
        task.succeeded.connect(self._course_read)
        task.failed.connect(self._course_failed)
        task.finished.connect(task.deleteLater)
        self._course_task = task
        task.start()

    def _course_read(self, summary: dict[str, Any]) -> None:
        self._course_task = None
        if summary["path"] != self.course_path:
            return  # another course was opened meanwhile
        self.course = summary
        self.course_title.setText(summary["title"])
        self.course_standard.setText(summary["standard"] + (f" (inside folder '{summary['nested_in']}')"
                                                           if summary["nested_in"] else ""))
        self.course_size.setText(f"{summary['size'] / 2**20:,.1f} MB in {summary['file_count']:,} files")
        self.course_sha.setText(summary["sha256"])
        self.course_sha.setCursorPosition(0)
        self.course_sha.setToolTip(summary["sha256"])
        self._remember(summary["path"])
        self.statusBar().showMessage(f"Opened {summary['name']}")
        self.course_loaded.emit(summary)

    def _course_failed(self, error: Exception) -> None:
        self._course_task = None
        for label in (self.course_standard, self.course_size, self.course_sha):
            label.setText("—")
        message = str(error) if isinstance(error, CertifierError) else f"Cannot read this course: {error}"
        self.course_error.setText(message)
        self.statusBar().showMessage("The course could not be read; running will report why.")
        self.course_loaded.emit(error)

    # --- policy and target --------------------------------------------------------------------

    def _profile_chosen(self, index: int) -> None:
        if self.profile_combo.itemText(index) != OTHER_PROFILE:
            return
        path, _ = QFileDialog.getOpenFileName(self, "Choose a policy profile", "", "Profiles (*.toml)")
        if path:
            self.set_profile_file(path)
        else:
            self.profile_combo.setCurrentIndex(0)

    def set_profile_file(self, path: str) -> None:
        try:
            load_profile(path)
        except CertifierError as exc:
            QMessageBox.warning(self, "Profile not usable", str(exc))
            self.profile_combo.setCurrentIndex(0)
            return
        self._extra_profile = path
        self.profile_combo.insertItem(self.profile_combo.count() - 1, path)
        self.profile_combo.setCurrentIndex(self.profile_combo.count() - 2)

    def current_profile(self) -> Profile:
        profile = load_profile(self.profile_combo.currentText())
        network = self.network_combo.currentData()
        if network and network in profile.values.get("network", {}).get("presets", {}):
            profile.values["network"]["target_network"] = network  # this run only; the file is unchanged
        return profile

    def _fill_networks(self) -> None:
        try:
            profile = load_profile(self.profile_combo.currentText())
        except CertifierError:
            return
        network = profile.values.get("network", {})
        self.network_combo.blockSignals(True)
        self.network_combo.clear()
        for name, link in network.get("presets", {}).items():
            label = f"{name} ({link['down_kbps'] / 1000:g} Mbps, {link['rtt_ms']:g} ms)"
            self.network_combo.addItem(label + (" — profile's target" if name == network.get("target_network") else ""),
                                       name)
        index = self.network_combo.findData(network.get("target_network"))
        self.network_combo.setCurrentIndex(max(index, 0))
        self.network_combo.blockSignals(False)

    def _target_changed(self, use_url: bool) -> None:
        for widget in (self.staging_url, self.staging_user, self.staging_password):
            widget.setEnabled(use_url)

    def staging_target(self) -> str | None:
        """The URL the page-load probe checks; None for the embedded server."""
        if self.url_radio.isChecked() and self.staging_url.text().strip():
            return self.staging_url.text().strip()
        return None

    def staging_credentials(self) -> tuple[str, str] | None:
        if self.staging_target() and self.staging_user.text():
            return self.staging_user.text(), self.staging_password.text()
        return None

    # --- running ------------------------------------------------------------------------------

    def selected_probes(self) -> list[str]:
        return [probe_id for probe_id, check in self.probe_checks.items() if check.isChecked()]

    def is_running(self) -> bool:
        return self.run_thread is not None

    def start_run(self) -> None:
        if self.is_running():
            return
        if not self.course_path:
            self.statusBar().showMessage("Open a course first.")
            return
        probe_ids = self.selected_probes()
        if not probe_ids:
            self.statusBar().showMessage("Select at least one probe.")
            return
        self._start_thread(probe_ids, self.course_path)

    def _start_thread(self, probe_ids: list[str], course_path: str | None, desktop: bool = False) -> None:
        try:
            profile = self.current_profile()
        except CertifierError as exc:
            QMessageBox.warning(self, "Profile not usable", str(exc))
            return
        self.step_list.clear()
        self._step_items: dict[str, QListWidgetItem] = {}
        self.progress.setValue(0)
        self.run_thread = RunThread(self.probes, course_path, profile, probe_ids, self.staging_target(),
                                    self.screen_facts(), self, self.staging_credentials())
        self.run_thread.progressed.connect(self._progressed)
        self.run_thread.completed.connect(self._desktop_completed if desktop else self._completed)
        self.run_thread.failed.connect(self._failed)
        self.run_thread.finished.connect(self._thread_done)
        self._set_running(True)
        self._run_started = time.monotonic()
        self.statusBar().showMessage("Checking this machine…" if desktop else "Running…")
        self.run_thread.start()

    def _desktop_completed(self, result: tuple[dict[str, Any], Any]) -> None:
        report, _record = result
        self.show_desktop(report)
        self.statusBar().showMessage(f"Machine checked in {time.monotonic() - self._run_started:.2f} s")
        self.desktop_checked.emit(report)

    def cancel_run(self) -> None:
        if self.run_thread is not None:
            self.run_thread.cancel()
            self.statusBar().showMessage("Cancelling…")

    def _set_running(self, running: bool) -> None:
        self.run_action.setEnabled(not running)
        self.run_button.setEnabled(not running)
        self.desktop_button.setEnabled(not running)
        self.cancel_action.setEnabled(running)
        self.cancel_button.setEnabled(running)

    def _progressed(self, event: RunEvent) -> None:
        self.progress.setValue(int(event.overall * 1000))
        if not event.step:
            return
        item = self._step_items.get(event.step)
        title = self.step_title(event.step)
        if item is None:
            item = QListWidgetItem(title, self.step_list)
            self._step_items[event.step] = item
        if event.kind == "step-finished":
            item.setText(f"{title}: {event.status}")
        else:
            item.setText(f"{title}: {event.fraction:.0%} {event.message[:60]}")

    def step_title(self, step: str) -> str:
        if step == READ_STEP:
            return "Reading the package"
        return self.probes[step].title if step in self.probes else step

    def _completed(self, result: tuple[dict[str, Any], Any]) -> None:
        report, _record = result
        self.show_report(report)
        elapsed = time.monotonic() - self._run_started
        state = "cancelled" if report["run"]["status"] == "cancelled" else "finished"
        self.statusBar().showMessage(f"Run {state} in {elapsed:.2f} s: {report['verdict']}")
        self.run_finished.emit(report)

    def _failed(self, error: Exception) -> None:
        QMessageBox.warning(self, "Run failed", str(error))
        self.statusBar().showMessage(f"Run failed: {error}")

    def _thread_done(self) -> None:
        thread, self.run_thread = self.run_thread, None
        if thread is not None:
            thread.wait()
            thread.deleteLater()
        self._set_running(False)

    # --- results ------------------------------------------------------------------------------

    def show_report(self, report: dict[str, Any]) -> None:
        self.report = report
        self.findings_model.set_findings(report["findings"])
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        problems = sum(1 for f in report["findings"] if f["status"] in ("fail", "error", "warn"))
        self.empty_findings.setText(
            f"{len(report['findings'])} findings, {problems} to look at." if problems else
            f"All {len(report['findings'])} checks passed. Choose 'All statuses' to see them.")
        verdict = report["verdict"]
        cancelled = " — run cancelled, results incomplete" if report["run"]["status"] == "cancelled" else ""
        colour = VERDICT_STYLES.get(verdict, "#b3261e")
        failed = report["summary"]["failed_by_severity"]
        failures = ", ".join(f"{n} {s}" for s, n in failed.items() if n) or "no failures"
        self.verdict_label.setText(f"<b>{html.escape(verdict)}</b>{cancelled} — {failures}")
        self.verdict_label.setStyleSheet(f"padding: 8px; font-size: 15px; color: white; background: {colour};"
                                         " border-radius: 4px")
        self._show_charts(contributions(report, self.probes).charts)
        self._preview_stale = True  # built when the Report tab is opened: layout is not free
        if self.tabs.currentWidget() is self.report_view:
            self._refresh_preview()
        self.refresh_history()
        self.export_action.setEnabled(True)
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

    def _finding_selected(self, current, _previous) -> None:
        if not current.isValid():
            self.details.show_finding(None)
            return
        source = self.findings_proxy.mapToSource(current)
        self.details.show_finding(self.findings_model.finding(source.row()))

    def read_package_file(self, member: str, max_bytes: int) -> bytes:
        with open_package(self.course_path, archive_limits(self.current_profile())) as package:
            return package.read_bytes(member, max_bytes)

    def show_source(self, path: str, line: int) -> SourceViewer:
        viewer = SourceViewer(path, line, self.read_package_file, self)
        viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        viewer.show()
        return viewer

    # --- export -------------------------------------------------------------------------------

    def choose_export(self) -> None:
        if not self.report:
            return
        path, chosen = QFileDialog.getSaveFileName(self, "Export the report", "certification-report.json",
                                                   ";;".join(EXPORT_FORMATS.values()))
        if path:
            fmt = next((k for k, v in EXPORT_FORMATS.items() if v == chosen), Path(path).suffix.lstrip("."))
            self.export_report(path, fmt)

    def export_report(self, path: str, fmt: str) -> Path:
        if not self.report:
            raise CertifierError("Nothing to export yet: run the probes first.")
        if fmt not in EXPORT_FORMATS:
            raise CertifierError(f"Unknown export format '{fmt}'.")
        written = export(self.report, path, fmt)
        self.statusBar().showMessage(f"Report written to {written}")
        return written

    def open_sign_off(self, path: str | None = None) -> SignOffDialog:
        dialog = SignOffDialog(path, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def refresh_history(self) -> None:
        try:
            with History() as history:
                runs = history.runs()
        except CertifierError as exc:
            self.history_note.setText(str(exc))
            return
        self.history_table.setRowCount(len(runs))
        for row, run in enumerate(runs):
            for column, key in enumerate(HISTORY_COLUMNS):
                item = QTableWidgetItem(str(run[key]))
                item.setData(Qt.ItemDataRole.UserRole, run["id"])
                self.history_table.setItem(row, column, item)
        self.history_note.setText(f"{len(runs)} recorded runs. Select two and press Compare."
                                  if runs else "No recorded runs yet: every run is recorded here.")

    def compare_selected(self) -> str:
        rows = sorted({index.row() for index in self.history_table.selectedIndexes()})
        if len(rows) != 2:
            self.compare_view.setPlainText("Select exactly two runs to compare.")
            return ""
        ids = sorted(int(self.history_table.item(r, 0).data(Qt.ItemDataRole.UserRole)) for r in rows)
        with History() as history:
            old, new = history.report(ids[0]), history.report(ids[1])
        text = format_comparison(compare_reports(old, new), old, new)
        self.compare_view.setPlainText(text)
        return text


def machine_readiness(findings: list[dict[str, Any]]) -> str:
    """This machine's own readiness (not the course's verdict): what desktop support acts on."""
    failed = [f for f in findings if f["status"] == "fail"]
    if any(f["severity"] in ("blocker", "major") for f in failed):
        return "NOT READY"
    if failed or any(f["status"] in ("warn", "error") for f in findings):
        return "READY WITH GAPS"
    return "READY"
