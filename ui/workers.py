"""Work off the UI thread: a run of the probes, and one-off background tasks.

Never touch a widget from these threads: results travel back through signals, which Qt queues
to the UI thread. Every thread started here is registered, so tests can prove none is left.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QThread, Signal

from certifier.policy.probe_api import Probe
from certifier.policy.profiles import Profile
from certifier.records.history import History
from certifier.run.report import assess
from certifier.run.run_record import RunEvent
from certifier.run.runner import Runner

PROGRESS_INTERVAL_S = 0.05  # at most 20 progress updates a second reach the UI

_threads: weakref.WeakSet[QThread] = weakref.WeakSet()


def running_threads() -> list[QThread]:
    # A finished thread may already be deleted on the C++ side (deleteLater); it is not running.
    return [t for t in list(_threads) if shiboken6.isValid(t) and t.isRunning()]


class BackgroundTask(QThread):
    """Runs ``fn()`` in a thread; emits ``succeeded(result)`` or ``failed(exception)``."""

    succeeded = Signal(object)
    failed = Signal(object)

    def __init__(self, fn: Callable[[], Any], parent: QObject | None = None):
        super().__init__(parent)
        self._fn = fn
        _threads.add(self)

    def run(self) -> None:
        try:
            result = self._fn()
        except Exception as exc:  # reported to the UI as a message, never a traceback
            self.failed.emit(exc)
            return
        self.succeeded.emit(result)


class RunThread(QThread):
    """One certification run: the core's Runner, then the report assembled from its evidence."""

    progressed = Signal(object)  # RunEvent
    completed = Signal(object)  # (report, record)
    failed = Signal(object)  # exception

    def __init__(
        self,
        probes: dict[str, type[Probe]],
        package_path: str,
        profile: Callable[[], Profile],
        probe_ids: list[str],
        staging_url: str | None,
        machine_facts: dict[str, Any],
        parent: QObject | None = None,
        staging_auth: tuple[str, str] | None = None,
    ):
        super().__init__(parent)
        self.runner = Runner(probes, on_event=self._on_event)
        self._args = (package_path, profile, probe_ids, staging_url, machine_facts)
        self._auth = staging_auth  # in memory only, for the length of the run
        self._last_progress = 0.0
        _threads.add(self)

    def _on_event(self, event: RunEvent) -> None:
        now = time.monotonic()
        if event.kind == "step-progress" and now - self._last_progress < PROGRESS_INTERVAL_S:
            return
        self._last_progress = now
        self.progressed.emit(event)

    def cancel(self) -> None:
        self.runner.cancel()

    def run(self) -> None:
        package_path, load_profile, probe_ids, staging_url, machine_facts = self._args
        try:
            profile = load_profile()  # read off the UI thread; a bad profile fails the run with its message
            record = self.runner.run(package_path, profile, probe_ids, staging_url, machine_facts, self._auth)
            report = assess(record, profile, self.runner.probes)
            with History() as history:  # every run is kept, as the command line keeps it
                history.store(report)
        except Exception as exc:
            self.failed.emit(exc)
            return
        self.completed.emit((report, record))
