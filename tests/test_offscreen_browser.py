"""Lessons run in pages Chromium treats as visible (sized, painted) that never show on the user's
screen nor take focus: offscreen on Linux even on a desktop, and off every screen, unfocusable,
where a real display is used (checked on a real X server)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from certifier.staging.browser import BrowserSettings, helper_environment, run_browser_timing
from certifier.staging.server import StagingServer

XVFB_START_S = 10


def lesson_windows(sample_course: Path) -> dict:
    with StagingServer(sample_course) as server:
        result = run_browser_timing(
            [server.launch_url("pages/intro.html", "intro")], BrowserSettings(timeout_s=90, parallel=1)
        )
    assert "skipped" not in result, result
    page = result["pages"][0]
    assert page.get("initialized"), page  # the lesson really ran in the view
    return result


def test_on_a_linux_desktop_the_lessons_render_offscreen(monkeypatch, sample_course):
    monkeypatch.setenv("DISPLAY", ":0")  # a desktop session: the helper must not open windows on it
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    if not sys.platform.startswith("linux"):
        pytest.skip("the offscreen platform is chosen on Linux only")
    assert helper_environment()["QT_QPA_PLATFORM"] == "offscreen"
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")  # the run itself: no X server is needed for it
    windows = lesson_windows(sample_course)["windows"]
    assert windows and all(w["platform"] == "offscreen" and not w["on_screen"] for w in windows)
    assert all(w["size"] == [1280, 800] for w in windows)  # sized as a learner's browser


@pytest.fixture
def x_display(monkeypatch):
    """A real X server (Xvfb) on a free display number, stopped after the test."""
    xvfb = shutil.which("Xvfb")
    if not xvfb:
        pytest.skip("Xvfb is not installed (scripts/bootstrap installs it)")
    number = next(n for n in range(90, 130) if not Path(f"/tmp/.X11-unix/X{n}").exists())
    server = subprocess.Popen(
        [xvfb, f":{number}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + XVFB_START_S
    while not Path(f"/tmp/.X11-unix/X{number}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    monkeypatch.setenv("DISPLAY", f":{number}")
    yield number
    server.terminate()
    server.wait(10)


def test_on_a_real_display_the_lesson_view_is_off_every_screen_and_takes_no_focus(
    monkeypatch, x_display, sample_course
):
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")  # as on Windows or macOS: the system's own windows
    windows = lesson_windows(sample_course)["windows"]
    assert windows and all(w["platform"] == "xcb" for w in windows)
    assert not any(w["on_screen"] for w in windows), windows
    assert not any(w["takes_focus"] for w in windows), windows
    assert all(w["size"] == [1280, 800] for w in windows)
