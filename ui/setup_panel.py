"""The set-up panel of the main window: course, policy profile, network, staging target, probes."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from certifier.errors import CertifierError
from certifier.policy.profiles import Profile, bundled_profiles
from certifier.policy.registry import load_profile

from .main_window_text import OTHER_PROFILE
from .sites_panel import SitesPanel

COMBO_MIN_CHARACTERS = 16


class PanelComboBox(QComboBox):
    """A combo box in the scrolling panel: the wheel scrolls the panel unless the box has focus."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        # A long entry ("cable (5 Mbps, 28 ms) — profile's target") is elided, never widening the panel.
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(COMBO_MIN_CHARACTERS)

    def wheelEvent(self, event) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()  # passed on to the scroll area


class SetupPanel:
    """Mixed into MainWindow: builds the left panel and reads the choices made in it."""

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
        self.profile_combo = PanelComboBox()
        self.profile_combo.setAccessibleName("Policy profile")
        self.profile_combo.addItems([*list(bundled_profiles()), OTHER_PROFILE])
        self.profile_combo.activated.connect(self._profile_chosen)
        self.profile_combo.currentTextChanged.connect(lambda _text: self._fill_networks())
        policy_form.addRow("Profile:", self.profile_combo)
        self.network_combo = PanelComboBox()
        self.network_combo.setAccessibleName("Network profile")
        self.network_combo.setToolTip("The link the page-load budget and the load test are judged on.")
        policy_form.addRow("Network:", self.network_combo)
        layout.addWidget(policy_box)
        self.sites_panel = SitesPanel(self.settings, self.probes)
        layout.addWidget(self.sites_panel)

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
            check.setChecked(cls.default_enabled or cls.in_demo)  # the window runs what `check --demo` runs
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
        scroll.setObjectName("setup-panel")
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(panel)
        # Never narrower than its content (no clipped button); wider when the user drags the splitter.
        scrollbar = scroll.verticalScrollBar().sizeHint().width()
        scroll.setMinimumWidth(panel.minimumSizeHint().width() + scrollbar + 2 * scroll.frameWidth())
        self.setup_panel_width = max(scroll.minimumWidth(), panel.sizeHint().width() + scrollbar)
        return scroll

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

    def profile_loader(self) -> Callable[[], Profile]:
        """The choices made in the panel, read now; the profile loaded when called, on any thread."""
        name, network = self.profile_combo.currentText(), self.network_combo.currentData()
        sites = self.sites_panel.override()

        def load() -> Profile:
            profile = load_profile(name)
            if network and network in profile.values.get("network", {}).get("presets", {}):
                profile.values["network"]["target_network"] = network  # this run only; the file is unchanged
            if sites:
                probe_id, key, value = sites
                profile.values.setdefault(probe_id, {})[key] = value
            return profile

        return load

    def current_profile(self) -> Profile:
        return self.profile_loader()()

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
            self.network_combo.addItem(
                label + (" — profile's target" if name == network.get("target_network") else ""), name
            )
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
