"""The command line end to end, in a subprocess, as a user runs it."""

from __future__ import annotations

import json

from certifier.cli import EXIT_BAD_INPUT, EXIT_CODES
from certifier.run.verdict import CERTIFIED, NOT_CERTIFIED
from tests.conftest import run_cli
from tests.factories import build_zip


def test_demo_check_writes_a_valid_report(tmp_path, report_validator):
    out = tmp_path / "out.json"
    result = run_cli("check", "--demo", "--json", str(out))
    report = report_validator(json.loads(out.read_text()))
    assert f"VERDICT:  {report['verdict']}" in result.stdout
    assert result.returncode == EXIT_CODES[report["verdict"]]
    assert report["package"]["standard"] == "SCORM 2004 4th Edition"
    assert report["package"]["file_count"] == len(report["inventory"]) >= 10
    assert not list(tmp_path.glob(".*.tmp"))


def test_rejected_package_exits_not_certified(tmp_path, report_validator):
    bad = tmp_path / "course.zip"
    bad.write_text("not a zip")
    out = tmp_path / "r.json"
    result = run_cli("check", str(bad), "--json", str(out))
    assert result.returncode == EXIT_CODES[NOT_CERTIFIED]
    report = report_validator(json.loads(out.read_text()))
    assert report["findings"][0]["rule_id"] == "package.archive-rejected"
    assert "package.archive-rejected" in result.stdout


def test_bad_input_exit_codes(tmp_path):
    missing = run_cli("check", str(tmp_path / "nothing.zip"))
    assert missing.returncode == EXIT_BAD_INPUT and "No course package" in missing.stderr
    bad_profile = tmp_path / "p.toml"
    bad_profile.write_text('extends = "default"\n[package]\nmax_package_mb = "big"\n')
    result = run_cli("check", "--demo", "--profile", str(bad_profile))
    assert result.returncode == EXIT_BAD_INPUT and "max_package_mb" in result.stderr
    assert "Traceback" not in result.stderr
    unknown = run_cli("check", "--demo", "--probe", "nope")
    assert unknown.returncode == EXIT_BAD_INPUT and "Unknown probe" in unknown.stderr


def test_evaluate_reapplies_rules_with_another_profile(tmp_path):
    course = build_zip(tmp_path / "c.zip", {"index.html": "<html>" + "x" * 300_000 + "</html>"}, compression=0)
    base = tmp_path / "package-only.toml"
    base.write_text('extends = "default"\n[certification]\nrequired_probes = ["package"]\n')
    evidence = tmp_path / "evidence.json"
    first = run_cli("check", str(course), "--profile", str(base), "--evidence", str(evidence), "--probe", "package")
    assert first.returncode == EXIT_CODES[CERTIFIED], first.stdout + first.stderr
    tight = tmp_path / "tight.toml"
    tight.write_text('extends = "package-only.toml"\n[package]\nmax_package_mb = 0.1\n')
    course.unlink()  # evaluate must not need the package
    out = tmp_path / "again.json"
    second = run_cli("evaluate", str(evidence), "--profile", str(tight), "--json", str(out))
    assert second.returncode == EXIT_CODES[NOT_CERTIFIED]
    size = next(f for f in json.loads(out.read_text())["findings"] if f["rule_id"] == "package.size")
    assert size["status"] == "fail" and size["limit"] == 0.1 and size["measured"] > 0.1
    broken = tmp_path / "broken.json"
    broken.write_text("{}")
    assert run_cli("evaluate", str(broken)).returncode == EXIT_BAD_INPUT


def test_probes_and_profiles_lists():
    probes = run_cli("probes")
    listed = [line.split()[0] for line in probes.stdout.splitlines()]
    assert probes.returncode == 0 and {"package", "conformance"} <= set(listed)
    profiles = run_cli("profiles")
    assert "branch-office" in profiles.stdout and "default" in profiles.stdout


def test_a_course_descriptor_given_as_the_path_checks_its_folder(tmp_path, sample_course):
    import json
    import shutil

    folder = tmp_path / "course"
    shutil.copytree(sample_course, folder)
    out = tmp_path / "r.json"
    result = run_cli(
        "check", str(folder / "imsmanifest.xml"), "--probe", "conformance", "--json", str(out), "--no-history"
    )
    assert result.returncode in (0, 3), result.stderr[-2000:]
    report = json.loads(out.read_text())
    assert report["package"]["path"] == str(folder) and report["package"]["standard"].startswith("SCORM")
