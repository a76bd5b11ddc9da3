"""Running real probes on real packages in tests."""

from __future__ import annotations

from pathlib import Path

from certifier.policy.profiles import Profile
from certifier.policy.registry import discover_probes, load_profile
from certifier.run.report import assess
from certifier.run.runner import Runner


def check(
    path: Path,
    probes: tuple[str, ...] = ("conformance",),
    profile: Profile | str = "default",
    staging_url: str | None = None,
) -> dict:
    """Run the probes and return the report."""
    if isinstance(profile, str):
        profile = load_profile(profile)
    installed = discover_probes()[0]
    record = Runner(installed).run(path, profile, list(probes), staging_url)
    _EVIDENCE[record.run_id] = {run.probe_id: run.evidence for run in record.probe_runs}
    while len(_EVIDENCE) > EVIDENCE_KEPT:
        _EVIDENCE.pop(next(iter(_EVIDENCE)))
    return assess(record, profile, installed)


def by_rule(report: dict) -> dict[str, dict]:
    return {f["rule_id"]: f for f in report["findings"]}


def line_of(text: str, needle: str) -> int:
    index = text.index(needle)
    return text.count("\n", 0, index) + 1


def evidence_at(finding: dict) -> list[tuple[str | None, int | None]]:
    return [(e.get("path"), e.get("line")) for e in finding["evidence"]]


_EVIDENCE: dict[str, dict] = {}
EVIDENCE_KEPT = 4  # runs whose evidence stays available; more would only grow the heap across tests


def last_evidence(report: dict, probe_id: str) -> dict:
    """The evidence the probe gathered in the run that produced ``report``."""
    return _EVIDENCE[report["run"]["id"]][probe_id]
