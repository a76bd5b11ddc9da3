"""Pure rules of the capacity plan: one learner's demand, sites with no bandwidth or a slow start, deadlines and the LMS's load at the rollout's peak."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from certifier.planning.capacity import SitePlan, alone_wait_s, describe_fix
from certifier.planning.demand import Demand
from certifier.policy.findings import Evidence, Finding, Severity, Status, counted, quantity
from certifier.policy.rules import Rule

DEADLINES = Rule(
    "capacity.deadlines",
    "Every site can finish by its deadline",
    "Some sites cannot finish by their deadline",
    Severity.MAJOR,
    it_risk="Bandwidth: released together, these sites' learners would saturate the link and stall every application "
    "on it.",
)
NO_BANDWIDTH = Rule(
    "capacity.no-bandwidth",
    "Every site has bandwidth for training",
    "Some sites have no bandwidth for training",
    Severity.BLOCKER,
    remediation="Give training a share of these links, or provide the course locally (offline copy).",
    it_risk="Bandwidth: learners at these sites cannot take the course over the network.",
)
SLOW_START = Rule(
    "capacity.slow-start",
    "Every site carries a learner without a slow start",
    "Some sites carry one learner at a time, after a slow start",
    Severity.MINOR,
    remediation="Cache the player's first load near these sites or trim it, or give training a larger share of the link.",
    it_risk="Experience: one learner at a time, each waiting for the first load; support calls about a slow course.",
)
PLAN = Rule("capacity.plan", "Rollout plan", "No rollout plan", Severity.INFO)
DEMAND = Rule(
    "capacity.demand",
    "One learner's demand on the network",
    "One learner's demand could not be measured",
    Severity.INFO,
    it_risk="Bandwidth: the plan multiplies this one figure by the learners online at once at each site.",
)
LMS_LOAD = Rule(
    "capacity.lms-load",
    "The LMS's load at the rollout's peak",
    "The LMS's load at the rollout's peak exceeds its limit",
    Severity.MAJOR,
    remediation="Stagger the sites' waves so fewer learners are online at once, have the course commit less often "
    "(session.lms-load names the setting), or confirm the LMS is sized for this rate.",
    it_risk="Servers: every write is a database transaction on the LMS; at the rollout's peak they arrive together.",
)


def demand_finding(demand: Mapping[str, Any] | None) -> list[Finding]:
    """The one figure, with how it was had (measured, or estimated and why) and what drives it."""
    if not demand:
        return []
    return [
        DEMAND.finding(
            Status.PASS,
            demand["explained"],
            measured=demand["kbps"],
            unit="kbps",
            evidence=tuple(Evidence(path=p) for p in (demand.get("driver") or {}).get("files", [])[:3]),
            details={
                "basis": demand["basis"],
                "driver": demand.get("driver"),
                "window_s": demand["window_s"],
                "excluded": [e["path"] for e in demand.get("excluded") or []],
            },
        )
    ]


def lms_sentence(peak: Mapping[str, Any]) -> str:
    busiest = max(peak["sites"], key=lambda s: s["writes_per_s"], default=None)
    return (
        f"{quantity(peak['peak_writes_per_s'])} writes a second ({quantity(peak['peak_bytes_per_s'] / 1024)} KB/s) "
        f"from {peak['peak_at_once']:,} learners online at once across the sites' first waves, at "
        f"{quantity(peak['writes_per_learner_min'])} writes a minute per learner"
        + (
            f"; the busiest site, {busiest['name']}, sends {quantity(busiest['writes_per_s'])} a second"
            if busiest and len(peak["sites"]) > 1
            else ""
        )
        + "."
    )


def lms_finding(peak: Mapping[str, Any], lms_limits: Mapping[str, Any]) -> Finding:
    limit = float(lms_limits.get("max_writes_per_s") or 0)
    over = limit > 0 and peak["peak_writes_per_s"] > limit
    return LMS_LOAD.finding(
        Status.FAIL if over else Status.PASS,
        lms_sentence(peak)
        + (
            f" The LMS is sized for {quantity(limit)} ([lms] max_writes_per_s)."
            if limit
            else " No limit is set ([lms] max_writes_per_s = 0): the figure is for IT to compare."
        ),
        measured=peak["peak_writes_per_s"],
        limit=limit or None,
        unit="writes/s",
        details={"sites": peak["sites"]},
    )


def plural(count: int, noun: str) -> str:
    return noun if count == 1 else noun + "s"


FIXES_LISTED = 10  # the rollout table lists every site's fix


def slow_start_finding(slow: list[SitePlan], max_wait_s: float) -> Finding:
    """Sites whose link is narrower than one learner's demand, yet carries one learner alone: the
    media play at their rate and the first load arrives within max_alone_wait_s, only slowly."""
    if not slow:
        return SLOW_START.finding(Status.PASS, "Every site carries its learners at the full demand.")
    slowest = max(slow, key=lambda p: p.alone_wait_s or 0.0)
    named = ", ".join(f"{p.name} ({p.alone_wait_s:,.0f} s)" for p in slow[:FIXES_LISTED])
    return SLOW_START.finding(
        Status.FAIL,
        f"{counted(len(slow), 'site')} carry one learner at a time: their link is narrower than one learner's demand, "
        f"but carries the media at their rate, and a learner alone waits up to {slowest.alone_wait_s:,.0f} s for the "
        f"first load (within capacity.max_alone_wait_s, {max_wait_s:g} s): {named}"
        + (f"; … {len(slow) - FIXES_LISTED} more" if len(slow) > FIXES_LISTED else "")
        + ".",
        measured=slowest.alone_wait_s,
        limit=max_wait_s,
        unit="s",
        evidence=tuple(Evidence(path=p.name, note=f"one learner, {p.alone_wait_s:,.0f} s first load") for p in slow),
    )


def site_fixes(sites: list[SitePlan]) -> str:
    """Each site's fix with its figure, as the plan computed it (the first ones; the table has all)."""
    fixed = [f"{p.name}: {describe_fix(p.fix)}" for p in sites if p.fix]
    more = f"; … {len(fixed) - FIXES_LISTED} more in the rollout table" if len(fixed) > FIXES_LISTED else ""
    return "; ".join(fixed[:FIXES_LISTED]) + more


def deadline_finding(late: list[SitePlan], demand_kbps: float, starved: int = 0) -> Finding:
    if not late:
        return DEADLINES.finding(
            Status.PASS,
            "Every site finishes by its deadline.",
            measured=0,
            limit=0,
            unit="sites",
            it_risk="Bandwidth: the staggered rollout fits each site's link.",
        )
    parts = []
    for p in late[:10]:
        parts.append(
            f"{p.name}: {p.learners:,} {plural(p.learners, 'learner')}, {p.max_concurrent:,} at once, "
            f"{p.waves} {plural(p.waves, 'wave')}, done {p.completion or 'never'} (deadline {p.deadline}) — "
            + describe_fix(p.fix)
        )
    carried = f" ({starved} of them carry no learner at all: see capacity.no-bandwidth)" if starved else ""
    return DEADLINES.finding(
        Status.FAIL,
        f"{len(late)} {plural(len(late), 'site')} miss their deadline at {demand_kbps:,.0f} kbps per "
        f"learner{carried}. " + "; ".join(parts[:3]),
        measured=len(late),
        limit=0,
        unit="sites",
        evidence=tuple(
            Evidence(path=p.name, note=f"done {p.completion or 'never'}, deadline {p.deadline}") for p in late
        ),
        remediation=site_fixes(late),
        details={"late": [p.name for p in late]},
    )


def starved_because(starved: list[SitePlan], demand: Mapping[str, Any] | None, max_wait_s: float) -> str:
    """Why the narrowest of these links carries no one: below the media's rate, or a learner alone
    would wait longer than max_alone_wait_s for the first load (a figure IT can weigh)."""
    if not starved or not demand:
        return ""
    measured = Demand.from_dict(demand)
    narrowest = min(starved, key=lambda p: p.link_mbps * p.training_share)
    training_kbps = narrowest.link_mbps * 1000 * narrowest.training_share
    wait = alone_wait_s(training_kbps, measured)
    if wait == float("inf"):
        return f" ({narrowest.name}'s {training_kbps:,.0f} kbps for training is below the {measured.media_kbps:,.0f} kbps of media that play at once)"
    return (
        f" ({narrowest.name}: a learner alone would wait {wait:,.0f} s for the first load, over "
        f"capacity.max_alone_wait_s, {max_wait_s:g} s)"
    )
