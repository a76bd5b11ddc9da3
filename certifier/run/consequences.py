"""One defect, one finding: findings that a failing root finding explains become its consequences.

A missing content page makes the lesson render nothing and never call Initialize; tracking
switched off makes it never initialise. Each rule says which rules' failures can explain it
(``Rule.consequence_of``, by id: probes stay independent). A failing finding is a consequence
when such a root also fails and explains *every* place the finding names: the same file, or a
file of the same lesson (the launch map's reachable files). The root then carries the group's
worst severity and lists its consequences; each consequence names its root. Every rule's outcome
stays in the report; the headline tally counts the root once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from certifier.policy.findings import SEVERITY_ORDER, Finding, Severity, Status
from certifier.policy.rules import Rule

FAILING = (Status.FAIL, Status.WARN)


def _places(finding: Finding) -> set[str]:
    return {e.path for e in finding.evidence if e.path}


def _lessons(outputs: Mapping[str, Any]) -> dict[str, set[str]]:
    """Each launch page with the files a browser loads from it (the conformance probe's launch map)."""
    launch_map = (outputs.get("conformance") or {}).get("launch_map") or []
    return {u["launch"]: {u["launch"], *u.get("files", [])} for u in launch_map if u.get("launch")}


def _explains(root: Finding, finding: Finding, lessons: Mapping[str, set[str]]) -> bool:
    """Whether every place ``finding`` names is the root's place, or a lesson whose files hold it."""
    root_places, places = _places(root), _places(finding)
    if not root_places or not places:
        return False
    return all(place in root_places or lessons.get(place, set()) & root_places for place in places)


def group_consequences(
    findings: Sequence[Finding], rules: Mapping[str, Rule], outputs: Mapping[str, Any]
) -> list[Finding]:
    """The findings with consequences marked (``details.consequence_of``) and their roots raised to
    the group's worst severity (``details.consequences``), in the same order."""
    lessons = _lessons(outputs)
    failing = {f.rule_id: f for f in findings if f.status in FAILING and f.severity is not Severity.INFO}
    root_of: dict[str, str] = {}
    for finding in failing.values():
        rule = rules.get(finding.rule_id)
        for root_id in rule.consequence_of if rule else ():
            root = failing.get(root_id)
            if root is not None and root_id not in root_of and _explains(root, finding, lessons):
                root_of[finding.rule_id] = root_id
                break
    if not root_of:
        return list(findings)
    consequences: dict[str, list[Finding]] = {}
    for rule_id, root_id in root_of.items():
        consequences.setdefault(root_id, []).append(failing[rule_id])
    grouped = []
    for finding in findings:
        if finding.rule_id in root_of:
            grouped.append(_with(finding, consequence_of=root_of[finding.rule_id]))
        elif finding.rule_id in consequences:
            group = consequences[finding.rule_id]
            worst = min((finding, *group), key=lambda f: SEVERITY_ORDER[f.severity]).severity
            grouped.append(
                dataclasses.replace(
                    _with(finding, consequences=sorted(f.rule_id for f in group)),
                    severity=worst,
                    status=Status.FAIL if any(f.status is Status.FAIL for f in group) else finding.status,
                )
            )
        else:
            grouped.append(finding)
    return grouped


def _with(finding: Finding, **details: Any) -> Finding:
    return dataclasses.replace(finding, details={**finding.details, **details})


def is_consequence(finding: Mapping[str, Any]) -> bool:
    """A report finding (JSON) that another finding explains: listed, not counted again."""
    return bool((finding.get("details") or {}).get("consequence_of"))


def rule_catalogue(probes: Iterable[Any]) -> dict[str, Rule]:
    """Every installed probe's rules by id."""
    return {rule_id: rule for cls in probes for rule_id, rule in (getattr(cls, "rules", None) or {}).items()}
