"""The embedded LMS's memory: every SCORM call a lesson made (the runtime log, in call order) and
what an LMS stores between sessions, so a lesson can be launched again as a resumed attempt.

The LMS frame (``resources/templates/lms-frame.html``) runs scorm-again's SCORM 1.2 and 2004
run-times and posts each call with its sequence number. Calls arrive in batches, in any order; the
log is kept in call order per launch. As an LMS does, the state a lesson set is kept when it is
committed (Commit, Terminate): a resumed launch gets that, with ``entry = resume``.
"""

from __future__ import annotations

import html
import json
import threading
from typing import Any

from certifier.host.resources_path import resource_path
from certifier.package.standards import CMI5, XAPI

LOG_MAX_ENTRIES = 50_000
LAUNCH_MAX_ENTRIES = 7_000  # per launch of a lesson: one flooding lesson cannot crowd out the others
VALUE_CHARS = 300  # characters of a value kept in the log
STATE_MAX_CHARS = 128_000  # an element's stored value, beyond any SPM (SCORM 2004 suspend_data: 64,000)
# Bytes the log and the stored state may hold in all (a page can post to the log itself): what a
# real session sends is a few hundred KB, so a flood is cut here, not in the machine's memory.
LOG_MAX_BYTES = 24 * 1024 * 1024
LAUNCH_MAX_BYTES = 4 * 1024 * 1024
STATE_MAX_BYTES = 32 * 1024 * 1024
# The fields the LMS frame's recorder sends; anything else a page adds is not kept.
ENTRY_FIELDS = ("sco", "api", "fn", "args", "result", "error", "message", "seq", "t_ms", "attempt", "length")
RUNTIME_FILES = {
    "scorm12.min.js": ("vendor", "scorm-again", "scorm12.min.js"),
    "scorm2004.min.js": ("vendor", "scorm-again", "scorm2004.min.js"),
    "recorder.js": ("templates", "lms-recorder.js"),
}

# What an LMS keeps from one session to the next (RTE data model elements that persist).
PERSISTED = {
    "1.2": (
        "cmi.core.lesson_location",
        "cmi.core.lesson_status",
        "cmi.core.score.raw",
        "cmi.core.score.min",
        "cmi.core.score.max",
        "cmi.suspend_data",
    ),
    "2004": (
        "cmi.location",
        "cmi.completion_status",
        "cmi.success_status",
        "cmi.score.scaled",
        "cmi.score.raw",
        "cmi.score.min",
        "cmi.score.max",
        "cmi.progress_measure",
        "cmi.suspend_data",
    ),
}
COMMITS = ("Commit", "LMSCommit", "Terminate", "LMSFinish")
SETS = ("SetValue", "LMSSetValue")


def call_order(entry: dict[str, Any]) -> tuple[str, int, int]:
    return str(entry.get("sco", "")), _int(entry.get("attempt"), 1), _int(entry.get("seq"), 0)


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


class LmsRecord:
    """The runtime log and the committed state of each lesson; safe to use from server threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._log: list[dict[str, Any]] = []
        self._pending: dict[tuple[str, str], dict[str, str]] = {}
        self._committed: dict[str, dict[str, dict[str, str]]] = {}
        self._attempts: dict[str, int] = {}
        self._per_launch: dict[tuple[str, int], int] = {}
        self._launch_bytes: dict[tuple[str, int], int] = {}
        self._log_bytes = 0
        self._state_bytes = 0
        self.dropped = 0

    def record(self, entry: dict[str, Any]) -> None:
        """Keep one call (its values cut to ``VALUE_CHARS``); a set state element is held until the
        lesson commits it."""
        sco, version, fn = str(entry.get("sco", "")), str(entry.get("api", "")), entry.get("fn")
        raw = entry.get("args")
        args: list[Any] = raw if isinstance(raw, list) else []
        succeeded = entry.get("result") == "true" and entry.get("error", "0") == "0"
        kept = compact_entry(entry, args)
        size = len(json.dumps(kept))
        with self._lock:
            if fn in SETS and succeeded and len(args) >= 2 and args[0] in PERSISTED.get(version, ()):
                value = str(args[1])[:STATE_MAX_CHARS]
                pending = self._pending.setdefault((sco, version), {})
                # A value set again replaces the last one: only the difference counts against the budget.
                grown = len(value) - len(pending.get(str(args[0]), ""))
                if self._state_bytes + grown <= STATE_MAX_BYTES:
                    self._state_bytes += grown
                    pending[str(args[0])] = value
            elif fn in COMMITS and succeeded:
                self._committed.setdefault(sco, {}).setdefault(version, {}).update(
                    self._pending.get((sco, version), {})
                )
            launch = (sco, _int(entry.get("attempt"), 1))
            if (
                len(self._log) >= LOG_MAX_ENTRIES
                or self._per_launch.get(launch, 0) >= LAUNCH_MAX_ENTRIES
                or self._log_bytes + size > LOG_MAX_BYTES
                or self._launch_bytes.get(launch, 0) + size > LAUNCH_MAX_BYTES
            ):
                self.dropped += 1
                return
            self._per_launch[launch] = self._per_launch.get(launch, 0) + 1
            self._launch_bytes[launch] = self._launch_bytes.get(launch, 0) + size
            self._log_bytes += size
            self._log.append(kept)

    @property
    def log_bytes(self) -> int:
        return self._log_bytes

    def snapshot(self) -> list[dict[str, Any]]:
        """Every call so far, per lesson and launch in the order the lesson made them."""
        with self._lock:
            return sorted(self._log, key=call_order)

    def start_attempt(self, sco: str, resume: bool) -> tuple[int, dict[str, dict[str, str]]]:
        """A new launch of ``sco``: its launch number and the state it resumes with, per SCORM
        version (nothing for a new attempt, which also forgets what was stored)."""
        with self._lock:
            number = self._attempts[sco] = self._attempts.get(sco, 0) + 1
            self._pending = {key: value for key, value in self._pending.items() if key[0] != sco}
            if not resume:
                self._committed.pop(sco, None)
                return number, {}
            return number, {version: dict(values) for version, values in self._committed.get(sco, {}).items()}


def compact_entry(entry: dict[str, Any], args: list[Any]) -> dict[str, Any]:
    """The call as the log keeps it: the recorder's fields only, each value cut to ``VALUE_CHARS``."""
    kept = {key: _cut(entry[key]) for key in ENTRY_FIELDS if key != "args" and entry.get(key) is not None}
    kept["args"] = _cut(args)
    return kept


def _cut(value: Any) -> Any:
    if isinstance(value, str):
        return value[:VALUE_CHARS]
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    if isinstance(value, list):
        return [_cut(v) for v in value[:4]]
    return str(value)[:VALUE_CHARS]  # an object a page posted: kept as short text


def launch_frame_html(launch: dict[str, Any], sco_url: str) -> str:
    template = resource_path("templates", "lms-frame.html").read_text(encoding="utf-8")
    data = json.dumps(launch).replace("</", "<\\/")
    return template.replace("__LAUNCH__", data).replace("__SCO_URL__", html.escape(sco_url, quote=True))


def launch_kind(standard: str) -> str:
    """How the LMS frame launches a package's lessons: SCORM API, cmi5, xAPI (Tin Can), or a plain
    page that tracks nothing in the browser (HTML, AICC's server-side HACP)."""
    if standard.startswith("SCORM"):
        return "scorm"
    return {CMI5: "cmi5", XAPI: "xapi"}.get(standard, "untracked")
