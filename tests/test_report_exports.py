"""HTML, PDF and JUnit renderings of real runs, parsed back and checked."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from xml.etree import ElementTree

import pytest

from certifier.exporters import export
from tests.probe_helpers import check

PROBES = ("package", "conformance", "media")


class Outline(HTMLParser):
    def __init__(self):
        super().__init__()
        self.sections, self.findings, self.scripts, self.svgs, self.text = [], 0, 0, 0, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self.sections.append(attrs.get("id"))
        if tag == "div" and "finding" in (attrs.get("class") or "").split():
            self.findings += 1
        if tag == "script":
            self.scripts += 1
        if tag == "svg":
            self.svgs += 1
        if tag in ("link", "img") and (attrs.get("href") or attrs.get("src") or "").startswith("http"):
            raise AssertionError(f"report loads from the network: {attrs}")

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory, sample_course):
    """A run of a course whose title and a file name try to inject markup."""
    folder = tmp_path_factory.mktemp("hostile") / "course"
    shutil.copytree(sample_course, folder)
    manifest = folder / "imsmanifest.xml"
    manifest.write_text(
        manifest.read_text().replace(
            "<title>Working Safely on the Corporate Network</title>",
            "<title>&lt;script&gt;alert('pwned')&lt;/script&gt; Safety</title>",
        )
    )
    intro = folder / "pages" / "intro.html"
    intro.write_text(intro.read_text().replace("</main>", '<img src="../images/&lt;b&gt;bold&lt;/b&gt;.png"></main>'))
    return check(folder, PROBES)


def test_html_report_sections_counts_and_escaping(hostile_report, tmp_path):
    path = export(hostile_report, tmp_path / "report.html", "html")
    text = path.read_text(encoding="utf-8")
    outline = Outline()
    outline.feed(text)
    assert outline.sections == [
        "answer",
        "summary",
        "decisions",
        "findings",
        "charts",
        "grading",
        "probes",
        "appendix-checks",
        "appendix-inventory",
        "appendix-profile",
    ]
    problems = [f for f in hostile_report["findings"] if f["status"] in ("fail", "error", "warn")]
    assert outline.findings == len(problems) > 0
    assert outline.scripts == 0, "package text became a script element"
    assert "<script>alert" not in text and "&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;" in text
    assert outline.svgs >= 1  # the media chart
    joined = "".join(outline.text)
    assert hostile_report["verdict"] in joined and "Summary for IT" in joined
    assert str(len(hostile_report["inventory"])) + " files" in joined


def test_pdf_has_the_verdict_on_page_one(hostile_report, tmp_path):
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed; scripts/bootstrap installs it")
    path = export(hostile_report, tmp_path / "report.pdf", "pdf")
    assert path.read_bytes().startswith(b"%PDF-")
    page_one = subprocess.run(
        ["pdftotext", "-l", "1", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert hostile_report["verdict"] in page_one
    assert "Summary for IT" in page_one


def test_junit_shape_and_counts(hostile_report, tmp_path):
    path = export(hostile_report, tmp_path / "junit.xml", "junit")
    root = ElementTree.parse(path).getroot()
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert {s.get("name") for s in suites} == {"package", "conformance", "media"}
    cases = root.findall("testsuite/testcase")
    assert len(cases) == len(hostile_report["findings"]) == int(root.get("tests"))
    failures = root.findall("testsuite/testcase/failure")
    assert len(failures) == sum(f["status"] == "fail" for f in hostile_report["findings"]) == int(root.get("failures"))
    for suite in suites:
        assert int(suite.get("tests")) == len(suite.findall("testcase"))
    assert all(f.get("message") and f.get("type") in ("blocker", "major", "minor", "info") for f in failures)


def test_cli_writes_every_format(tmp_path):
    from tests.conftest import run_cli

    out = {
        fmt: tmp_path / f"r.{ext}"
        for fmt, ext in (("json", "json"), ("html", "html"), ("junit", "xml"), ("pdf", "pdf"))
    }
    result = run_cli(
        "check",
        "--demo",
        "--probe",
        "package",
        "--probe",
        "conformance",
        "--no-history",
        *[arg for fmt, p in out.items() for arg in (f"--{fmt}", str(p))],
    )
    assert result.returncode in (0, 3), result.stderr
    assert all(p.stat().st_size > 200 for p in out.values())


def test_a_window_can_open_in_a_process_that_rendered_a_pdf_first():
    """The PDF renderer's Qt application must serve widgets too: a QGuiApplication made for the PDF
    made the next QWidget abort the whole process (a test worker crashed on it)."""
    import os
    import sys

    script = (
        "from certifier.qt_adapters.report_document import _application; _application()\n"
        "from PySide6.QtWidgets import QWidget; QWidget(); print('window made')"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", script], check=False, capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0 and "window made" in done.stdout, done.stderr[-500:]
