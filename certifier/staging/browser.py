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

from certifier.host.qt_adapters import BROWSER_HELPER

POLL_S = 0.1


def helper_environment() -> dict[str, str]:
    """Environment for Qt WebEngine in the helper (the one platform-specific detail here)."""
    env = dict(os.environ)
    if sys.platform.startswith("linux") and not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        env.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")  # Chromium refuses its sandbox as root
    return env


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

    def arguments(self) -> list[str]:
        return ["--timeout", str(self.timeout_s), "--init-timeout", str(self.init_timeout_s),
                "--settle", str(self.settle_s), "--width", str(self.width), "--height", str(self.height),
                "--parallel", str(self.parallel)]


def run_browser_timing(urls: list[str], settings: BrowserSettings | float,
                       checkpoint: Callable[[], None] | None = None) -> dict[str, Any]:
    """Run each lesson URL in Qt WebEngine; what happened per lesson, or ``{"skipped": reason}``."""
    if not isinstance(settings, BrowserSettings):
        settings = BrowserSettings(timeout_s=float(settings))
    command = [sys.executable, "-m", BROWSER_HELPER, *settings.arguments(), *urls]
    return run_helper(command, settings.timeout_s, checkpoint)


def run_helper(command: list[str], timeout_s: float, checkpoint: Callable[[], None] | None = None
               ) -> dict[str, Any]:
    """Run the helper process; its last stdout line is the JSON result."""
    try:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   env=helper_environment())
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
        result = json.loads(last)
    except ValueError:
        tail = " ".join(err.strip().splitlines()[-3:])[:400]
        return {"skipped": f"Qt WebEngine could not start here (exit {process.returncode}): {tail or 'no output'}"}
    return result
