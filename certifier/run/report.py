"""The certification report: one JSON document, the single source every rendering reads.

``assess`` applies the rules of each probe to the evidence of a run against a profile, so a
report can be rebuilt from saved evidence against another profile without touching the package.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from certifier import __version__
from certifier.errors import CertifierError
from certifier.policy.findings import SEVERITY_ORDER, Finding, Severity, Status
from certifier.policy.probe_api import Need, Probe, rule_limits
from certifier.policy.profiles import Profile
from certifier.run.consequences import group_consequences, rule_catalogue
from certifier.run.run_record import RunRecord
from certifier.run.verdict import VERDICT_RULE, verdict

REPORT_SCHEMA_VERSION = "1.0"
TOOL_NAME = "Course Certifier"


def probe_outcome_finding(probe_id: str, title: str, status: str, reason: str) -> Finding | None:
    """The finding that stands for a probe that did not complete."""
    if status in ("error", "timeout"):
        return Finding(
            rule_id=f"{probe_id}.probe-{status}",
            title=f"{title or probe_id} could not finish",
            severity=Severity.MAJOR,
            status=Status.ERROR,
            message=reason,
            remediation="Re-run the check; if it fails again, send this report to the tool's maintainers.",
            it_risk="What this probe checks was not verified for this course.",
        )
    if status in ("skipped", "cancelled"):
        return Finding(
            rule_id=f"{probe_id}.probe-skipped",
            title=f"{title or probe_id} did not run",
            severity=Severity.INFO,
            status=Status.SKIPPED,
            message=reason,
            it_risk="What this probe checks was not verified for this course.",
        )
    return None


def evaluate_findings(record: RunRecord, profile: Profile, probes: dict[str, type[Probe]]) -> list[Finding]:
    findings: list[Finding] = []
    for run in record.probe_runs:
        outcome = probe_outcome_finding(run.probe_id, run.title, run.status, run.reason)
        if outcome:
            findings.append(outcome)
            continue
        cls = probes.get(run.probe_id)
        if cls is None:
            findings.append(
                Finding(
                    rule_id=f"{run.probe_id}.probe-missing",
                    title=f"Probe {run.probe_id} is not installed",
                    severity=Severity.MAJOR,
                    status=Status.ERROR,
                    message="The evidence holds this probe's data but the probe is not installed here.",
                )
            )
            continue
        try:
            findings.extend(cls().evaluate(run.evidence or {}, rule_limits(cls, profile)))
        except Exception as exc:  # a rule's bug is reported, never a crashed report
            outcome = probe_outcome_finding(
                run.probe_id, run.title, "error", f"Rules failed: {type(exc).__name__}: {exc}"
            )
            if outcome is not None:  # always, for "error"; the type allows none for other outcomes
                findings.append(outcome)
    return sort_findings(findings)


def sort_findings(findings: list[Finding]) -> list[Finding]:
    status_rank = {Status.FAIL: 0, Status.ERROR: 1, Status.WARN: 2, Status.SKIPPED: 3, Status.PASS: 4}
    return sorted(findings, key=lambda f: (status_rank[f.status], SEVERITY_ORDER[f.severity], f.rule_id))


def summarise(findings: list[Finding]) -> dict[str, Any]:
    """The tally: a consequence of another finding is listed under its root, not counted again."""
    findings = [f for f in findings if not f.details.get("consequence_of")]
    by_status = Counter(f.status.value for f in findings)
    failed = Counter(f.severity.value for f in findings if f.status is Status.FAIL)
    return {
        "by_status": {s.value: by_status.get(s.value, 0) for s in Status},
        "failed_by_severity": {s.value: failed.get(s.value, 0) for s in Severity},
        "total": len(findings),
    }


def assess(record: RunRecord, profile: Profile, probes: dict[str, type[Probe]]) -> dict[str, Any]:
    outputs = {run.probe_id: (run.evidence or {}).get("outputs", {}) for run in record.probe_runs}
    findings = sort_findings(
        group_consequences(evaluate_findings(record, profile, probes), rule_catalogue(probes.values()), outputs)
    )
    probe_status = {run.probe_id: run.status for run in record.probe_runs}
    required = profile.section("certification").get("required_probes", [])
    if not record.package.get("path"):
        # Without a course (a desktop-readiness check) the course probes cannot be required.
        required = [p for p in required if p in probes and Need.PACKAGE not in probes[p].needs]
    # A required probe that was not run at all counts like a skipped one.
    result = verdict(findings, probe_status, required)
    counts = Counter(f.probe_id for f in findings if f.status is Status.FAIL and not f.details.get("consequence_of"))
    return {
        "schema_version": REPORT_SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": __version__},
        "run": {
            "id": record.run_id,
            "started_at": record.started_at,
            "finished_at": record.finished_at,
            "status": "cancelled" if record.cancelled else "completed",
            "staging_url": record.staging_url,
            "evidence_profile": record.gathered_with_profile,
        },
        "machine": record.machine,
        "profile": profile.to_dict(),
        "package": record.package,
        "inventory": record.inventory.to_dict()["files"] if record.inventory else [],
        "probes": [
            {
                "id": run.probe_id,
                "title": run.title,
                "status": run.status,
                "reason": run.reason,
                "duration_s": run.duration_s,
                "failed_findings": counts.get(run.probe_id, 0),
                "required": run.probe_id in required,
                "grading": probes[run.probe_id].grading if run.probe_id in probes else "",
            }
            for run in record.probe_runs
        ],
        "findings": [f.to_dict() for f in findings],
        "summary": summarise(findings),
        "verdict": result,
        "verdict_rule": VERDICT_RULE,
        "outputs": outputs,
    }


def report_problems(data: Any) -> list[str]:
    """Where a report departs from the published schema (resources/report.schema.json)."""
    import jsonschema

    from certifier.host.resources_path import resource_path

    schema = json.loads(resource_path("report.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    problems = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in error.absolute_path) or "the report"
        problems.append(f"{where}: {error.message[:160]}")
        if len(problems) >= 5:
            break
    return problems


def load_report(path: str, validate: bool = True) -> dict[str, Any]:
    """A report file, checked against the published schema before anything renders or signs it
    (``verify`` reads it unchecked: it must explain what was edited, not refuse it)."""
    try:
        report = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        raise CertifierError(f"Cannot read the report {path}: {exc}") from exc
    if not isinstance(report, dict) or "findings" not in report or "verdict" not in report:
        raise CertifierError(f"{path} is not a Course Certifier report.")
    if validate:
        problems = report_problems(report)
        if problems:
            raise CertifierError(f"{path} is not a valid Course Certifier report: " + "; ".join(problems) + ".")
    return report


def write_json_atomic(path: str | Path, data: Any) -> Path:
    """Write JSON through a temporary file and a rename, so no reader sees half a file."""
    from certifier.host.files import write_atomic

    return write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8"))


def findings_of(report: dict[str, Any]) -> list[Finding]:
    return [Finding.from_dict(f) for f in report["findings"]]
