"""Two runs of a course side by side: what got fixed, what is new, what still fails, what moved."""

from __future__ import annotations

from typing import Any

from certifier.policy.findings import PROBLEM_STATUSES as PROBLEM


def compare_reports(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    before = {f["rule_id"]: f for f in old["findings"]}
    after = {f["rule_id"]: f for f in new["findings"]}
    failing_before = {r for r, f in before.items() if f["status"] in PROBLEM}
    failing_after = {r for r, f in after.items() if f["status"] in PROBLEM}
    moved = []
    for rule in sorted(set(before) & set(after)):
        a, b = before[rule].get("measured"), after[rule].get("measured")
        if a != b and a is not None and b is not None:
            moved.append({"rule_id": rule, "before": a, "after": b, "unit": after[rule].get("unit")})
    return {
        "old": {"verdict": old["verdict"], "run": old["run"]["id"], "finished_at": old["run"]["finished_at"]},
        "new": {"verdict": new["verdict"], "run": new["run"]["id"], "finished_at": new["run"]["finished_at"]},
        "fixed": sorted(failing_before - failing_after),
        "new_failures": sorted(failing_after - failing_before),
        "still_failing": sorted(failing_before & failing_after),
        "moved": moved,
    }


def format_comparison(result: dict[str, Any], old: dict[str, Any], new: dict[str, Any]) -> str:
    def label(report: dict[str, Any], rule: str) -> str:
        f = next((f for f in report["findings"] if f["rule_id"] == rule), None)
        return f"{rule} — {f['message'][:100]}" if f else rule

    lines = [f"Verdict: {result['old']['verdict']} → {result['new']['verdict']}"]
    for title, rules, source in (
        ("Fixed", result["fixed"], old),
        ("New failures", result["new_failures"], new),
        ("Still failing", result["still_failing"], new),
    ):
        lines.append(f"{title} ({len(rules)}):")
        lines.extend(f"  {label(source, r)}" for r in rules)
    lines.append(f"Measured values that moved ({len(result['moved'])}):")
    lines.extend(
        f"  {m['rule_id']}: {figure(m['before'])} → {figure(m['after'])} {m['unit'] or ''}".rstrip()
        for m in result["moved"]
    )
    return "\n".join(lines)


def figure(value: Any) -> str:
    """A measured value as people read it: 57.6, not 57.60000000009313; 1,234 with its separator."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.{3 if abs(value) < 1 else 1}f}".rstrip("0").rstrip(".")
