"""Shared test set-up. Qt runs headless; WebEngine runs without its sandbox when we are root."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if hasattr(os, "geteuid") and os.geteuid() == 0:
    os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

import pytest

from certifier.host.resources_path import resource_path, sample_course_path
from certifier.package.archive_limits import ArchiveLimits
from certifier.policy.registry import load_profile

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_FIXTURES = REPO_ROOT.parent / "shared" / "fixtures" / "third-party"


@pytest.fixture
def limits() -> ArchiveLimits:
    return ArchiveLimits(
        max_uncompressed_mb=50, max_compression_ratio=100, min_size_for_ratio_check_mb=1, max_entry_count=1000
    )


@pytest.fixture(scope="session")
def default_profile():
    return load_profile("default")


@pytest.fixture(scope="session")
def sample_course() -> Path:
    return sample_course_path()


@pytest.fixture(scope="session")
def shared_fixtures() -> Path:
    if not SHARED_FIXTURES.is_dir():
        pytest.skip("../shared/fixtures is absent: third-party packages are only tested where it exists")
    return SHARED_FIXTURES


@pytest.fixture(scope="session")
def report_validator():
    import jsonschema

    schema = json.loads(resource_path("report.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())

    def validate(report: dict) -> dict:
        errors = sorted(validator.iter_errors(report), key=lambda e: list(e.path))
        assert not errors, "report does not match the schema: " + "; ".join(
            f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:5]
        )
        return report

    return validate


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 120):
    """Run the installed ``certifier`` command line in a subprocess."""
    import subprocess

    return subprocess.run(
        [sys.executable, "-m", "certifier.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(autouse=True)
def no_qt_work_left_running(request):
    """A Qt test fails when it leaves one of our threads, a pool task or one of our timers running."""
    yield
    if "qtbot" not in request.fixturenames:
        return
    from PySide6.QtCore import QThreadPool, QTimer
    from PySide6.QtWidgets import QApplication

    from certifier.ui.workers import running_threads

    app = QApplication.instance()
    leftovers = [f"thread {t.__class__.__name__}" for t in running_threads()]
    if QThreadPool.globalInstance().activeThreadCount():
        leftovers.append(f"{QThreadPool.globalInstance().activeThreadCount()} thread-pool tasks")
    for widget in app.topLevelWidgets():
        leftovers += [
            f"timer {t.objectName()}"
            for t in widget.findChildren(QTimer)
            if t.isActive() and t.objectName().startswith("certifier")
        ]
    for thread in running_threads():
        thread.wait(5000)
    assert not leftovers, f"left running after the test: {leftovers}"


@pytest.fixture
def gui_settings(tmp_path):
    from PySide6.QtCore import QSettings

    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture(scope="session")
def qapp(qapp_args):
    """The QApplication, configured as the desktop app configures it."""
    from certifier.ui.app import create_application

    return create_application(qapp_args)


@pytest.fixture
def window(qtbot, gui_settings):
    from certifier.ui.main_window import MainWindow

    win = MainWindow(settings=gui_settings)
    qtbot.addWidget(win)
    # The link test's trials add seconds to every run; the tests that need its figures check it again.
    for probe_id, check in win.probe_checks.items():
        if not win.probes[probe_id].default_enabled:
            check.setChecked(False)
    win.show()
    yield win
    if win.run_thread is not None:
        win.cancel_run()
        qtbot.waitUntil(lambda: win.run_thread is None, timeout=5000)


@pytest.fixture(autouse=True)
def private_user_dirs(tmp_path_factory, monkeypatch):
    """Keys and run history of tests never touch the real user's folders."""
    base = tmp_path_factory.mktemp("userdirs")
    monkeypatch.setenv("CERTIFIER_CONFIG_DIR", str(base / "config"))
    monkeypatch.setenv("CERTIFIER_DATA_DIR", str(base / "data"))
    return base


# Locust monkey-patches the interpreter with gevent when imported: threads and subprocesses of every
# later test then misbehave. It must only ever run as its own process.
GEVENT_PATCHERS = ("locust", "gevent")


def pytest_collection_finish(session):
    loaded = [name for name in GEVENT_PATCHERS if name in sys.modules]
    if loaded:
        raise pytest.UsageError(
            f"{', '.join(loaded)} was imported into the test process during collection; "
            "run it as a subprocess instead (it monkey-patches threads and subprocesses)."
        )


@pytest.fixture(autouse=True)
def no_gevent_patching():
    yield
    loaded = [name for name in GEVENT_PATCHERS if name in sys.modules]
    assert not loaded, f"this test imported {', '.join(loaded)} into the test process; run it as a subprocess"
