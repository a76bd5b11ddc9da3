"""The ``capacity`` probe: learners at once per site, staggered waves and the rollout's dates."""

from __future__ import annotations

import sys
import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from certifier.planning.capacity import Site, describe_fix, load_sites, plan_rollout, resolve_sites_file
from certifier.policy.findings import Evidence, Finding, Severity, Status
from certifier.policy.probe_api import Probe, ProbeContext
from certifier.policy.profiles import LimitSpec
from certifier.policy.rules import Rule, declared_in


def learner_demand_kbps(evidence: Mapping[str, Any], max_load_time_s: float) -> tuple[float, str]:
    """What one learner pulls: the media peak, or the heaviest page over the load budget."""
    media = evidence.get("media", {}).get("outputs", {}).get("learner_demand", {})
    pages = evidence.get("pageload", {}).get("pages", [])
    page_bytes = max((sum(r.get("bytes", 0) for r in p["requests"] if r["kind"] != "media") for p in pages), default=0)
    page_kbps = page_bytes * 8 / 1000 / max_load_time_s if page_bytes else 0.0
    if media.get("kbps", 0) >= page_kbps and media.get("kbps"):
        return float(media["kbps"]), f"media peak of {', '.join(media['files'])}"
    if page_kbps:
        return round(page_kbps, 1), "heaviest page over the load-time budget"
    return 0.0, "no media or page measured"


DEADLINES = Rule(
    "capacity.deadlines", "Every site can finish by its deadline",
    "Some sites cannot finish by their deadline", Severity.MAJOR,
    it_risk="Bandwidth: released together, these sites' learners would saturate the link and stall every application "
            "on it.")
NO_BANDWIDTH = Rule(
    "capacity.no-bandwidth", "Every site has bandwidth for training",
    "Some sites have no bandwidth for training", Severity.BLOCKER,
    remediation="Give training a share of these links, or provide the course locally (offline copy).",
    it_risk="Bandwidth: learners at these sites cannot take the course over the network.")
PLAN = Rule(
    "capacity.plan", "Rollout plan",
    "No rollout plan", Severity.INFO)


class CapacityProbe(Probe):
    id = "capacity"
    title = "Capacity and rollout"
    description = "Learners online at once per site, staggered waves, and whether each site finishes by its deadline."
    needs = frozenset()
    uses = ("media", "pageload")
    limits = {
        "sites_file": LimitSpec("string", "CSV or TOML of sites (bundled name or path); empty: no plan."),
        "expected_online_share": LimitSpec("number", "Planning assumption: share of released learners online at once."),
        "rollout_start": LimitSpec("string", "First day of the rollout (YYYY-MM-DD); empty: the day of the run."),
        "max_load_time_s": LimitSpec("number", "Load budget used to turn page weight into bandwidth.", "s"),
    }
    # Generated from the rule declarations.
    rules = declared_in(sys.modules[__name__])

    def gather(self, ctx: ProbeContext) -> dict[str, Any]:
        limits = ctx.limits(self.id)
        if not limits["sites_file"]:
            return {"skipped": "No sites file: set capacity.sites_file in the profile or give --sites FILE."}
        sites = load_sites(resolve_sites_file(limits["sites_file"]))
        demand, source = learner_demand_kbps(ctx.evidence, limits["max_load_time_s"])
        start = limits["rollout_start"] or dt.date.today().isoformat()
        evidence = {"sites": [{**asdict(s), "deadline": s.deadline.isoformat()} for s in sites],
                    "demand_kbps": demand, "demand_source": source, "start": start}
        plan = plan_from(evidence, limits)
        evidence["outputs"] = plan.to_dict()
        return evidence

    def evaluate(self, evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> list[Finding]:
        if evidence.get("skipped"):
            return [PLAN.finding(Status.SKIPPED, evidence["skipped"])]
        plan = plan_from(evidence, limits)
        share = limits["expected_online_share"]
        starved = [p for p in plan.sites if p.max_concurrent <= 0]
        late = [p for p in plan.sites if p.max_concurrent > 0 and not p.meets_deadline]
        findings = [
            NO_BANDWIDTH.finding(
                Status.FAIL if starved else Status.PASS,
                (f"{len(starved)} sites cannot carry even one learner at {evidence['demand_kbps']:,.0f} kbps: "
                 + ", ".join(p.name for p in starved[:10])) if starved else "Every site carries at least one learner.",
                measured=len(starved), limit=0, unit="sites",
                evidence=tuple(Evidence(path=p.name, note="no learner fits this site's link") for p in starved)),
            deadline_finding(late, evidence["demand_kbps"]),
            PLAN.finding(
                Status.PASS, plan.summary, measured=max((p.waves for p in plan.sites), default=0), unit="waves",
                it_risk=f"Planning assumption: {share:.0%} of released learners online at once "
                        "(capacity.expected_online_share).",
                details={"demand_kbps": evidence["demand_kbps"], "demand_source": evidence["demand_source"],
                         "earliest_completion": plan.earliest_completion}),
        ]
        return findings


def plan_from(evidence: Mapping[str, Any], limits: Mapping[str, Any]):
    sites = [Site(**{**s, "deadline": dt.date.fromisoformat(s["deadline"])}) for s in evidence["sites"]]
    return plan_rollout(sites, evidence["demand_kbps"], limits["expected_online_share"],
                        dt.date.fromisoformat(evidence["start"]))


def deadline_finding(late, demand_kbps: float) -> Finding:
    if not late:
        return DEADLINES.finding(Status.PASS, "Every site finishes by its deadline.", measured=0, limit=0,
                                 unit="sites", it_risk="Bandwidth: the staggered rollout fits each site's link.")
    parts = []
    for p in late[:10]:
        parts.append(f"{p.name}: {p.learners:,} learners, {p.max_concurrent} at once, {p.waves} waves, done "
                     f"{p.completion or 'never'} (deadline {p.deadline}) — " + describe_fix(p.fix))
    return DEADLINES.finding(
        Status.FAIL, f"{len(late)} sites miss their deadline at {demand_kbps:,.0f} kbps per learner. "
        + "; ".join(parts[:3]),
        measured=len(late), limit=0, unit="sites",
        evidence=tuple(Evidence(path=p.name, note=f"done {p.completion or 'never'}, deadline {p.deadline}")
                       for p in late),
        remediation="; ".join(parts), details={"late": [p.name for p in late]})
