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
        self.placements: list[dict[str, Any]] = []  # where each lesson's view was: never on the user's screen

    def slots(self, count: int) -> list[Any]:
        return [new_slot(self) for _ in range(max(1, count))]

    def run(
        self,
        slots: list[Any],
        jobs: list[Callable[[Any], Lesson]],
        deadline: float,
        not_run: Callable[[int], dict[str, Any]],
        give_up: SameFailure | None = None,
    ) -> list[dict[str, Any]]:
        """Run each job (a generator over a slot) with the slots at once; results in job order.

        ``give_up`` reads the results finished so far (in the order they finished); when it gives a
        reason, the jobs not started are reported with it (``not_awaited``) instead of being run."""
        from PySide6.QtCore import QTimer

        queue: list[tuple[int, Callable[[Any], Lesson]]] = list(enumerate(jobs))
        results: dict[int, dict[str, Any]] = {}
        finished: list[dict[str, Any]] = []
        running: dict[int, tuple[int, Iterator[None]]] = {}

        def done(number: int, result: dict[str, Any]) -> None:
            results[number] = result
            finished.append(result)
            reason = give_up(finished) if give_up and queue else None
            if reason:
                for waiting, _ in queue:
                    unrun = {k: v for k, v in not_run(waiting).items() if k != "error"}
                    results[waiting] = {**unrun, "not_awaited": reason}
                queue.clear()

        def tick() -> None:
            for index, slot in enumerate(slots):
                if index in running:
                    number, steps = running[index]
                    try:
                        next(steps)
                        continue
                    except StopIteration as stopped:
                        del running[index]
                        done(number, stopped.value)
                tracking = any(getattr(slots[i], "tracking", False) for i in running)
                holding = give_up is not None and give_up.holding(finished, len(jobs) - len(queue), tracking)
                if queue and time.monotonic() < deadline and not holding:
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


OFFSCREEN_PLATFORM = "offscreen"
OFF_SCREEN_GAP_PX = 4000  # past the right edge of every screen, so no view is ever seen


def failure_signature(result: dict[str, Any]) -> tuple[str, tuple[int, ...]] | None:
    """How a lesson failed to start, told apart enough to see the same failure again: its first
    script error and the statuses of its failed requests. None when it started (or owes no start)."""
    if result.get("initialized") or not result.get("tracked", True) or result.get("not_awaited"):
        return None
    errors = [e for e in result.get("console_errors") or [] if not e.get("on_leave")]
    first = str(errors[0].get("message", ""))[:200] if errors else ""
    return first, tuple(sorted({int(r.get("status") or 0) for r in result.get("failed_requests") or []}))


class SameFailure:
    """Give up on the rest once the first ``count`` lessons to finish all failed to start the same
    way (0: never): every further one would cost the same wait to show the same thing."""

    def __init__(self, count: int, waited_s: float) -> None:
        self.count, self.waited_s = count, waited_s

    def __call__(self, finished: list[dict[str, Any]]) -> str | None:
        if self.count <= 0 or len(finished) < self.count:
            return None
        signatures = [failure_signature(r) for r in finished]
        if any(s is None for s in signatures) or len(set(signatures)) != 1:
            return None
        return (
            f"not awaited: the {len(finished)} lessons run before it never started tracking within "
            f"{self.waited_s:g} s, each failing the same way; this one would wait the same"
        )

    def holding(self, finished: list[dict[str, Any]], started: int, tracking: bool = False) -> bool:
        """No new lesson while the first ``count`` are still being awaited, none of those running has
        started tracking, and all that finished failed: a lesson started meanwhile would be awaited
        for nothing. Once one starts tracking the course is not broken that way: every slot fills."""
        return (
            not tracking
            and 0 < self.count <= started
            and len(finished) < self.count
            and all(failure_signature(r) is not None for r in finished)
        )


def keep_off_screen(view: Any) -> None:
    """A lesson's view is painted and sized (Chromium treats it as visible and runs its timers and
    media) but never shown on the user's screens, never takes focus, never receives their keys."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.platformName() == OFFSCREEN_PLATFORM:
        return  # no user sees this platform's screen: the view keeps its focus, as the tests run it
    view.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
    view.setWindowFlags(
        Qt.WindowType.Tool
        | Qt.WindowType.FramelessWindowHint
        | Qt.WindowType.WindowDoesNotAcceptFocus
        | Qt.WindowType.WindowTransparentForInput
        | Qt.WindowType.BypassWindowManagerHint  # X11: no window manager moves it back on screen
    )
    view.move(off_screen_position(0))


def off_screen_position(index: int) -> Any:
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QGuiApplication

    right = max((screen.geometry().right() for screen in QGuiApplication.screens()), default=0)
    return QPoint(right + OFF_SCREEN_GAP_PX + index * 100, 0)


def placement(view: Any) -> dict[str, Any]:
    """What the helper reports of a view: the platform, whether it overlaps any screen, whether it can take focus."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication

    frame = view.frameGeometry()
    platform = QGuiApplication.platformName()
    return {
        "platform": platform,
        "on_screen": platform != OFFSCREEN_PLATFORM
        and any(screen.geometry().intersects(frame) for screen in QGuiApplication.screens()),
        "takes_focus": platform != OFFSCREEN_PLATFORM
        and not bool(view.windowFlags() & Qt.WindowType.WindowDoesNotAcceptFocus),
        "size": [view.width(), view.height()],
    }


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
        """Its console errors kept; its dialogs answered as a learner answers them (OK), since a
        dialog left open stops the lesson's scripts, and kept (CourseLab asks on leaving)."""

        def __init__(self, profile: Any) -> None:
            super().__init__(profile)
            self.errors: list[dict[str, Any]] = []
            self.dialogs: list[dict[str, str]] = []

        def _dialog(self, kind: str, message: str) -> None:
            if len(self.dialogs) < CONSOLE_KEPT:
                self.dialogs.append({"kind": kind, "message": message[:300]})

        def javaScriptAlert(self, origin: Any, message: str) -> None:
            self._dialog("alert", message)

        def javaScriptConfirm(self, origin: Any, message: str) -> bool:
            self._dialog("confirm", message)
            return True

        def javaScriptPrompt(self, origin: Any, message: str, default: str) -> tuple[bool, str]:
            self._dialog("prompt", message)
            return True, default

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
            keep_off_screen(self.view)
            self.view.show()
            if browser.app.platformName() != OFFSCREEN_PLATFORM:
                self.view.move(off_screen_position(len(browser.placements)))  # again: some systems place on show
            browser.placements.append(placement(self.view))
            self.loaded: bool | None = None
            self.tracking = False  # the lesson running here has started tracking (set by the lesson)
            self.value: Any = None
            self.page.loadFinished.connect(self._loaded)

        def _loaded(self, ok: bool) -> None:
            self.loaded = ok

        def load(self, url: str) -> None:
            self.interceptor.blocked = []
            self.page.errors = []
            self.page.dialogs = []
            self.loaded = None
            self.tracking = False
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
