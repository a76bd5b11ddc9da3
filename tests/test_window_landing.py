"""The window after a run: the Answer tab first (IT's answer per site type, the measured check,
what to fix first, each a link to its finding), and the left panel whole at a laptop's size."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import QUrl

from certifier.exporters.html_report import finding_anchor
from tests.test_gui import open_and_wait, run_and_wait

pytestmark = pytest.mark.qt


@pytest.fixture
def course_missing_an_image(tmp_path, sample_course):
    """The sample course, its logo left out of the package: a defect every reviewer would list first."""
    folder = tmp_path / "course"
    shutil.copytree(sample_course, folder)
    (folder / "images" / "logo.png").unlink()
    return folder


def test_the_answer_is_shown_first_with_the_site_types_the_measured_check_and_the_first_defect(
    qtbot, window, course_missing_an_image
):
    assert window.probe_checks["linktest"].isEnabled()
    window.probe_checks["linktest"].setChecked(True)  # as the window starts: the demo's probes
    open_and_wait(qtbot, window, course_missing_an_image)
    report = run_and_wait(qtbot, window)
    assert window.tabs.currentWidget() is window.answer_view
    text = window.answer_view.toPlainText()
    for kind in ("HQ (2 sites)", "Hub (8 sites)", "Branch (30 sites)", "Office (20 sites)"):
        assert kind in text
    assert "A wave is the group of a site's learners" in text
    assert "Capacity — measured" in text and "One learner's demand" in text
    worst = [f for f in report["findings"] if f["status"] == "fail" and f["severity"] in ("blocker", "major")]
    assert worst, "the missing logo must fail a blocker or major check"
    first = text.split("To fix first")[1]
    assert worst[0]["title"] in first.splitlines()[1]
    # The link opens the finding in the Findings tab, selected, whatever the filters showed.
    anchor = finding_anchor(worst[0])
    assert f'href="#{anchor}"' in window.answer_view.toHtml()
    window.severity_filter.setCurrentText("minor")
    window.answer_view.anchorClicked.emit(QUrl("#" + anchor))
    assert window.tabs.currentWidget() is window.findings_tab
    assert window.details._finding is not None and window.details._finding["rule_id"] == worst[0]["rule_id"]
    assert worst[0]["title"] in window.details.toPlainText()


def test_before_a_run_the_answer_tab_says_what_it_will_show(qtbot, window):
    assert window.tabs.currentWidget() is window.answer_view
    assert "after a run" in window.answer_view.toPlainText()


def test_the_left_panel_shows_its_buttons_whole_at_1280x720_and_widens_with_the_splitter(qtbot, window):
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QAbstractButton, QComboBox, QScrollArea, QSplitter

    window.resize(1280, 720)
    qtbot.waitUntil(lambda: window.width() == 1280)
    panel = window.findChild(QScrollArea, "setup-panel")
    viewport = panel.viewport()
    children = [*panel.widget().findChildren(QAbstractButton), *panel.widget().findChildren(QComboBox)]
    controls = [w for w in children if w.isVisible()]
    assert len(controls) >= 10
    for control in controls:
        right = control.mapTo(viewport, QPoint(control.width(), 0)).x()
        assert right <= viewport.width(), f"{control.accessibleName() or control.text()} is clipped"
    splitter = window.findChild(QSplitter, "main-splitter")
    before = splitter.sizes()[0]
    splitter.setSizes([before + 200, splitter.sizes()[1] - 200])
    assert splitter.sizes()[0] == before + 200
    qtbot.waitUntil(lambda: panel.widget().width() >= viewport.width() > before)


def test_ctrl_o_opens_a_course_folder_by_its_manifest(qtbot, window, monkeypatch, sample_course):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QFileDialog

    picked = str(sample_course / "imsmanifest.xml")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (picked, "")))
    window.activateWindow()
    with qtbot.waitSignal(window.course_loaded, timeout=30_000) as loaded:
        qtbot.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    summary = loaded.args[0]
    assert summary["path"] == str(sample_course) and window.course_path == str(sample_course)
    assert "SCORM 2004" in window.course_standard.text()
