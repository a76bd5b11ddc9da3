"""What the command line prints: the verdict summary and a one-line progress bar."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TextIO

from certifier.policy.findings import PROBLEM_STATUSES, evidence_label
from certifier.run.run_record import RunEvent

TOP_FINDINGS_SHOWN = 10
BAR_WIDTH = 30


def format_summary(report: dict[str, Any], probe_lines: Sequence[str] = ()) -> str:
    """The verdict, counts and top findings; ``probe_lines`` are the lines probes add (e.g. machine facts)."""
    package = report["package"]
    counts = report["summary"]["by_status"]
    failed = report["summary"]["failed_by_severity"]
    counted = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    failed_text = ", ".join(f"{n} {s}" for s, n in failed.items() if n)
    cancelled = "  (run cancelled: incomplete)" if report["run"]["status"] == "cancelled" else ""
    course = (
        f"{package.get('title') or package.get('name')} — {package.get('name')} ({package.get('standard', 'not read')})"
        if package.get("path")
        else "none (machine check only)"
    )
    lines = [
        *probe_lines,
        f"Course:   {course}",
        f"Profile:  {report['profile']['name']}",
        f"VERDICT:  {report['verdict']}{cancelled}",
        f"Findings: {counted}" + (f"  |  failed: {failed_text}" if failed_text else ""),
    ]
    top = [f for f in report["findings"] if f["status"] in PROBLEM_STATUSES][:TOP_FINDINGS_SHOWN]
    if top:
        lines.append("")
        lines.append("Top findings:")
    for f in top:
        where = ", ".join(evidence_label(e) for e in f["evidence"][:2])
        value = f" [{f['measured']} vs {f['limit']} {f['unit'] or ''}]".rstrip() if f.get("limit") is not None else ""
        lines.append(f"  {f['severity'].upper():<7} {f['status']:<5} {f['rule_id']}{value}")
        lines.append(f"          {f['message']}")
        if where:
            lines.append(f"          at {where}")
        if f["remediation"]:
            lines.append(f"          fix: {f['remediation']}")
    lines.append("")
    lines.append(f"Rule: {report['verdict_rule']}")
    return "\n".join(lines)


class ProgressBar:
    """A one-line progress bar on a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def update(self, event: RunEvent) -> None:
        if event.kind not in ("step-started", "step-progress", "step-finished"):
            return
        filled = int(event.overall * BAR_WIDTH)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        self.stream.write(f"\r[{bar}] {event.overall:4.0%} {event.step:<14} {event.message[:40]:<40}")
        self.stream.flush()

    def finish(self) -> None:
        self.stream.write("\r" + " " * (BAR_WIDTH + 64) + "\r")
        self.stream.flush()
