"""The main window: choose a course, a policy and a staging target, run, review the findings."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from certifier.errors import CertifierError
from certifier.host.resources_path import sample_course_path
from certifier.package.course_info import summarise_course
from certifier.package.standards import course_location
from certifier.policy.probe_api import Probe
from certifier.policy.registry import discover_probes
from certifier.run.run_record import RunEvent
from certifier.run.runner import READ_STEP, archive_limits

from .answer_view import AnswerTab
from .desktop_history_tabs import DesktopAndHistoryTabs
from .export_actions import ExportAndSignOff
from .findings_tab import FindingsTab
from .main_window_text import NO_CHARTS, NOT_RUN, RECENT_MAX, RUNNING
from .report_tables import ReportTables
from .results_view import ResultsView
from .setup_panel import SetupPanel
from .workers import BackgroundTask, RunThread


class MainWindow(SetupPanel, AnswerTab, FindingsTab, ResultsView, ExportAndSignOff, DesktopAndHistoryTabs, QMainWindow):
    run_finished = Signal(object)  # the report
    course_loaded = Signal(object)  # the course summary, or an exception
    desktop_checked = Signal(object)  # the machine report
    history_shown = Signal(int)  # the number of runs listed
    comparison_shown = Signal(str)  # the comparison text
    exported = Signal(object)  # the file written, or the exception that stopped it

    def __init__(self, probes: dict[str, type[Probe]] | None = None, settings: QSettings | None = None):
        super().__init__()
        self.setWindowTitle("Course Certifier")
        self.probes = probes if probes is not None else discover_probes()[0]
        self.settings = settings or QSettings()
        self.course_path: str | None = None
        self.course: dict[str, Any] | None = None
        self.report: dict[str, Any] | None = None
        self.run_thread: RunThread | None = None
        self._step_items: dict[str, QListWidgetItem] = {}
        self._course_task: BackgroundTask | None = None
        self._tasks: set[BackgroundTask] = set()  # other background work under way
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
        self.open_action = QAction(
            "&Open course…", self, shortcut=QKeySequence.StandardKey.Open, triggered=self.choose_course_file
        )
        self.open_folder_action = QAction(
            "Open course &folder…", self, shortcut=QKeySequence("Ctrl+Shift+O"), triggered=self.choose_course_folder
        )
        self.run_action = QAction("&Run", self, shortcut=QKeySequence("Ctrl+R"), triggered=self.start_run)
        self.cancel_action = QAction(
            "&Cancel", self, shortcut=QKeySequence("Esc"), triggered=self.cancel_run, enabled=False
        )
        self.export_action = QAction(
            "&Export report…", self, shortcut=QKeySequence("Ctrl+E"), triggered=self.choose_export, enabled=False
        )
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
        splitter.setCollapsible(0, False)
        splitter.setSizes([self.setup_panel_width, max(self.width() - self.setup_panel_width, 600)])
        self.setCentralWidget(splitter)
        self.statusBar().showMessage("Ready")

    def _build_results(self) -> QWidget:
        container = QWidget()
        layout = QVBoxLayout(container)
        self.verdict_label = QLabel(NOT_RUN)
        self.verdict_label.setAccessibleName("Verdict")
        self.verdict_label.setWordWrap(True)
        self.verdict_label.setStyleSheet("padding: 8px; font-size: 15px; background: #eceff1; border-radius: 4px")
        layout.addWidget(self.verdict_label)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_answer_tab(), "Answer")
        self.findings_tab = self._build_findings_tab()
        self.tabs.addTab(self.findings_tab, "Findings")
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
        self.report_tables = ReportTables()
        self.tabs.addTab(self.report_tables, "Plans and logs")
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

    def _restore(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 720)
        state = self.settings.value("window/state")
        if state is not None:
            self.restoreState(state)
        profile = str(self.settings.value("policy/profile", "default"))
        index = self.profile_combo.findText(profile)
        if index >= 0:
            self.profile_combo.setCurrentIndex(index)
        elif Path(profile).is_file():  # a profile file of the user's own, chosen last time
            self.set_profile_file(profile)
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
        for task in list(self._tasks):  # history reads, exports: short and bounded
            task.wait(10_000)
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
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Open a course package",
            "",
            "Course packages or descriptors (*.zip imsmanifest.xml cmi5.xml tincan.xml);;All files (*)",
        )
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
        path = str(course_location(path))  # a descriptor picked or dropped opens its folder
        if self.report is not None and (self.report.get("package") or {}).get("path") != path:
            self.clear_results()  # never show, export or sign another course's verdict
        if path != self.course_path and not self.is_running():
            self.step_list.clear()  # the previous course's probe steps say nothing of this one
            self._step_items = {}
            self.progress.setValue(0)
        self.course_path = path
        self.course = None
        self.course_title.setText(Path(path).name)
        for label in (self.course_standard, self.course_size, self.course_sha):
            label.setText("reading…")
        self.course_sha.setToolTip("")
        self.course_error.setText("")
        load_profile = self.profile_loader()
        task = BackgroundTask(lambda: summarise_course(path, archive_limits(load_profile())), self)
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
        self.course_standard.setText(
            summary["standard"] + (f" (inside folder '{summary['nested_in']}')" if summary["nested_in"] else "")
        )
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
        self.clear_results(RUNNING)
        self._start_thread(probe_ids, self.course_path)

    def _start_thread(self, probe_ids: list[str], course_path: str | None, desktop: bool = False) -> None:
        self.step_list.clear()
        self._step_items: dict[str, QListWidgetItem] = {}
        self.progress.setValue(0)
        self.run_thread = RunThread(
            self.probes,
            course_path,
            self.profile_loader(),
            probe_ids,
            self.staging_target(),
            self.screen_facts(),
            self,
            self.staging_credentials(),
        )
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
        elapsed = time.monotonic() - self._run_started
        state = "cancelled" if report["run"]["status"] == "cancelled" else "finished"
        self.statusBar().showMessage(f"Run {state} in {elapsed:.2f} s: {report['verdict']}")
        self.show_report(report, shown=lambda: self.run_finished.emit(report))  # once every view shows it

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

    def in_background(self, work, done, failed) -> BackgroundTask:
        """Blocking work (history, export) off the UI thread; ``done``/``failed`` run on it after."""
        task = BackgroundTask(work, self)
        self._tasks.add(task)
        task.succeeded.connect(done)
        task.failed.connect(failed)
        task.finished.connect(lambda: self._tasks.discard(task))
        task.finished.connect(task.deleteLater)
        task.start()
        return task
