"""The runner: progress, cancellation, timeouts and failures never crash a run."""

from __future__ import annotations

import threading
import time

import pytest

from certifier.policy.findings import Finding, Severity, Status
from certifier.policy.probe_api import Need, Probe
from certifier.policy.profiles import Profile
from certifier.policy.registry import discover_probes
from certifier.policy.shared import SharedEvidence
from certifier.run.report import assess
from certifier.run.runner import Runner
from certifier.run.verdict import CERTIFIED, CONDITIONAL, NOT_CERTIFIED
from tests.factories import build_zip


def profile_with(default_profile, timeout_s=5.0, required=("package",)) -> Profile:
    values = {k: dict(v) for k, v in default_profile.values.items()}
    values["certification"] = {"probe_timeout_s": timeout_s, "required_probes": list(required)}
    return Profile("test", "", "test", values)


FILE_COUNT = SharedEvidence("file-count", ("count",), int, "How many files the package holds.")


class CountingProbe(Probe):
    id = "counting"
    title = "Counts files"
    needs = frozenset({Need.PACKAGE})
    publishes = (FILE_COUNT,)

    def gather(self, ctx):
        for i, path in enumerate(ctx.package.paths()):
            ctx.progress((i + 1) / len(ctx.package.paths()), path)
        return {"count": len(ctx.package.paths())}

    def evaluate(self, evidence, limits):
        return [
            Finding(
                "counting.files",
                "Files",
                Severity.MINOR,
                Status.FAIL if evidence["count"] > 2 else Status.PASS,
                measured=evidence["count"],
                limit=2,
            )
        ]


class ExplodingProbe(Probe):
    id = "exploding"
    title = "Raises"

    def gather(self, ctx):
        raise RuntimeError("disk on fire")


class SleepyProbe(Probe):
    """Stuck in a call that never checks for cancellation."""

    id = "sleepy"
    title = "Sleeps"
    released = threading.Event()

    def gather(self, ctx):
        self.released.wait(30)
        return {}


class PoliteSlowProbe(Probe):
    id = "polite"
    title = "Slow but checks"

    def gather(self, ctx):
        for i in range(600):
            time.sleep(0.01)
            ctx.progress(i / 600, "working")
        return {}

    def evaluate(self, evidence, limits):
        return []


class BadRulesProbe(Probe):
    id = "badrules"
    title = "Rules raise"

    def gather(self, ctx):
        return {"x": 1}

    def evaluate(self, evidence, limits):
        return [1 / 0]


class NeedsEarlier(Probe):
    id = "later"
    title = "Uses counting"
    uses = (FILE_COUNT,)

    def gather(self, ctx):
        return {"seen": ctx.shared(FILE_COUNT)}

    def evaluate(self, evidence, limits):
        return [Finding("later.seen", "Saw", Severity.INFO, Status.PASS, measured=evidence["seen"])]


@pytest.fixture
def course_zip(tmp_path):
    return build_zip(tmp_path / "c.zip", {"index.html": "<html></html>", "a.js": "1", "b.css": "x"})


def test_progress_events_and_findings(course_zip, default_profile):
    events = []
    probes = {"later": NeedsEarlier, "counting": CountingProbe}
    runner = Runner(probes, on_event=events.append)
    record = runner.run(course_zip, profile_with(default_profile, required=()))
    assert [r.probe_id for r in record.probe_runs] == ["counting", "later"]  # dependency first
    kinds = [e.kind for e in events]
    assert kinds[0] == "run-started" and kinds[-1] == "run-finished"
    progress = [e for e in events if e.kind == "step-progress" and e.step == "counting"]
    assert [round(e.fraction, 2) for e in progress] == [0.33, 0.67, 1.0]
    overall = [e.overall for e in events if e.kind != "run-started"]
    assert overall == sorted(overall) and overall[-1] == 1.0
    report = assess(record, profile_with(default_profile, required=()), probes)
    by_rule = {f["rule_id"]: f for f in report["findings"]}
    assert by_rule["counting.files"]["status"] == "fail" and by_rule["later.seen"]["measured"] == 3
    assert report["verdict"] == CONDITIONAL  # a minor failure


def test_exception_becomes_error_finding(course_zip, default_profile):
    probes = {"exploding": ExplodingProbe, "counting": CountingProbe}
    record = Runner(probes).run(course_zip, profile_with(default_profile, required=()))
    report = assess(record, profile_with(default_profile, required=()), probes)
    error = next(f for f in report["findings"] if f["rule_id"] == "exploding.probe-error")
    assert error["status"] == "error" and "disk on fire" in error["message"]
    assert {p["id"]: p["status"] for p in report["probes"]} == {"counting": "completed", "exploding": "error"}


def test_rules_that_raise_become_error_finding(course_zip, default_profile):
    probes = {"badrules": BadRulesProbe}
    profile = profile_with(default_profile, required=())
    report = assess(Runner(probes).run(course_zip, profile), profile, probes)
    assert report["findings"][0]["rule_id"] == "badrules.probe-error"
    assert "ZeroDivisionError" in report["findings"][0]["message"]
    assert report["verdict"] == CONDITIONAL


def test_stuck_probe_times_out_and_run_goes_on(course_zip, default_profile):
    probes = {"sleepy": SleepyProbe, "counting": CountingProbe}
    profile = profile_with(default_profile, timeout_s=0.5, required=())
    start = time.monotonic()
    record = Runner(probes).run(course_zip, profile)
    elapsed = time.monotonic() - start
    SleepyProbe.released.set()
    assert elapsed < 3
    status = {r.probe_id: (r.status, r.reason) for r in record.probe_runs}
    assert status["sleepy"][0] == "timeout" and "0.5 s" in status["sleepy"][1]
    assert status["counting"][0] == "completed"
    report = assess(record, profile, probes)
    assert any(f["rule_id"] == "sleepy.probe-timeout" for f in report["findings"])


def test_cancel_takes_effect_within_a_second(course_zip, default_profile):
    probes = {"polite": PoliteSlowProbe, "counting": CountingProbe}
    runner = Runner(probes)
    profile = profile_with(default_profile, required=())
    threading.Timer(0.3, runner.cancel).start()
    start = time.monotonic()
    record = runner.run(course_zip, profile)
    assert time.monotonic() - start < 1.3
    assert record.cancelled
    status = {r.probe_id: r.status for r in record.probe_runs}
    assert status == {"counting": "completed", "polite": "cancelled"}
    report = assess(record, profile, probes)
    assert report["run"]["status"] == "cancelled"


def test_rejected_package_is_a_blocker_and_other_probes_skip(tmp_path, default_profile):
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    probes = {"package": discover_probes()[0]["package"], "counting": CountingProbe}
    record = Runner(probes).run(bad, default_profile)
    report = assess(record, default_profile, probes)
    by_rule = {f["rule_id"]: f for f in report["findings"]}
    assert by_rule["package.archive-rejected"]["severity"] == "blocker"
    assert by_rule["counting.probe-skipped"]["status"] == "skipped"
    assert report["verdict"] == NOT_CERTIFIED


def test_required_probe_not_run_makes_conditional(course_zip, default_profile):
    probes = {"counting": CountingProbe}
    profile = profile_with(default_profile, required=("package",))
    small = build_zip(course_zip.parent / "small.zip", {"index.html": "<html></html>"})
    report = assess(Runner(probes).run(small, profile), profile, probes)
    assert report["verdict"] == CONDITIONAL
    profile_ok = profile_with(default_profile, required=("counting",))
    assert assess(Runner(probes).run(small, profile_ok), profile_ok, probes)["verdict"] == CERTIFIED


def test_unknown_probe_id_is_bad_input(course_zip, default_profile):
    from certifier.errors import CertifierError

    with pytest.raises(CertifierError, match="Unknown probe"):
        Runner({"counting": CountingProbe}).run(course_zip, default_profile, ["nope"])
