"""The PDF report: the HTML report laid out by Qt's text engine (Qt is loaded only here).

QTextDocument does not draw inline SVG, so each chart is rendered to an image first.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from certifier.exporters.html_report import render_html

SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)
BANNER = re.compile(r"<header class='verdict (\w+)'>(.*?)</header>", re.DOTALL)
BANNER_COLOURS = {"ok": "#1e7d32", "cond": "#b26a00", "no": "#b3261e"}
CHART_SCALE = 3  # rasterise charts at three times their size: sharp when printed
# Lay out at 96 dpi so CSS pixels mean what they mean in a browser; text stays vector anyway.
PDF_RESOLUTION_DPI = 96
CONTENT_WIDTH_PX = 660  # A4 less 15 mm margins at 96 dpi
PDF_INVENTORY_FILES = 40  # past this, the PDF's inventory is per folder (the HTML and JSON list every file)
# Paper is read closer than a screen: a smaller type keeps a report to fewer pages.
PRINT_CSS = (
    "body { font-size: 12px; line-height: 1.3; } h2 { margin-top: 18px; } header.verdict { padding: 0; margin: 0; }"
)
TABLE_WITHOUT_WIDTH = re.compile(r"<table(?![^>]*\bwidth=)")


def _application():
    """A Qt application for fonts and painting; headless when there is no screen. A widgets
    application, not a bare GUI one: the process may open a window later (the window's export, a
    test run), and Qt aborts a widget made under a QGuiApplication."""
    if sys.platform.startswith("linux") and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication(["certifier-pdf"])


def _banner_table(match: re.Match) -> str:
    """Qt's text engine ignores CSS backgrounds on blocks; a table cell keeps the verdict's colour."""
    body = (
        match.group(2)
        .replace("style='color:#fff'", "")
        .replace("<h1>", "<h1 style='color:#ffffff'>")
        .replace("<div", "<p style='color:#ffffff'")
        .replace("</div>", "</p>")
    )
    return (
        f"<table width='100%' cellpadding='12'><tr><td bgcolor='{BANNER_COLOURS[match.group(1)]}'>"
        f"{body}</td></tr></table>"
    )


def qt_document(report: dict[str, Any], inventory_rows: int | None = None):
    """The report as a QTextDocument (charts as images): what the PDF prints and the GUI previews."""
    from PySide6.QtCore import QByteArray, QUrl
    from PySide6.QtGui import QFont, QImage, QPainter, QTextDocument
    from PySide6.QtSvg import QSvgRenderer

    document = QTextDocument()
    # No ligatures: "Office 01" must be found by search and copied as typed, not as "O\ufb03ce".
    font = document.defaultFont()
    for feature in ("liga", "clig", "dlig"):
        font.setFeature(QFont.Tag(feature), 0)
    document.setDefaultFont(font)
    charts: dict[str, QImage] = {}

    def rasterise(match: re.Match) -> str:
        renderer = QSvgRenderer(QByteArray(match.group(0).encode("utf-8")))
        size = renderer.defaultSize()
        image = QImage(size.width() * CHART_SCALE, size.height() * CHART_SCALE, QImage.Format.Format_ARGB32)
        image.fill(0xFFFFFFFF)
        painter = QPainter(image)
        renderer.render(painter)
        painter.end()
        name = f"chart-{len(charts)}.png"
        charts[name] = image
        scale = min(1.0, CONTENT_WIDTH_PX / size.width())
        return f'<img src="{name}" width="{int(size.width() * scale)}" height="{int(size.height() * scale)}">'

    html = BANNER.sub(_banner_table, SVG.sub(rasterise, render_html(report, inventory_rows)))
    html = TABLE_WITHOUT_WIDTH.sub("<table width='100%'", html)  # Qt reads the attribute, not CSS width
    html = html.replace("</style>", PRINT_CSS + "</style>", 1)
    for name, image in charts.items():
        document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), image)
    document.setHtml(html)
    return document


def render_pdf(report: dict[str, Any]) -> bytes:
    app = _application()  # noqa: F841 - must live while painting
    from PySide6.QtCore import QMarginsF, QSizeF
    from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter

    document = qt_document(report, PDF_INVENTORY_FILES)
    layout = QPageLayout(
        QPageSize(QPageSize.PageSizeId.A4),
        QPageLayout.Orientation.Portrait,
        QMarginsF(15, 15, 15, 15),
        QPageLayout.Unit.Millimeter,
    )
    # Lay the text out on the printable area at the writer's resolution: without it Qt lays out
    # on a narrower width and squeezes a table's text column to a letter per line.
    document.setPageSize(QSizeF(layout.paintRectPixels(PDF_RESOLUTION_DPI).size()))
    with tempfile.TemporaryDirectory(prefix="certifier-pdf-") as folder:
        target = Path(folder) / "report.pdf"
        writer = QPdfWriter(str(target))
        writer.setResolution(PDF_RESOLUTION_DPI)
        writer.setPageLayout(layout)
        writer.setTitle(f"Certification report — {report['package'].get('title') or report['package'].get('name')}")
        writer.setCreator(f"{report['tool']['name']} {report['tool']['version']}")
        document.print_(writer)  # print_ paginates; sizing the document to the page shrinks the text
        del writer  # finishes the file
        return target.read_bytes()


CHILD_TIMEOUT_S = 300


def export_pdf_in_child(report: dict[str, Any], path: str | Path) -> Path:
    """Write the PDF from a child process: laying out a long report holds the interpreter for a
    while, which the desktop app's UI thread must never wait for. Call from a worker thread."""
    import json
    import subprocess

    from certifier.errors import CertifierError
    from certifier.host.files import write_atomic

    with tempfile.TemporaryDirectory(prefix="certifier-pdf-") as folder:
        source, target = Path(folder) / "report.json", Path(folder) / "report.pdf"
        source.write_text(json.dumps(report), encoding="utf-8")
        try:
            done = subprocess.run(
                [sys.executable, "-m", __name__, str(source), str(target)],
                capture_output=True,
                text=True,
                timeout=CHILD_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise CertifierError(f"The PDF was not written within {CHILD_TIMEOUT_S} s.") from exc
        if done.returncode != 0 or not target.is_file():
            raise CertifierError(f"The PDF could not be written: {done.stderr.strip()[-500:] or done.returncode}")
        return write_atomic(path, target.read_bytes())


if __name__ == "__main__":  # python -m certifier.qt_adapters.report_document REPORT.json OUT.pdf
    import json

    Path(sys.argv[2]).write_bytes(render_pdf(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))))
