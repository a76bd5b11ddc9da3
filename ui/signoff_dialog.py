"""The sign-off dialog for IT reviewers: open a report (or take the run on screen), read it, see its
signatures, decide, sign — with the safeguards of ``certifier.records.signoff`` said up front."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from certifier.errors import CertifierError
from certifier.qt_adapters.report_document import qt_document
from certifier.records.history import History
from certifier.records.signoff import DECISIONS, bound_reviewer, public_fingerprint, sign_off, verify
from certifier.run.report import load_report, report_problems, write_json_atomic
from certifier.run.verdict import CERTIFIED

from .main_window_text import PREVIEW_INVENTORY_ROWS
from .workers import BackgroundTask

CHOOSE_DECISION = "Choose a decision…"


class SignOffDialog(QDialog):
    signing_done = Signal(bool)  # True when a decision was signed and written

    def __init__(self, path: str | None = None, parent: QWidget | None = None, report: dict[str, Any] | None = None):
        super().__init__(parent)
        self.setWindowTitle("Sign off a certification report")
        self.resize(1000, 700)
        self.path: str | None = None
        self.report: dict[str, Any] | None = None
        self._task: BackgroundTask | None = None
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.path_label = QLabel("No report open.")
        open_button = QPushButton("Open report…")
        open_button.setAccessibleName("Open a report JSON file")
        open_button.clicked.connect(self.choose_report)
        row.addWidget(self.path_label, 1)
        row.addWidget(open_button)
        layout.addLayout(row)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Signature status")
        layout.addWidget(self.status)
        split = QSplitter()
        self.preview = QTextBrowser()
        self.preview.setAccessibleName("Report preview")
        split.addWidget(self.preview)
        split.addWidget(self._build_form())
        split.setSizes([650, 350])
        layout.addWidget(split, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        if path:
            self.open_report(path)
        elif report is not None:
            self.show_report(report, None)

    def _build_form(self) -> QWidget:
        form_widget = QWidget()
        form = QFormLayout(form_widget)
        bound = bound_reviewer()
        self.key_label = QLabel(
            f"Signing key {public_fingerprint()}"
            + (f", bound to {bound}" if bound else " (bound to the first name it signs)")
        )
        self.key_label.setWordWrap(True)
        self.key_label.setAccessibleName("Signing key")
        self.reviewer = QLineEdit(bound or "")
        self.reviewer.setAccessibleName("Reviewer name")
        self.role = QComboBox()
        self.role.setEditable(True)
        self.role.addItems(["network", "desktop", "security", "training"])
        self.role.setAccessibleName("Reviewer role")
        self.decision = QComboBox()
        self.decision.addItems(DECISIONS)
        self.decision.setPlaceholderText(CHOOSE_DECISION)
        self.decision.setCurrentIndex(-1)  # no decision is preselected: the reviewer makes it
        self.decision.setAccessibleName("Decision")
        self.decision.currentIndexChanged.connect(self._update_sign_button)
        self.comment = QPlainTextEdit()
        self.comment.setAccessibleName("Comment")
        self.conditions = QPlainTextEdit()
        self.conditions.setAccessibleName("Conditions")
        self.sign_button = QPushButton("Sign decision")
        self.sign_button.setAccessibleName("Sign the decision")
        self.sign_button.setEnabled(False)
        self.sign_button.clicked.connect(self.sign)
        form.addRow(self.key_label)
        form.addRow("Reviewer:", self.reviewer)
        form.addRow("Role:", self.role)
        form.addRow("Decision:", self.decision)
        form.addRow("Comment:", self.comment)
        form.addRow("Conditions:", self.conditions)
        self.problem = QLabel("")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b3261e")
        self.problem.setAccessibleName("Why the decision was not signed")
        form.addRow(self.sign_button)
        form.addRow(self.problem)
        self._signable = False
        return form_widget

    def choose_report(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a report", "", "Reports (*.json)")
        if path:
            self.open_report(path)

    def open_report(self, path: str) -> None:
        try:
            # Unchecked first: an edited report must still show why its signatures fail.
            report = load_report(path, validate=False)
        except CertifierError as exc:
            self.status.setText(str(exc))
            self._set_signable(False)
            return
        self.show_report(report, path)

    def show_report(self, report: dict[str, Any], path: str | None) -> None:
        """Show a report to sign; ``path`` None: the run on screen, saved where the reviewer says."""
        self.report, self.path = report, path
        self.path_label.setText(path or "The run on screen (saved as a report file when signed)")
        problems = report_problems(report)
        result = verify(report) if report.get("signatures") else None
        if problems:  # not the published report shape: neither shown nor signable
            self.preview.setPlainText(
                "This report does not match the report schema, so it is not shown and "
                "cannot be signed: " + "; ".join(problems)
            )
        elif result is not None and not result.valid:  # changed since signing: not shown as a certificate
            self.preview.setPlainText(
                "This report was changed after it was signed, so it is not shown and no "
                "decision can be added to it. What does not match:\n" + "\n".join(result.lines)
            )
        else:
            self.preview.setDocument(qt_document(report, inventory_rows=PREVIEW_INVENTORY_ROWS))
        self._set_signable(not problems and (result is None or result.valid))
        self._show_verification(result)

    def _set_signable(self, signable: bool) -> None:
        self._signable = signable
        self._update_sign_button()

    def _update_sign_button(self) -> None:
        self.sign_button.setEnabled(self._signable and self.decision.currentIndex() >= 0 and self._task is None)

    def _show_verification(self, result) -> None:
        if result is None:
            self.status.setText("Not signed yet.")
            self.status.setStyleSheet("color: #5f6368")
            return
        self.status.setText(
            ("Signatures verified. " if result.valid else "SIGNATURES DO NOT VERIFY. ") + " ".join(result.lines)
        )
        self.status.setStyleSheet("color: #1e7d32" if result.valid else "color: #b3261e; font-weight: bold")

    # The two questions a reviewer answers before an unusual signature; tests answer them directly.
    def confirm_approval(self, verdict: str) -> bool:
        return (
            question_box(
                self,
                "Approve a report that is not certified?",
                f"This report is {verdict}. Approve it anyway? Your comment must say why.",
            ).exec()
            == QMessageBox.StandardButton.Yes
        )

    def confirm_rename(self, bound: str, name: str) -> bool:
        return (
            question_box(
                self,
                "Sign under another name?",
                f"This machine's signing key signs as {bound}. Bind it to {name} instead?",
            ).exec()
            == QMessageBox.StandardButton.Yes
        )

    def choose_save_path(self) -> str | None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the signed report", "certification-report.json", "Reports (*.json)"
        )
        return path or None

    def sign(self) -> None:
        if not self.report or self.decision.currentIndex() < 0 or self._task is not None:
            return
        decision, reviewer = self.decision.currentText(), self.reviewer.text().strip()
        despite = decision == "approve" and self.report.get("verdict") != CERTIFIED
        if despite and not self.confirm_approval(self.report["verdict"]):
            return
        bound = bound_reviewer()
        rename = bool(bound and reviewer and bound != reviewer)
        if rename and not self.confirm_rename(bound, reviewer):
            return
        path = self.path or self.choose_save_path()
        if not path:
            return
        report, comment, conditions, role = (
            self.report,
            self.comment.toPlainText(),
            self.conditions.toPlainText(),
            self.role.currentText(),
        )

        def work() -> dict[str, Any]:  # key, signature, file and history: off the UI thread
            signed = sign_off(
                report,
                reviewer,
                decision,
                comment=comment,
                conditions=conditions,
                role=role,
                approve_despite_verdict=despite,
                rename_reviewer=rename,
            )
            write_json_atomic(path, signed)
            with History() as history:
                history.record_signoff(signed)
            return signed

        self._task = BackgroundTask(work, self)
        self._task.succeeded.connect(lambda signed: self._signed(signed, path))
        self._task.failed.connect(self._refused)
        self._task.finished.connect(self._task.deleteLater)
        self._update_sign_button()
        self._task.start()

    def _signed(self, signed: dict[str, Any], path: str) -> None:
        self._task = None
        # An HTML or PDF exported before signing shows no decision: say so where the reviewer looks.
        self.problem.setText(
            "Signed. HTML or PDF reports exported before signing do not carry this decision: export them again "
            "from the signed report."
        )
        self.key_label.setText(f"Signing key {public_fingerprint()}, bound to {bound_reviewer()}")
        self.show_report(signed, path)
        self.signing_done.emit(True)

    def _refused(self, error: Exception) -> None:
        self._task = None
        # Shown beside the form: the reviewer fixes it and signs again.
        self.problem.setText(str(error) if isinstance(error, CertifierError) else f"Not signed: {error}")
        self._update_sign_button()
        self.signing_done.emit(False)

    def verified(self) -> bool:
        return bool(self.report) and verify(self.report).valid


def question_box(parent: QWidget, title: str, text: str) -> QMessageBox:
    """A yes/no question whose default is No: a slip of Enter must not approve or rebind a key."""
    box = QMessageBox(
        QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, parent
    )
    box.setDefaultButton(QMessageBox.StandardButton.No)
    box.setEscapeButton(QMessageBox.StandardButton.No)
    return box
