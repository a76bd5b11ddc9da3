"""Rule declarations: each rule's id, titles, severity, remediation and IT risk, declared once.

A probe's rule module declares each rule beside the function that applies it (as Lighthouse
audits declare their ``meta``); the probe's catalogue is generated from those declarations, and
findings take their wording from them. A failing rule is headlined by its *failure title*
("Adobe Flash content required"), a passing one by its title ("No Adobe Flash content").

A finding may carry its own remediation or IT risk when the text holds figures computed from the
evidence ("re-encode at 1,200 kbps: −40 % bytes"); the declaration gives the default wording.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from certifier.policy.findings import Evidence, Finding, Severity, Status, from_problems

FAILING = (Status.FAIL, Status.WARN)


@dataclass(frozen=True)
class Rule:
    id: str
    title: str  # what is checked, worded as the state that passes
    failure_title: str  # the headline when the rule fails or warns
    severity: Severity  # the usual severity; a policy may set another per finding
    remediation: str = ""
    it_risk: str = ""
    spec_ref: str | None = None
    # Rules whose failure can explain this one's (by id; see certifier.run.consequences): when such a
    # root fails for the same places, this finding is listed as its consequence, not counted again.
    consequence_of: tuple[str, ...] = ()

    def _headed(self, finding: Finding) -> Finding:
        title = self.failure_title if finding.status in FAILING else self.title
        return finding if finding.title == title else dataclasses.replace(finding, title=title)

    def finding(
        self,
        status: Status,
        message: str = "",
        *,
        severity: Severity | None = None,
        remediation: str | None = None,
        it_risk: str | None = None,
        spec_ref: str | None = None,
        **fields: Any,
    ) -> Finding:
        """One finding of this rule with the declared wording (overridable where figures go in); a
        passing finding carries no remediation unless one is given."""
        if remediation is None:
            remediation = self.remediation if status in FAILING else ""
        return self._headed(
            Finding(
                self.id,
                self.title,
                severity or self.severity,
                status,
                message,
                remediation=remediation,
                it_risk=self.it_risk if it_risk is None else it_risk,
                spec_ref=self.spec_ref if spec_ref is None else spec_ref,
                **fields,
            )
        )

    def outcome(
        self,
        problems: list[tuple[str, Evidence]],
        ok: str,
        *,
        severity: Severity | None = None,
        remediation: str | None = None,
        it_risk: str | None = None,
        spec_ref: str | None = None,
        **kwargs: Any,
    ) -> Finding:
        """``pass`` with ``ok`` when there is no problem, else a failure listing every problem."""
        return self._headed(
            from_problems(
                self.id,
                self.title,
                severity or self.severity,
                problems,
                ok,
                remediation=self.remediation if remediation is None else remediation,
                it_risk=self.it_risk if it_risk is None else it_risk,
                spec_ref=self.spec_ref if spec_ref is None else spec_ref,
                **kwargs,
            )
        )


def declared_in(*sources: ModuleType | Iterable[Rule]) -> dict[str, Rule]:
    """The catalogue of rules declared in modules (their module-level ``Rule`` values) or given
    directly, by id; an id declared twice is an error, found when the probe is imported."""
    catalogue: dict[str, Rule] = {}
    for source in sources:
        rules = (
            [v for v in vars(source).values() if isinstance(v, Rule)]
            if isinstance(source, ModuleType)
            else list(source)
        )
        for rule in rules:
            if rule.id in catalogue and catalogue[rule.id] is not rule:
                raise ValueError(f"rule {rule.id} is declared twice")
            catalogue[rule.id] = rule
    return dict(sorted(catalogue.items()))


def titles(catalogue: Mapping[str, Rule | str]) -> dict[str, str]:
    """Rule id → title, for a catalogue of declarations (or a third-party probe's plain titles)."""
    return {rule_id: rule.title if isinstance(rule, Rule) else str(rule) for rule_id, rule in catalogue.items()}


# Findings the runner writes for any probe that did not complete (certifier.run.report): their ids are
# "<probe>.<outcome>", one family for every probe, not rules of the probe itself.
RUNNER_OUTCOMES = ("probe-error", "probe-timeout", "probe-skipped", "probe-missing")


def is_declared(rule_id: str, catalogues: Mapping[str, Mapping[str, Rule | str]]) -> bool:
    """True when a finding's id is declared by its probe, or is a runner outcome."""
    probe_id, _, name = rule_id.partition(".")
    return name in RUNNER_OUTCOMES or rule_id in catalogues.get(probe_id, {})
