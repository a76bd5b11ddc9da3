"""A probe from another distribution plugs in through the API alone: it reads shared evidence, and its
summary row, chart, table and terminal line appear in the HTML report, the terminal and the GUI."""

from __future__ import annotations

import textwrap

import pytest

from certifier.cli.text import format_summary
from certifier.exporters.html_report import render_html
from certifier.policy.registry import discover_probes, load_profile
from certifier.run.presentation import contributions
from certifier.run.report import assess
from certifier.run.runner import Runner

PROBE_MODULE = """
from certifier.policy.evidence_kinds import LAUNCH_MAP
from certifier.policy.findings import Finding, Severity, Status
from certifier.policy.presentation import Bar, BarChart, SummaryRow, Table
from certifier.policy.probe_api import Probe


class HelpDeskProbe(Probe):
    id = "helpdesk"
    title = "Help-desk load"
    description = "Lessons the help desk will be asked about."
    needs = frozenset()
    uses = (LAUNCH_MAP,)

    def gather(self, ctx):
        units = ctx.shared(LAUNCH_MAP) or []
        return {"outputs": {"lessons": [{"launch": u["launch"], "files": len(u["files"])} for u in units]}}

    def evaluate(self, evidence, limits):
        count = len(evidence["outputs"]["lessons"])
        return [Finding("helpdesk.lessons", "Lessons to support", Severity.INFO, Status.PASS, measured=count)]

    @classmethod
    def summary_rows(cls, report):
        lessons = cls.outputs_in(report).get("lessons", [])
        return [SummaryRow("Help desk", f"{len(lessons)} lessons to support (acme-probe)", 45)]

    @classmethod
    def charts(cls, report):
        lessons = cls.outputs_in(report).get("lessons", [])
        return [BarChart.capped("Files per lesson (acme-probe)", "files",
                                [Bar(l["launch"], l["files"]) for l in lessons])]

    @classmethod
    def tables(cls, report):
        rows = tuple((l["launch"], str(l["files"])) for l in cls.outputs_in(report).get("lessons", []))
        return [Table("helpdesk", "Help-desk sheet", ("Lesson", "Files"), rows)]

    @classmethod
    def text_lines(cls, report):
        return ["Help desk: " + str(len(cls.outputs_in(report).get("lessons", []))) + " lessons"]
"""


@pytest.fixture
def third_party_probe(tmp_path, monkeypatch):
    """An installed distribution of its own: a module and a dist-info with its entry point."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "acme_helpdesk.py").write_text(PROBE_MODULE)
    info = site / "acme_helpdesk-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-helpdesk\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        textwrap.dedent("""
        [certifier.probes]
        helpdesk = acme_helpdesk:HelpDeskProbe
        """)
    )
    monkeypatch.syspath_prepend(str(site))
    probes, broken = discover_probes()
    assert "helpdesk" in probes and broken == []
    return probes


@pytest.fixture
def report_with_helpdesk(third_party_probe, sample_course):
    profile = load_profile("default")
    record = Runner(third_party_probe).run(sample_course, profile, ["conformance", "helpdesk"])
    assert [r.probe_id for r in record.probe_runs] == ["conformance", "helpdesk"]  # its publisher first
    return assess(record, profile, third_party_probe)


def test_its_row_chart_table_and_line_appear_in_html_and_terminal(report_with_helpdesk, third_party_probe):
    report = report_with_helpdesk
    assert report["outputs"]["helpdesk"]["lessons"][0]["launch"] == "pages/intro.html"
    page = render_html(report, probes=third_party_probe)
    assert "<th>Help desk</th><td>3 lessons to support (acme-probe)</td>" in page
    assert "<h3>Files per lesson (acme-probe)</h3><svg" in page and 'aria-label="Files per lesson (acme-probe)"' in page
    assert "<section id='helpdesk'><h2>Help-desk sheet</h2>" in page
    assert "Help desk: 3 lessons" in format_summary(report, contributions(report, third_party_probe).text_lines)


def test_its_chart_and_row_appear_in_the_gui(qtbot, gui_settings, report_with_helpdesk, third_party_probe):
    from certifier.ui.main_window import MainWindow

    window = MainWindow(probes=third_party_probe, settings=gui_settings)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitCallback() as shown:  # the views are laid out over a few turns of the event loop
        window.show_report(report_with_helpdesk, shown=shown)
    titles = [w.chart.title for w in window.chart_widgets]
    assert titles == ["Files per lesson (acme-probe)"]
    assert [b.label for b in window.chart_widgets[0].chart.bars] == [
        "pages/intro.html",
        "pages/lesson.html",
        "pages/quiz.html",
    ]
    window.tabs.setCurrentWidget(window.report_view)
    assert "3 lessons to support (acme-probe)" in window.report_view.toPlainText()


def test_a_failing_hook_costs_its_own_rows_not_the_report(report_with_helpdesk, third_party_probe, monkeypatch):
    broken = third_party_probe["helpdesk"]
    monkeypatch.setattr(broken, "summary_rows", classmethod(lambda cls, report: 1 / 0))
    page = render_html(report_with_helpdesk, probes=third_party_probe)
    assert "The probe &#x27;helpdesk&#x27; could not add its summary rows: ZeroDivisionError" in page
    assert "Files per lesson (acme-probe)" in page  # its chart still drawn
