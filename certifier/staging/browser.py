"""The real-browser pass, run in a helper process so the core stays Qt-free and a browser crash
cannot take the run down. The helper is ``certifier.qt_adapters.browser_probe`` (Qt WebEngine)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from certifier.host.qt_adapters import BROWSER_HELPER, SESSION_HELPER

POLL_S = 0.1


def helper_environment() -> dict[str, str]:
    """Environment for Qt WebEngine in the helper (the one platform-specific detail here)."""
    env = dict(os.environ)
    if sys.platform.startswith("linux"):
        # Lessons render offscreen even on a desktop: no window over the user's work, no focus taken.
        # (Elsewhere the helper keeps each view off every screen and unfocusable: browser_slots.)
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        env.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")  # Chromium refuses its sandbox as root
    return env


def representative(units: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """``count`` lessons spread evenly over the course, the first and the last included; all when
    ``count`` is 0 or covers them. Deterministic, so two runs sample the same lessons."""
    if count <= 0 or count >= len(units):
        return list(units)
    if count == 1:
        return [units[0]]
    picks = sorted({round(i * (len(units) - 1) / (count - 1)) for i in range(count)})
    return [units[i] for i in picks]


@dataclass(frozen=True)
class BrowserSettings:
    """How lessons are run: the page size, how long to wait for Initialize and for the calls that
    follow it, and how many lessons at once (all profile values, pageload section)."""

    timeout_s: float = 120.0
    init_timeout_s: float = 20.0
    settle_s: float = 1.0
    width: int = 1280
    height: int = 800
    parallel: int = 2
    give_up_after: int = 0  # lessons failing to start the same way before the rest are not awaited

    def arguments(self) -> list[str]:
        return [
            "--timeout",
            str(self.timeout_s),
            "--init-timeout",
            str(self.init_timeout_s),
            "--give-up-after",
            str(self.give_up_after),
            "--settle",
            str(self.settle_s),
            "--width",
            str(self.width),
            "--height",
            str(self.height),
            "--parallel",
            str(self.parallel),
        ]


def run_browser_timing(
    urls: list[str], settings: BrowserSettings | float, checkpoint: Callable[[], None] | None = None
) -> dict[str, Any]:
    """Run each lesson URL in Qt WebEngine; what happened per lesson, or ``{"skipped": reason}``."""
    if not isinstance(settings, BrowserSettings):
        settings = BrowserSettings(timeout_s=float(settings))
    command = [sys.executable, "-m", BROWSER_HELPER, *settings.arguments(), *urls]
    return run_helper(command, settings.timeout_s, checkpoint)


@dataclass(frozen=True)
class WalkSettings:
    """How a learner's session is walked (all profile values, session section): budgets of time,
    screens and presses, how long a learner reads a screen and lets its media play."""

    timeout_s: float = 180.0
    init_timeout_s: float = 20.0
    walk_budget_s: float = 60.0
    dwell_s: float = 1.5
    media_wait_s: float = 15.0
    change_wait_s: float = 3.0
    max_screens: int = 60
    min_session_s: float = 8.0
    resume_settle_s: float = 2.0
    resume: bool = True
    width: int = 1280
    height: int = 800
    parallel: int = 2
    controls: tuple[str, ...] = ()
    # The player paints its screens (canvases, SVG named by their kind): no screen is taken for the end.
    painted: bool = False
    # A JSON file: package path → {"kbps", "duration_s"} of each clip, for clips this browser cannot
    # decode (they are fetched as a learner's player would, paced at that bitrate).
    media_file: str | None = None

    def arguments(self) -> list[str]:
        return [
            "--timeout",
            str(self.timeout_s),
            "--init-timeout",
            str(self.init_timeout_s),
            *(["--media-file", self.media_file] if self.media_file else []),
            "--walk-budget",
            str(self.walk_budget_s),
            "--dwell",
            str(self.dwell_s),
            "--media-wait",
            str(self.media_wait_s),
            "--change-wait",
            str(self.change_wait_s),
            "--max-screens",
            str(self.max_screens),
            "--min-session",
            str(self.min_session_s),
            "--resume-settle",
            str(self.resume_settle_s),
            "--width",
            str(self.width),
            "--height",
            str(self.height),
            "--parallel",
            str(self.parallel),
            "--controls",
            json.dumps(list(self.controls)),
            *([] if self.resume else ["--no-resume"]),
            *(["--painted"] if self.painted else []),
        ]


def run_session_walk(
    urls: list[str], settings: WalkSettings, checkpoint: Callable[[], None] | None = None
) -> dict[str, Any]:
    """Walk each lesson URL as a learner in Qt WebEngine, leave and resume it; per lesson what was
    seen and requested (its LMS calls are in the staging server's log), or ``{"skipped": reason}``."""
    command = [sys.executable, "-m", SESSION_HELPER, *settings.arguments(), *urls]
    return run_helper(command, settings.timeout_s, checkpoint)


def run_helper(command: list[str], timeout_s: float, checkpoint: Callable[[], None] | None = None) -> dict[str, Any]:
    """Run the helper process; its last stdout line is the JSON result."""
    try:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=helper_environment()
        )
    except OSError as exc:
        return {"skipped": f"the browser helper could not start ({exc})"}
    deadline = time.monotonic() + timeout_s + 5
    try:
        while True:
            if checkpoint:
                checkpoint()
            if time.monotonic() > deadline:
                process.kill()
                process.communicate()
                return {"skipped": f"Qt WebEngine did not finish within {timeout_s:g} s"}
            try:
                # Reads the pipes while waiting: a large result (hundreds of lessons) would fill the
                # pipe and block the helper forever if it were read only after the helper exits.
                out, err = process.communicate(timeout=POLL_S)
                break
            except subprocess.TimeoutExpired:
                continue
    except BaseException:
        process.kill()
        process.communicate()
        raise
    last = out.strip().splitlines()[-1] if out.strip() else ""
    try:
        result: dict[str, Any] = json.loads(last)
    except ValueError:
        tail = " ".join(err.strip().splitlines()[-3:])[:400]
        return {"skipped": f"Qt WebEngine could not start here (exit {process.returncode}): {tail or 'no output'}"}
    return result
