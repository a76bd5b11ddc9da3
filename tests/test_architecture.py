"""The architecture contracts in pyproject.toml hold, and they do catch a breach."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("certifier", "probes", "ui", "qt_adapters")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    # The console script of the installed import-linter, run from a source tree's root.
    command = [
        sys.executable,
        "-c",
        "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())",
        "--no-cache",
    ]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


def test_the_contracts_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "4 kept, 0 broken" in result.stdout


def test_a_breach_of_each_contract_is_reported(tmp_path):
    for name in SOURCES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with open(tmp_path / "probes" / "media" / "__init__.py", "a") as probe:
        probe.write("\nfrom PySide6.QtCore import QObject  # a probe reaching for Qt\n")
    with open(tmp_path / "certifier" / "run" / "verdict.py", "a") as verdict:
        verdict.write("\nfrom certifier.cli.text import format_summary  # the report model reaching up\n")
    with open(tmp_path / "certifier" / "records" / "compare.py", "a") as compare:
        compare.write("\nfrom certifier.exporters.html_report import render_html  # two rooms of one layer\n")
    with open(tmp_path / "probes" / "linktest" / "trials.py", "a") as trials:
        trials.write("\nfrom probes.pageload.fetch import new_session  # one probe reaching into another\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "Each probe package is independent of the others BROKEN" in result.stdout
    assert "probes.linktest.trials -> probes.pageload.fetch" in result.stdout
    assert "import no Qt, no GUI and no Qt adapter BROKEN" in result.stdout
    assert "probes.media -> PySide6" in result.stdout
    assert "certifier.run.verdict -> certifier.cli.text" in result.stdout
    assert "certifier.records.compare -> certifier.exporters.html_report" in result.stdout


MAX_MODULE_LINES = 400


def test_no_module_is_over_the_line_limit():
    """Small modules with one job: a module that grows past this is split by subject."""
    long = {
        str(path.relative_to(ROOT)): n
        for name in SOURCES
        for path in (ROOT / name).rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def mypy(cwd: Path) -> subprocess.CompletedProcess:
    # The tree's own configuration ([tool.mypy] in pyproject.toml), no cache: a fresh verdict.
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "--cache-dir", os.devnull],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_the_core_and_the_probes_type_check_and_a_planted_error_is_reported(tmp_path):
    result = mypy(ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "Success: no issues found" in result.stdout
    for name in ("certifier", "probes"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with open(tmp_path / "probes" / "session" / "calls.py", "a") as calls:
        calls.write("\n\ndef planted(lesson: Call) -> int:\n    return lesson.get('launch')  # None may reach an int\n")
        calls.write("\n\ndef unannotated(lesson):  # strict: every function says what it takes\n    return lesson\n")
    planted = mypy(tmp_path)
    assert planted.returncode != 0
    assert "probes/session/calls.py" in planted.stdout and "return-value" in planted.stdout
    assert "no-untyped-def" in planted.stdout


def ruff(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    # The tree's own rule set and format ([tool.ruff] in pyproject.toml), no cache.
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, "--no-cache", "."],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_tree_is_linted_and_formatted_and_a_planted_slip_is_reported(tmp_path):
    for args in (("check",), ("format", "--check")):
        result = ruff(ROOT, *args)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    for name in ("certifier", "probes"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with open(tmp_path / "probes" / "session" / "calls.py", "a") as calls:
        calls.write("\n\ndef planted(x):\n    import os\n    return { 'x' :x}\n")
    linted = ruff(tmp_path, "check")
    assert linted.returncode != 0
    assert "probes/session/calls.py" in linted.stdout and "F401" in linted.stdout
    formatted = ruff(tmp_path, "format", "--check")
    assert formatted.returncode != 0 and "probes/session/calls.py" in formatted.stdout
