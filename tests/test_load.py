"""The bounded concurrency test and the Locust plan, on loopback only."""

from __future__ import annotations

import csv
import importlib.util
import shutil
import subprocess
import sys
import time

import pytest

from certifier.policy.registry import load_profile
from certifier.staging.server import StagingServer
from tests.conftest import run_cli
from tests.probe_helpers import by_rule, check


def load_profile_with(tmp_path, body):
    path = tmp_path / "load.toml"
    path.write_text('extends = "default"\n[network]\ntarget_network = "dsl"\n[load]\n' + body)
    return load_profile(str(path))


def test_latency_rises_with_learners_and_bounds_hold(sample_course, tmp_path):
    profile = load_profile_with(
        tmp_path,
        'ramp_learners = ["1", "4"]\nthink_time_s = 0\nmax_requests = 90\nmax_seconds = 25\nmax_p95_ms = 100000\n',
    )
    start = time.monotonic()
    report = check(sample_course, ("conformance", "load"), profile)
    elapsed = time.monotonic() - start
    steps = report["outputs"]["load"]["steps"]
    assert [s["learners"] for s in steps] == [1, 4]
    # Four learners share the emulated 1.5 Mbps DSL link: the slow end of the distribution grows.
    assert steps[1]["p95_ms"] > 1.5 * steps[0]["p95_ms"]
    bounds = by_rule(report)["load.bounds"]
    assert bounds["measured"] <= 90 and elapsed < 25 + 10
    assert all(s["error_rate"] == 0 for s in steps)


def test_ramp_stops_at_the_request_bound(sample_course, tmp_path):
    profile = load_profile_with(
        tmp_path,
        'ramp_learners = ["1", "2", "50"]\nthink_time_s = 0\nmax_requests = 50\n'
        "max_seconds = 30\nemulate_network = false\n",
    )
    report = check(sample_course, ("conformance", "load"), profile)
    bounds = by_rule(report)["load.bounds"]
    assert bounds["measured"] == 45 and "would need" in bounds["message"]  # 15 requests per learner
    assert [s["learners"] for s in report["outputs"]["load"]["steps"]] == [1, 2]


def test_p95_budget_names_the_concurrency(sample_course, tmp_path):
    profile = load_profile_with(
        tmp_path,
        'ramp_learners = ["1", "3"]\nthink_time_s = 0\nmax_requests = 100\nmax_seconds = 25\nmax_p95_ms = 50\n',
    )
    finding = by_rule(check(sample_course, ("conformance", "load"), profile))["load.p95-latency"]
    assert finding["status"] == "fail" and finding["limit"] == 50
    assert finding["message"].startswith("At 1 concurrent learners") or finding["message"].startswith("At 3 concurrent")


@pytest.mark.slow
def test_generated_locustfile_runs_headless_against_the_embedded_server(sample_course, tmp_path):
    # Never import locust here: it monkey-patches this interpreter with gevent (it runs in its own process).
    if importlib.util.find_spec("locust") is None:
        pytest.skip("Locust is the optional 'load' extra (pip install .[load]); scripts/bootstrap installs it")
    plan = tmp_path / "locustfile.py"
    quick = tmp_path / "quick.toml"  # short think time, so each learner gets through every lesson in 4 s
    quick.write_text('extends = "default"\n[load]\nthink_time_s = 0.02\n')
    made = run_cli("loadplan", str(sample_course), "--out", str(plan), "--profile", str(quick))
    assert made.returncode == 0, made.stderr
    root = tmp_path / "site"
    shutil.copytree(sample_course, root)
    with StagingServer(root) as server:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(plan),
                "--headless",
                "-u",
                "3",
                "-r",
                "3",
                "-t",
                "4s",
                "--host",
                server.url,
                "--csv",
                str(tmp_path / "run"),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            capture_output=True,
            text=True,
            timeout=90,
            cwd=tmp_path,
            check=False,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    with open(tmp_path / "run_stats.csv", newline="") as stats:
        rows = {row["Name"]: row for row in csv.DictReader(stats)}
    # The clip is streamed as a player does, chunk by chunk (tests/test_loadplan_streaming.py plays it whole).
    for path in ("pages/intro.html", "pages/lesson.html", "shared/course.css", "media/welcome.mp4 (chunk)"):
        assert int(rows[path]["Request Count"]) >= 1, path
        assert int(rows[path]["Failure Count"]) == 0
    assert int(rows["Aggregated"]["Failure Count"]) == 0


def test_a_plan_sized_for_a_site_uses_the_capacity_plans_one_demand(sample_course, tmp_path):
    """loadplan --site sizes the test with one learner's demand as the capacity plan defines it
    (measured from the session), not the media peak alone."""
    import re

    from certifier.policy import evidence_kinds as kinds
    from certifier.policy.registry import discover_probes, load_profile, publishing
    from certifier.run.runner import Runner, shared_in

    plan = tmp_path / "locustfile.py"
    made = run_cli(
        "loadplan", str(sample_course), "--out", str(plan), "--sites", "example-60-sites", "--site", "Hub 01"
    )
    assert made.returncode == 0, made.stderr
    line = next(text for text in plan.read_text().splitlines() if text.startswith("Sized for site Hub 01"))
    sized = float(
        re.search(r"capacity plan at ([\d,.]+) kbps a learner, measured from a learner's session", line)
        .group(1)
        .replace(",", "")
    )
    probes = discover_probes()[0]
    record = Runner(probes).run(sample_course, load_profile("default"), publishing([kinds.PLANNED_DEMAND], probes))
    planned = shared_in(record, kinds.PLANNED_DEMAND, probes)
    assert planned["basis"] == "measured" and sized == pytest.approx(planned["kbps"], abs=1)
