"""The desktop window, driven offscreen through pytest-qt as a person would use it."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from certifier.policy.probe_api import Probe
from certifier.policy.registry import discover_probes
from certifier.ui.workers import running_threads
from tests.factories import build_zip

pytestmark = pytest.mark.qt
RUN_TIMEOUT_MS = 60_000


def open_and_wait(qtbot, window, path=None):
    with qtbot.waitSignal(window.course_loaded, timeout=RUN_TIMEOUT_MS) as blocker:
        window.open_course(str(path)) if path else window.open_first_course()
    return blocker.args[0]


def run_and_wait(qtbot, window):
    qtbot.waitUntil(window.run_button.isEnabled, timeout=5000)  # the previous run has fully wound down
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(window.run_button, Qt.MouseButton.LeftButton)
    # The run ends by listing the history afresh, off the UI thread: a person sees the list fill a moment later.
    qtbot.waitUntil(lambda: window.run_button.isEnabled() and not running_threads(), timeout=5000)
    return blocker.args[0]


def test_fonts_are_installed(qapp):
    assert QFontDatabase.families(), "no fonts: every glyph would be an empty box (install fonts-dejavu-core)"


def test_first_launch_opens_the_sample_course_with_embedded_staging(qtbot, window):
    summary = open_and_wait(qtbot, window)
    assert summary["title"] == "Working Safely on the Corporate Network"
    assert window.course_title.text() == summary["title"]
    assert window.course_standard.text() == "SCORM 2004 4th Edition"
    assert window.course_sha.text() == summary["sha256"] and len(summary["sha256"]) == 64
    assert window.embedded_radio.isChecked() and window.staging_target() is None


def test_run_filter_details_source_and_export(qtbot, window, tmp_path, report_validator):
    open_and_wait(qtbot, window)
    report = run_and_wait(qtbot, window)
    assert report["verdict"] in window.verdict_label.text()
    proxy = window.findings_proxy
    assert proxy.rowCount() == 0  # the default filter shows problems only, and the sample has none
    assert "passed" in window.empty_findings.text()

    window.status_filter.setCurrentText("All statuses")
    assert proxy.rowCount() == len(report["findings"])
    window.severity_filter.setCurrentText("blocker")
    rows = [proxy.index(r, 0).data() for r in range(proxy.rowCount())]
    assert rows and set(rows) == {"blocker"}
    window.severity_filter.setCurrentText("All severities")
    qtbot.keyClicks(window.search, "item-reference")
    assert proxy.rowCount() == 1

    window.table.selectRow(0)
    assert "Every item refers to an existing resource" in window.details.toPlainText()
    assert "imsmanifest.xml" not in window.details.toPlainText()  # a pass has no evidence

    window.search.clear()
    qtbot.keyClicks(window.search, "launch-href")
    window.table.selectRow(0)
    from certifier.host.resources_path import sample_course_path
    from tests.probe_helpers import line_of

    line = line_of((sample_course_path() / "imsmanifest.xml").read_text(), 'identifier="res-intro"')
    viewer = window.show_source("imsmanifest.xml", line)
    qtbot.addWidget(viewer)
    qtbot.waitSignal(viewer.loaded, timeout=10_000).wait()
    assert viewer.current_line() == line
    assert 'identifier="res-intro"' in viewer.editor.document().findBlockByLineNumber(line - 1).text()

    titles = [w.chart.title for w in window.chart_widgets]  # the charts show this run's data
    assert any("bitrate" in t for t in titles) and any("waterfall" in t.lower() for t in titles), titles
    assert window.no_charts_label.isHidden()
    window.tabs.setCurrentWidget(window.report_view)
    assert report["verdict"] in window.report_view.toPlainText()  # the preview shows the report
    out = window.export_report(str(tmp_path / "report.json"), "json")
    report_validator(json.loads(out.read_text()))
    assert window.export_report(str(tmp_path / "r.html"), "html").read_text().startswith("<!DOCTYPE html>")
    assert window.export_report(str(tmp_path / "r.pdf"), "pdf").read_bytes().startswith(b"%PDF-")
    assert b"<testsuites" in window.export_report(str(tmp_path / "r.xml"), "junit").read_bytes()


def test_evidence_link_opens_the_file_at_its_line(qtbot, window, tmp_path):
    from certifier.host.resources_path import sample_course_path

    root = sample_course_path()
    files = {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    files["pages/intro.html"] = files["pages/intro.html"].replace(b"../images/logo.png", b"../images/missing.png", 1)
    course = build_zip(tmp_path / "broken.zip", files)
    open_and_wait(qtbot, window, course)
    run_and_wait(qtbot, window)
    qtbot.keyClicks(window.search, "missing-reference")
    assert window.findings_proxy.rowCount() == 1
    window.table.selectRow(0)
    finding = window.details._finding
    opened = []
    window.details.evidence_requested.connect(lambda path, line: opened.append((path, line)))
    window.details.anchorClicked.emit(QUrl("evidence:0"))
    assert opened == [(finding["evidence"][0]["path"], finding["evidence"][0]["line"])]
    assert opened[0][0] == "pages/intro.html"
    # The window opened the file at that line; its read runs off the UI thread: wait for it, then close it.
    from certifier.ui.details_view import SourceViewer

    viewer = window.findChildren(SourceViewer)[-1]
    # Wait for what the user sees (the read's result reaches the UI thread after the thread ends).
    qtbot.waitUntil(lambda: "missing.png" in viewer.editor.toPlainText(), timeout=10_000)
    qtbot.waitUntil(lambda: not running_threads(), timeout=10_000)
    assert viewer.path == "pages/intro.html"
    viewer.close()


def test_hostile_course_shows_the_core_message(qtbot, window, tmp_path):
    path = tmp_path / "evil.zip"
    build_zip(path, {"index.html": "x", "xxxxxxxxxxxxx": "boom"})
    path.write_bytes(path.read_bytes().replace(b"xxxxxxxxxxxxx", b"../../evil.sh"))
    error = open_and_wait(qtbot, window, path)
    assert "climbs out" in window.course_error.text() and "Traceback" not in window.course_error.text()
    assert isinstance(error, Exception)
    report = run_and_wait(qtbot, window)
    assert report["verdict"] == "NOT CERTIFIED"


class SlowProbe(Probe):
    id = "slow"
    title = "A slow probe"

    def gather(self, ctx):
        for _ in range(3000):
            time.sleep(0.01)
            ctx.checkpoint()
        return {}

    def evaluate(self, evidence, limits):
        return []


def test_cancel_takes_effect_within_a_second(qtbot, gui_settings):
    from certifier.ui.main_window import MainWindow

    probes = {**discover_probes()[0], "slow": SlowProbe}
    win = MainWindow(probes=probes, settings=gui_settings)
    qtbot.addWidget(win)
    win.show()
    open_and_wait(qtbot, win)
    qtbot.mouseClick(win.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: "A slow probe" in " ".join(win.step_list.item(i).text() for i in range(win.step_list.count())),
        timeout=RUN_TIMEOUT_MS,
    )
    assert win.cancel_button.isEnabled()
    with qtbot.waitSignal(win.run_finished, timeout=5000) as blocker:
        start = time.monotonic()
        qtbot.mouseClick(win.cancel_button, Qt.MouseButton.LeftButton)
    assert time.monotonic() - start < 1.0
    assert blocker.args[0]["run"]["status"] == "cancelled"
    qtbot.waitUntil(lambda: win.run_thread is None, timeout=2000)
    assert win.run_button.isEnabled() and not win.cancel_button.isEnabled()


def test_credentials_are_never_written_to_settings(qtbot, window, gui_settings):
    window.url_radio.setChecked(True)
    window.staging_url.setText("https://staging.invalid/course/")
    window.staging_user.setText("reviewer")
    window.staging_password.setText("s3cret-Pa55")
    assert window.staging_target() == "https://staging.invalid/course/"
    window.close()
    gui_settings.sync()
    text = Path(gui_settings.fileName()).read_text(encoding="utf-8", errors="replace")
    assert "s3cret-Pa55" not in text and "reviewer" not in text


def test_window_state_and_profile_are_restored(qtbot, gui_settings):
    from certifier.ui.main_window import MainWindow

    first = MainWindow(settings=gui_settings)
    qtbot.addWidget(first)
    first.show()
    # Within the offscreen screen (800×600): restoreGeometry clamps to the screen. 800 is also the
    # narrowest the window goes (the set-up panel whole beside the tabs): the height shows the restore.
    first.resize(800, 540)
    first.profile_combo.setCurrentText("branch-office")
    first.close()
    second = MainWindow(settings=gui_settings)
    qtbot.addWidget(second)
    second.show()
    assert (second.width(), second.height()) == (800, 540)
    assert second.profile_combo.currentText() == "branch-office"


def test_keyboard_shortcuts(qtbot, window):
    shortcuts = {
        a.text().replace("&", ""): a.shortcut().toString()
        for a in (window.open_action, window.run_action, window.cancel_action, window.export_action)
    }
    assert shortcuts == {"Open course…": "Ctrl+O", "Run": "Ctrl+R", "Cancel": "Esc", "Export report…": "Ctrl+E"}
    open_and_wait(qtbot, window)
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS):
        window.run_action.trigger()


def test_drop_a_course_on_the_window(qtbot, window, tmp_path):
    course = build_zip(tmp_path / "dropped.zip", {"index.html": "<html><title>x</title></html>"})
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(course))])
    event = QDropEvent(
        QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
    )
    with qtbot.waitSignal(window.course_loaded, timeout=RUN_TIMEOUT_MS):
        window.dropEvent(event)
    assert window.course_path == str(course) and window.course_standard.text() == "HTML"
    assert str(course) == window.recent_courses()[0]


def test_large_font_at_1280x720_keeps_controls_usable(qtbot, gui_settings, qapp):
    from certifier.ui.main_window import MainWindow

    original = qapp.font()
    big = QFont(original)
    big.setPointSize(16)
    qapp.setFont(big)
    try:
        win = MainWindow(settings=gui_settings)
        qtbot.addWidget(win)
        win.resize(1280, 720)
        win.show()
        qtbot.waitExposed(win)
        for button in (win.run_button, win.cancel_button):
            assert button.width() >= button.sizeHint().width() * 0.9, "button squeezed below its text"
            top_left = button.mapTo(win, QPoint(0, 0))
            assert top_left.x() >= 0 and top_left.x() + button.width() <= win.width()
    finally:
        qapp.setFont(original)


def test_ui_thread_stays_responsive_during_a_full_run(tmp_path):
    """A 10 ms heartbeat on the UI thread never waits 100 ms during a full run of a 3,001-file course.

    Measured in a fresh process running the real window (tests/heartbeat_run.py): the pytest
    process carries threads and state of earlier tests that are not the application's.
    """
    import json
    import os
    import subprocess
    import sys

    pages = {
        f"lesson{i:04}/index.html": "<html><body>" + "<p>text</p>\n" * 200 + f'<img src="fig{i}.png"></body></html>'
        for i in range(1500)
    }
    pages.update({f"lesson{i:04}/fig{i}.png": bytes(2000) for i in range(1500)})
    pages["index.html"] = (
        "<html>" + "".join(f'<a href="lesson{i:04}/index.html">L</a>' for i in range(1500)) + "</html>"
    )
    course = build_zip(tmp_path / "big.zip", pages)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-m", "tests.heartbeat_run", str(course), str(tmp_path / "s.ini")],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"worst UI heartbeat gap: {measured['worst_ms']} ms (per phase: {measured['phases']})")
    assert measured.get("verdict"), "the run did not finish"
    assert set(measured["phases"]) == {"run", "export_pdf", "history"}, "the export or history phase did not finish"
    assert measured["beats"] > 20, "the run was too short to measure"
    assert measured["worst_ms"] < 100, f"UI thread blocked for {measured['worst_ms']} ms"


def test_sign_off_then_reopen_shows_the_verified_signature(qtbot, window, tmp_path):
    from certifier.ui.signoff_dialog import SignOffDialog

    open_and_wait(qtbot, window)
    run_and_wait(qtbot, window)
    path = window.export_report(str(tmp_path / "report.json"), "json")
    dialog = window.open_sign_off(str(path))
    qtbot.addWidget(dialog)
    assert dialog.status.text() == "Not signed yet."
    assert dialog.decision.currentIndex() == -1 and not dialog.sign_button.isEnabled()  # no decision preselected
    dialog.reviewer.setText("Dana Network")
    dialog.decision.setCurrentText("conditional")
    with qtbot.waitSignal(dialog.signing_done, timeout=10_000) as done:
        qtbot.mouseClick(dialog.sign_button, Qt.MouseButton.LeftButton)
    assert done.args == [False] and dialog.report.get("signatures") is None  # a conditional needs conditions
    assert "conditions" in dialog.problem.text()
    dialog.conditions.setPlainText("after the proxy allow-list change")
    with qtbot.waitSignal(dialog.signing_done, timeout=10_000) as done:
        qtbot.mouseClick(dialog.sign_button, Qt.MouseButton.LeftButton)
    assert done.args == [True]
    assert "exported before signing do not carry this decision" in dialog.problem.text()
    reopened = SignOffDialog(str(path))
    qtbot.addWidget(reopened)
    assert reopened.verified() and reopened.status.text().startswith("Signatures verified.")
    assert "Dana Network" in reopened.status.text()
    signed_text = path.read_text()
    path.write_text(signed_text.replace("after the proxy allow-list change", "none"))
    edited = SignOffDialog(str(path))
    qtbot.addWidget(edited)
    edited.decision.setCurrentText("reject")  # neither shown as a certificate nor signable
    assert "SIGNATURES DO NOT VERIFY" in edited.status.text() and not edited.sign_button.isEnabled()
    assert "changed after it was signed" in edited.preview.toPlainText()
    path.write_text(signed_text.replace('"verdict": "', '"verdict": "X', 1))
    tampered = SignOffDialog(str(path))
    qtbot.addWidget(tampered)
    assert "SIGNATURES DO NOT VERIFY" in tampered.status.text() and "verdict" in tampered.status.text()


def test_the_sign_off_questions_default_to_no(qtbot):
    """Enter on a question that approves a failed report or rebinds the signing key answers No."""
    from PySide6.QtWidgets import QMessageBox, QWidget

    from certifier.ui.signoff_dialog import question_box

    parent = QWidget()
    qtbot.addWidget(parent)
    box = question_box(parent, "Sign under another name?", "Bind it to Mallory instead?")
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.No)
    assert box.escapeButton() is box.button(QMessageBox.StandardButton.No)


def test_a_descriptor_picked_or_dropped_opens_its_course_folder(qtbot, window, sample_course):
    summary = open_and_wait(qtbot, window, sample_course / "imsmanifest.xml")
    assert summary["path"] == str(sample_course) and window.course_path == str(sample_course)
    assert window.open_folder_action.shortcut().toString() == "Ctrl+Shift+O"  # folders have a shortcut too
    assert summary["standard"].startswith("SCORM")


def test_opening_another_course_clears_the_previous_runs_steps(qtbot, window, tmp_path):
    open_and_wait(qtbot, window)
    run_and_wait(qtbot, window)
    assert window.step_list.count() > 0 and window.progress.value() > 0
    other = build_zip(tmp_path / "other.zip", {"index.html": "<html><body>Other</body></html>"})
    open_and_wait(qtbot, window, other)
    assert window.step_list.count() == 0 and window.progress.value() == 0 and window.report is None


def test_history_tab_lists_runs_and_compares_two(qtbot, window):
    open_and_wait(qtbot, window)
    run_and_wait(qtbot, window)
    window.profile_combo.setCurrentText("branch-office")
    run_and_wait(qtbot, window)
    qtbot.waitUntil(lambda: window.history_table.rowCount() == 2, timeout=10_000)  # read off the UI thread
    window.history_table.selectAll()
    with qtbot.waitSignal(window.comparison_shown, timeout=10_000) as shown:
        window.compare_selected()
    text = shown.args[0]
    assert text.startswith("Verdict: ") and "Fixed (" in text


def test_desktop_readiness_uses_the_screen_and_the_course(qtbot, window):
    open_and_wait(qtbot, window)
    window.tabs.setCurrentIndex(window.tabs.count() - 1)
    with qtbot.waitSignal(window.desktop_checked, timeout=RUN_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(window.desktop_button, Qt.MouseButton.LeftButton)
    report = blocker.args[0]
    findings = {f["rule_id"]: f for f in report["findings"]}
    screen = QApplication.primaryScreen().geometry()
    assert (
        findings["machine.screen"]["measured"] == f"{screen.width()}x{screen.height()}"
    )  # Qt's geometry reached the probe
    assert findings["machine.course-plugins"]["status"] == "pass"  # the sample course needs no plugin
    text = window.desktop_view.toPlainText()
    assert "GB RAM" in text and findings["machine.screen"]["title"] in text  # "Screen size" or "Screen too small"
    from certifier.ui.desktop_history_tabs import machine_readiness

    machine = [f for f in report["findings"] if f["rule_id"].startswith("machine.")]
    assert text.startswith(machine_readiness(machine))
    assert "Fix" in text  # each failing check shows its fix
    for f in machine:
        if f["status"] in ("fail", "warn") and f["remediation"]:
            assert f["remediation"][:40] in text.replace("\n", " ")


def test_network_profile_choice_reaches_the_run(qtbot, window):
    assert window.network_combo.currentData() == "cable"  # the default profile's target network
    window.network_combo.setCurrentIndex(window.network_combo.findData("3g"))
    assert window.current_profile().section("network")["target_network"] == "3g"
    window.profile_combo.setCurrentText("branch-office")
    assert window.network_combo.currentData() == "branch-office"


def test_cancel_a_run_stuck_on_a_slow_staging_server(qtbot, window):
    from tests.fault_servers import Trickle, serve

    open_and_wait(qtbot, window)
    with serve(Trickle) as url:
        window.url_radio.setChecked(True)
        window.staging_url.setText(url)
        qtbot.mouseClick(window.run_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: any("Page load" in window.step_list.item(i).text() for i in range(window.step_list.count())),
            timeout=RUN_TIMEOUT_MS,
        )
        qtbot.wait(300)  # the probe is now inside a response that trickles one byte at a time
        with qtbot.waitSignal(window.run_finished, timeout=5000) as blocker:
            start = time.monotonic()
            qtbot.mouseClick(window.cancel_button, Qt.MouseButton.LeftButton)
        assert time.monotonic() - start < 1.0
    assert blocker.args[0]["run"]["status"] == "cancelled"
    qtbot.waitUntil(lambda: window.run_thread is None, timeout=2000)
