"""The sign-off dialog for IT reviewers: open a report, read it, see its signatures, decide, sign."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QPlainTextEdit, QPushButton, QSplitter, QTextBrowser,
                               QVBoxLayout, QWidget)

from certifier.errors import CertifierError
from certifier.qt_adapters.report_document import qt_document
from certifier.run.report import write_json_atomic
from certifier.records.signoff import DECISIONS, sign_off, verify


class SignOffDialog(QDialog):
    def __init__(self, path: str | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Sign off a certification report")
        self.resize(1000, 700)
        self.path: str | None = None
        self.report: dict[str, Any] | None = None
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
        form_widget = QWidget()
        form = QFormLayout(form_widget)
        self.reviewer = QLineEdit()
        self.reviewer.setAccessibleName("Reviewer name")
        self.role = QComboBox()
        self.role.setEditable(True)
        self.role.addItems(["network", "desktop", "security", "training"])
        self.role.setAccessibleName("Reviewer role")
        self.decision = QComboBox()
        self.decision.addItems(DECISIONS)
        self.decision.setAccessibleName("Decision")
        self.comment = QPlainTextEdit()
        self.comment.setAccessibleName("Comment")
        self.conditions = QPlainTextEdit()
        self.conditions.setAccessibleName("Conditions")
        self.sign_button = QPushButton("Sign decision")
        self.sign_button.setAccessibleName("Sign the decision")
        self.sign_button.setEnabled(False)
        self.sign_button.clicked.connect(self.sign)
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
        split.addWidget(form_widget)
        split.setSizes([650, 350])
        layout.addWidget(split, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        if path:
            self.open_report(path)

    def choose_report(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a report", "", "Reports (*.json)")
        if path:
            self.open_report(path)

    def open_report(self, path: str) -> None:
        from certifier.run.report import load_report
        from certifier.run.report import report_problems

        try:
            # Unchecked first: an edited report must still show why its signatures fail.
            self.report = load_report(path, validate=False)
        except CertifierError as exc:
            self.status.setText(str(exc))
            self.sign_button.setEnabled(False)
            return
        self.path = path
        self.path_label.setText(path)
        problems = report_problems(self.report)
        if problems:  # not the published report shape: neither shown nor signable
            self.preview.setPlainText("This report does not match the report schema, so it is not shown and "
                                      "cannot be signed: " + "; ".join(problems))
        else:
            self.preview.setDocument(qt_document(self.report, inventory_rows=100))
        self.sign_button.setEnabled(not problems)
        self._show_verification()

    def _show_verification(self) -> None:
        if not self.report.get("signatures"):
            self.status.setText("Not signed yet.")
            self.status.setStyleSheet("color: #5f6368")
            return
        result = verify(self.report)
        self.status.setText(("Signatures verified. " if result.valid else "SIGNATURES DO NOT VERIFY. ")
                            + " ".join(result.lines))
        self.status.setStyleSheet("color: #1e7d32" if result.valid else "color: #b3261e; font-weight: bold")

    def sign(self) -> None:
        if not self.report or not self.path:
            return
        try:
            signed = sign_off(self.report, self.reviewer.text(), self.decision.currentText(),
                              comment=self.comment.toPlainText(), conditions=self.conditions.toPlainText(),
                              role=self.role.currentText())
        except CertifierError as exc:
            self.problem.setText(str(exc))  # shown beside the form: the reviewer fixes it and signs again
            return
        self.problem.setText("")
        write_json_atomic(self.path, signed)
        self.open_report(self.path)

    def verified(self) -> bool:
        return bool(self.report) and verify(self.report).valid
