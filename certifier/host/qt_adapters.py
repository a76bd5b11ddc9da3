"""The one door from the core to Qt: the adapters it may start, named here, living outside the core
(``certifier.qt_adapters``) so that nothing in the core imports Qt."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from certifier.errors import CertifierError

PDF_RENDERER = "certifier.qt_adapters.report_document"  # report → PDF bytes, laid out by Qt's text engine
BROWSER_HELPER = "certifier.qt_adapters.browser_probe"  # run as `python -m`: lessons in Qt WebEngine
SESSION_HELPER = "certifier.qt_adapters.session_walk"  # run as `python -m`: a learner's whole session


def pdf_renderer() -> Callable[[dict[str, Any]], bytes]:
    try:
        module = importlib.import_module(PDF_RENDERER)
    except ImportError as exc:  # a headless install without PySide6
        raise CertifierError(
            f"PDF export needs PySide6 (Qt), which cannot be loaded here: {exc}. "
            "Export HTML instead, or install Course Certifier with its dependencies."
        ) from exc
    render: Callable[[dict[str, Any]], bytes] = module.render_pdf
    return render
