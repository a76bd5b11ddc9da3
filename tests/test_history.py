"""Run history: stored whole or not at all, listed per course, and compared run to run."""

from __future__ import annotations

import shutil
import subprocess
import sys

from certifier.records.compare import compare_reports
from certifier.records.history import History
from tests.conftest import run_cli
from tests.probe_helpers import check

PROBES = ("package", "conformance")


def test_store_list_and_read_back(sample_course, tmp_path):
    report = check(sample_course, PROBES)
    with History(tmp_path / "h.sqlite3") as history:
        run_id = history.store(report)
        assert history.report(run_id)["run"]["id"] == report["run"]["id"]
        runs = history.runs("Corporate Network")
        assert [r["id"] for r in runs] == [run_id] and runs[0]["verdict"] == report["verdict"]
        assert history.runs("nothing-like-this") == []
        assert history.count() == (1, len(report["findings"]))


CRASH = """
import json, os, sqlite3, sys
import certifier.records.history as h
report = json.load(open(sys.argv[2]))
real_connect = sqlite3.connect

class Dying(sqlite3.Connection):
    statements = 0
    def execute(self, *a, **k):
        if a and a[0].lstrip().upper().startswith("INSERT"):
            Dying.statements += 1
            if Dying.statements == 2:
                os._exit(9)   # killed between the run row and its findings
        return super().execute(*a, **k)
    def executemany(self, *a, **k):
        os._exit(9)

h.sqlite3.connect = lambda *a, **k: real_connect(*a, factory=Dying, **k)
h.History(sys.argv[1]).store(report)
"""


def test_a_crash_mid_write_leaves_no_partial_run(sample_course, tmp_path):
    import json

    report = check(sample_course, PROBES)
    db = tmp_path / "h.sqlite3"
    with History(db) as history:
        history.store(report)  # an earlier, complete run
    second = dict(report, run={**report["run"], "id": "second-run"})
    (tmp_path / "r.json").write_text(json.dumps(second))
    result = subprocess.run(
        [sys.executable, "-c", CRASH, str(db), str(tmp_path / "r.json")], capture_output=True, check=False
    )
    assert result.returncode == 9  # it really died mid-write
    with History(db) as history:
        assert history.count() == (1, len(report["findings"]))
        assert [r["verdict"] for r in history.runs()] == [report["verdict"]]


def test_compare_fixed_then_broken(sample_course, tmp_path):
    folder = tmp_path / "course"
    shutil.copytree(sample_course, folder)
    good = check(folder, PROBES)
    intro = folder / "pages" / "intro.html"
    intro.write_text(intro.read_text().replace("../images/logo.png", "../images/Logo.png", 1))
    (folder / ".DS_Store").write_bytes(b"junk")
    broken = check(folder, PROBES)
    result = compare_reports(good, broken)
    assert result["new_failures"] == ["conformance.case-mismatch", "conformance.os-junk"]
    assert result["fixed"] == [] and result["still_failing"] == []
    back = compare_reports(broken, good)
    assert back["fixed"] == ["conformance.case-mismatch", "conformance.os-junk"] and back["new_failures"] == []
    moved = {m["rule_id"]: m for m in result["moved"]}
    assert moved["package.file-count"]["before"] + 1 == moved["package.file-count"]["after"]


def test_cli_history_and_compare_by_id(sample_course, tmp_path):
    first = run_cli("check", str(sample_course), "--probe", "package", "--probe", "conformance")
    assert first.returncode in (0, 3), first.stderr
    second = run_cli(
        "check", str(sample_course), "--probe", "package", "--probe", "conformance", "--profile", "branch-office"
    )
    assert second.returncode in (0, 3)
    listing = run_cli("history", "Corporate")
    assert listing.stdout.count("Working Safely on the Corporate Network") == 2
    compared = run_cli("compare", "1", "2")
    assert compared.returncode == 0 and compared.stdout.startswith("Verdict: ")
    assert "Fixed (0)" in compared.stdout
