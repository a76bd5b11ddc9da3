"""What the browser helpers share: Qt WebEngine started for lessons, one sized view per lesson run
at once (a *slot*) with its own profile, loopback-only requests, console errors recorded, and a
scheduler that steps each lesson's generator from a timer so several lessons run at once.

Qt is imported inside :func:`start_browser` only: this module is loaded by helper processes.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Generator, Iterator
from typing import Any

TICK_MS = 50
CONSOLE_KEPT = 50  # console errors (and blocked requests) kept per lesson
ALLOWED_SCHEMES = ("data", "blob", "about", "qrc")

Lesson = Generator[None, None, dict[str, Any]]


class Browser:
    """The started Qt application and what a helper needs of Qt WebEngine."""

    def __init__(self, allowed_host: str, width: int, height: int) -> None:
        from PySide6.QtCore import QCoreApplication, Qt, qVersion
        from PySide6.QtWidgets import QApplication

        QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
        self.app = QApplication([sys.argv[0]])
        self.engine = f"Qt WebEngine (Qt {qVersion()})"
        self.allowed_host = allowed_host
        self.width, self.height = width, height

    def slots(self, count: int) -> list[Any]:
        return [new_slot(self) for _ in range(max(1, count))]

    def run(
        self,
        slots: list[Any],
        jobs: list[Callable[[Any], Lesson]],
        deadline: float,
        not_run: Callable[[int], dict[str, Any]],
    ) -> list[dict[str, Any]]:
        """Run each job (a generator over a slot) with the slots at once; results in job order."""
        from PySide6.QtCore import QTimer

        queue: list[tuple[int, Callable[[Any], Lesson]]] = list(enumerate(jobs))
        results: dict[int, dict[str, Any]] = {}
        running: dict[int, tuple[int, Iterator[None]]] = {}

        def tick() -> None:
            for index, slot in enumerate(slots):
                if index in running:
                    number, steps = running[index]
                    try:
                        next(steps)
                        continue
                    except StopIteration as done:
                        results[number] = done.value
                        del running[index]
                if queue and time.monotonic() < deadline:
                    number, job = queue.pop(0)
                    running[index] = (number, job(slot))
            if not running and (not queue or time.monotonic() >= deadline):
                for number, _ in queue:
                    results[number] = not_run(number)
                queue.clear()
                timer.stop()
                self.app.quit()

        timer = QTimer()
        timer.timeout.connect(tick)
        timer.start(TICK_MS)
        self.app.exec()
        for slot in slots:
            slot.close()
        self.app.processEvents()
        return [results.get(i, not_run(i)) for i in range(len(jobs))]


def new_slot(browser: Browser) -> Any:
    """One sized, visible view with its own off-the-record profile (so blocked requests and console
    errors belong to the lesson it runs)."""
    from PySide6.QtCore import QUrl
    from PySide6.QtWebEngineCore import (
        QWebEnginePage,
        QWebEngineProfile,
        QWebEngineSettings,
        QWebEngineUrlRequestInterceptor,
    )
    from PySide6.QtWebEngineWidgets import QWebEngineView

    class LoopbackOnly(QWebEngineUrlRequestInterceptor):
        """Blocks requests to any host but the staging server, and records them for the lesson."""

        def __init__(self) -> None:
            super().__init__()
            self.blocked: list[dict[str, str]] = []

        def interceptRequest(self, info: Any) -> None:
            url = info.requestUrl()
            if url.scheme() in ALLOWED_SCHEMES or url.host() == browser.allowed_host:
                return
            info.block(True)
            if len(self.blocked) < CONSOLE_KEPT:
                self.blocked.append(
                    {
                        "url": url.toString()[:300],
                        "host": url.host(),
                        "type": str(info.resourceType()).rsplit(".", 1)[-1].replace("ResourceType", ""),
                    }
                )

    class LessonPage(QWebEnginePage):
        def __init__(self, profile: Any) -> None:
            super().__init__(profile)
            self.errors: list[dict[str, Any]] = []

        def javaScriptConsoleMessage(self, level: Any, message: str, line: int, source: str) -> None:
            if (
                level == QWebEnginePage.JavaScriptConsoleMessageLevel.ErrorMessageLevel
                and len(self.errors) < CONSOLE_KEPT
            ):
                self.errors.append({"message": message[:500], "source": source[:300], "line": line})

    class Slot:
        def __init__(self) -> None:
            self.interceptor = LoopbackOnly()
            self.profile = QWebEngineProfile()
            self.profile.setUrlRequestInterceptor(self.interceptor)
            self.page = LessonPage(self.profile)
            # A learner presses play; a walk that cannot press would wait on every clip.
            self.page.settings().setAttribute(QWebEngineSettings.WebAttribute.PlaybackRequiresUserGesture, False)
            self.view = QWebEngineView()
            self.view.setPage(self.page)
            self.view.resize(browser.width, browser.height)
            self.view.show()
            self.loaded: bool | None = None
            self.value: Any = None
            self.page.loadFinished.connect(self._loaded)

        def _loaded(self, ok: bool) -> None:
            self.loaded = ok

        def load(self, url: str) -> None:
            self.interceptor.blocked = []
            self.page.errors = []
            self.loaded = None
            self.page.load(QUrl(url))

        def evaluate(self, script: str) -> None:
            self.value = None
            self.page.runJavaScript(script, 0, self._got)

        def _got(self, value: Any) -> None:
            self.value = value if value is not None else ""

        def close(self) -> None:
            self.view.close()
            self.view.setPage(None)
            self.page.deleteLater()
            self.view.deleteLater()

    return Slot()


def evaluated(slot: Any, script: str, deadline: float) -> Generator[None, None, Any]:
    """Run ``script`` in the LMS frame, yielding to the event loop until it answers (None when the
    deadline passes first)."""
    slot.evaluate(script)
    while slot.value is None and time.monotonic() < deadline:
        yield
    return slot.value


def evaluated_json(slot: Any, script: str, deadline: float, default: Any) -> Generator[None, None, Any]:
    value = yield from evaluated(slot, script, deadline)
    try:
        return json.loads(value) if value else default
    except (TypeError, ValueError):
        return default


def wait(seconds: float, deadline: float) -> Generator[None, None, None]:
    until = min(time.monotonic() + seconds, deadline)
    while time.monotonic() < until:
        yield
