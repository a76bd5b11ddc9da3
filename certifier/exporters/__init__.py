"""Renderings of the report JSON: HTML, PDF, JUnit XML. The JSON stays the one source of truth."""

from __future__ import annotations

from pathlib import Path
from typing import Any

FORMATS = ("json", "html", "pdf", "junit")


def export(report: dict[str, Any], path: str | Path, fmt: str) -> Path:
    """Write ``report`` as ``fmt`` to ``path`` atomically."""
    from certifier.host.files import write_atomic
    from certifier.run.report import write_json_atomic

    if fmt == "json":
        return write_json_atomic(path, report)
    if fmt == "html":
        from certifier.exporters.html_report import render_html

        return write_atomic(path, render_html(report).encode("utf-8"))
    if fmt == "junit":
        from certifier.exporters.junit import render_junit

        return write_atomic(path, render_junit(report))
    if fmt == "pdf":
        from certifier.host.qt_adapters import pdf_renderer  # loads Qt only here

        return write_atomic(path, pdf_renderer()(report))
    raise ValueError(f"Unknown report format '{fmt}' (known: {', '.join(FORMATS)}).")
