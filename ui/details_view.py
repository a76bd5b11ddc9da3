"""The details pane of a finding, and the viewer that shows a package file at a line."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices, QFont, QTextCursor, QTextFormat
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QTextBrowser, QTextEdit, QVBoxLayout

from certifier.policy.findings import evidence_label

from .findings_model import STATUS_COLOURS, value_text
from .workers import BackgroundTask

DETAILS_EVIDENCE_SHOWN = 200  # a finding can list a thousand mentions; the pane stays quick to lay out

SOURCE_VIEW_MAX_BYTES = 5 * 1024 * 1024  # larger files are shown truncated
EMPTY_DETAILS = "<p style='color:#5f6368'>Select a finding to see its evidence, the fix and the IT risk.</p>"


def finding_html(f: dict[str, Any]) -> str:
    e = html.escape
    colour = STATUS_COLOURS[f["status"]]
    parts = [
        f"<h3 style='margin-bottom:2px'>{e(f['title'])}</h3>",
        (
            f"<p><b style='color:{colour}'>{e(f['status'].upper())}</b> · {e(f['severity'])} · "
            f"<code>{e(f['rule_id'])}</code></p>"
        ),
        f"<p>{e(f['message'])}</p>",
    ]
    if f.get("limit") is not None or f.get("measured") is not None:
        parts.append(
            f"<p><b>Measured:</b> {e(value_text(f.get('measured'), f.get('unit')))}"
            + (
                f" &nbsp; <b>Limit:</b> {e(value_text(f.get('limit'), f.get('unit')))}"
                if f.get("limit") is not None
                else ""
            )
            + "</p>"
        )
    if f["evidence"]:
        links = []
        for i, ev in enumerate(f["evidence"][:DETAILS_EVIDENCE_SHOWN]):
            note = f" — {e(ev['note'])}" if ev.get("note") else ""
            if ev.get("url"):
                links.append(f"<a href='{e(ev['url'])}'>{e(ev['url'])}</a>{note}")
            else:
                links.append(f"<a href='evidence:{i}'>{e(evidence_label(ev))}</a>{note}")
        more = len(f["evidence"]) - DETAILS_EVIDENCE_SHOWN
        if more > 0:
            links.append(f"… and {more} more (all are in the JSON report)")
        parts.append("<p><b>Evidence:</b><br>" + "<br>".join(links) + "</p>")
    if f.get("remediation"):
        parts.append(f"<p><b>Fix:</b> {e(f['remediation'])}</p>")
    if f.get("it_risk"):
        parts.append(f"<p><b>IT risk:</b> {e(f['it_risk'])}</p>")
    if f.get("spec_ref"):
        parts.append(f"<p><b>Specification:</b> {e(f['spec_ref'])}</p>")
    return "".join(parts)


class FindingDetails(QTextBrowser):
    """Shows one finding; clicking a file:line link asks to view that file."""

    evidence_requested = Signal(str, int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setAccessibleName("Finding details")
        self.anchorClicked.connect(self._clicked)
        self._finding: dict[str, Any] | None = None
        self.show_finding(None)

    def show_finding(self, finding: dict[str, Any] | None) -> None:
        self._finding = finding
        self.setHtml(finding_html(finding) if finding else EMPTY_DETAILS)

    def _clicked(self, url: QUrl) -> None:
        text = url.toString()
        if text.startswith("evidence:") and self._finding:
            ev = self._finding["evidence"][int(text.split(":", 1)[1])]
            self.evidence_requested.emit(ev.get("path", ""), int(ev.get("line") or 0))
        elif url.scheme() in ("http", "https"):
            QDesktopServices.openUrl(url)


READ_WAIT_MS = 10_000


class SourceViewer(QDialog):
    """A package file's text, scrolled to and highlighting one line; read off the UI thread."""

    loaded = Signal()  # the text is shown (or why it cannot be)

    def __init__(self, path: str, line: int, read: Callable[[str, int], bytes], parent=None):
        super().__init__(parent)
        self.setWindowTitle(f"{path}" + (f" — line {line}" if line else ""))
        self.resize(900, 600)
        layout = QVBoxLayout(self)
        self.editor = QPlainTextEdit(self)
        self.editor.setReadOnly(True)
        self.editor.setAccessibleName("File content")
        self.editor.setFont(QFont("DejaVu Sans Mono"))
        self.notice = QLabel(self)
        layout.addWidget(self.notice)
        layout.addWidget(self.editor)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.path, self.line = path, line
        self.notice.setText(f"Reading {path}…")
        # A large zip's directory takes a while to read: never on the UI thread.
        self._task = BackgroundTask(lambda: read(path, SOURCE_VIEW_MAX_BYTES + 1), self)
        self._task.succeeded.connect(self._show)
        self._task.failed.connect(self._failed)
        self._task.start()

    def _failed(self, exc: Exception) -> None:  # the package may have changed or been moved since the run
        self.notice.setText(f"Cannot show {self.path}: {exc}")
        self.loaded.emit()

    def _show(self, data: bytes) -> None:
        self._fill(data, self.path, self.line)
        self.loaded.emit()

    def done(self, result: int) -> None:
        if self._task.isRunning():  # one bounded read: let it end rather than destroy a running thread
            self._task.wait(READ_WAIT_MS)
        super().done(result)

    def _fill(self, data: bytes, path: str, line: int) -> None:
        if b"\x00" in data[:4096]:
            self.notice.setText(f"{path} is a binary file ({len(data):,} bytes or more); nothing to show as text.")
            return
        truncated = len(data) > SOURCE_VIEW_MAX_BYTES
        self.editor.setPlainText(data[:SOURCE_VIEW_MAX_BYTES].decode("utf-8", errors="replace"))
        self.notice.setText(f"{path}: first {SOURCE_VIEW_MAX_BYTES // 2**20} MB shown." if truncated else path)
        if line:
            self.go_to_line(line)

    def go_to_line(self, line: int) -> None:
        block = self.editor.document().findBlockByLineNumber(max(line - 1, 0))
        cursor = QTextCursor(block)
        self.editor.setTextCursor(cursor)
        highlight = QTextEdit.ExtraSelection()
        highlight.format.setBackground(QColor("#fff3b0"))
        highlight.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
        highlight.cursor = cursor
        self.editor.setExtraSelections([highlight])
        self.editor.centerCursor()

    def current_line(self) -> int:
        return self.editor.textCursor().blockNumber() + 1
