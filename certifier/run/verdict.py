"""The certification verdict, computed the same way for every report.

- NOT CERTIFIED: any blocker or major finding failed.
- CONDITIONAL: only minor findings failed, or a minor-or-worse finding warned, or any probe
  errored or timed out, or a probe the profile requires was skipped or did not run.
- CERTIFIED: otherwise. Findings of severity ``info`` inform and never change the verdict.
"""

from __future__ import annotations

from collections.abc import Iterable

from certifier.policy.findings import Finding, Severity, Status

CERTIFIED = "CERTIFIED"
CONDITIONAL = "CONDITIONAL"
NOT_CERTIFIED = "NOT CERTIFIED"

VERDICT_RULE = (
    "NOT CERTIFIED if any blocker or major finding failed; CONDITIONAL if only minor findings "
    "failed, a finding above info warned, any probe errored or timed out, or a probe the profile "
    "requires was skipped or not run; otherwise CERTIFIED. Info findings never change the verdict."
)


def verdict(findings: Iterable[Finding], probe_status: dict[str, str], required: Iterable[str]) -> str:
    findings = list(findings)
    if any(f.status is Status.FAIL and f.severity in (Severity.BLOCKER, Severity.MAJOR) for f in findings):
        return NOT_CERTIFIED
    if any(f.status is Status.ERROR for f in findings):
        return CONDITIONAL
    if any(f.status in (Status.FAIL, Status.WARN) and f.severity is not Severity.INFO for f in findings):
        return CONDITIONAL
    if any(probe_status.get(p) != "completed" for p in required):
        return CONDITIONAL
    return CERTIFIED
