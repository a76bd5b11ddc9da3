"""The ``capacity`` probe: learners at once per site, staggered waves and the rollout's dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from certifier.planning.capacity import RolloutPlan, Site, describe_fix, plan_rollout, site_links
from certifier.planning.demand import Demand
from certifier.planning.lms_peak import lms_peak
from certifier.planning.site_groups import GROUP_COLUMNS, WAVES_EXPLAINED, group_rows, group_sites
from certifier.planning.sites import bundled_sites_files, load_sites, resolve_sites_file
from certifier.policy import evidence_kinds as kinds
from certifier.policy.findings import Evidence, Finding, Status, counted
from certifier.policy.presentation import Bar, BarChart, CheckOption, SummaryRow, Table
from certifier.policy.probe_api import Probe, ProbeContext
from certifier.policy.profiles import RETIRED, LimitSpec
from certifier.policy.rules import declared_in

from . import rules as capacity_rules
from .command import CAPACITY_COMMAND
from .demand_inputs import excluded_media, planned_demand
from .rules import (
    NO_BANDWIDTH,
    PLAN,
    deadline_finding,
    demand_finding,
    lms_finding,
    lms_sentence,
    plural,
    site_fixes,
    slow_start_finding,
    starved_because,
)

EXAMPLE_SITES = "example-60-sites.csv"  # bundled with the tool
NOT_PLANNED = (
    "No rollout plan: one learner's demand could not be measured (no lesson started, and there is no "
    "page or media to estimate it from), so no site's capacity can be told. Fix what stops the lessons "
    "(the page-load findings say what), then run again."
)
MAX_SITES_CHARTED = 200  # one bar per site type up to this; the rollout table lists every site


class CapacityProbe(Probe):
    id = "capacity"
    title = "Capacity and rollout"
    description = "Learners online at once per site, staggered waves, and whether each site finishes by its deadline."
    needs = frozenset()
    uses = (
        kinds.SESSION_TRAFFIC,
        kinds.MEDIA_FILES,
        kinds.LEARNER_DEMAND,
        kinds.PAGE_LOADS,
        kinds.PAGE_REFERENCES,
        kinds.LMS_LOAD,
    )
    publishes = (kinds.SITE_LINKS, kinds.PLANNED_DEMAND)
    # Media the plan cannot measure count at [media]'s caps; the session's pace is [session]'s; the
    # LMS's limit is [lms]'s.
    reads_sections = ("media", "session", "lms")
    limits = {
        "demand_window_s": LimitSpec(
            "number",
            "One learner's demand is the busiest window this long of the "
            "session: a shorter burst is queued by the link, not refused.",
            "s",
        ),
        "sites_file": LimitSpec("string", "CSV or TOML of sites (bundled name or path); empty: no plan."),
        "expected_online_share": LimitSpec("number", "Planning assumption: share of released learners online at once."),
        "rollout_start": LimitSpec("string", "First day of the rollout (YYYY-MM-DD); empty: the day of the run."),
        "max_alone_wait_s": LimitSpec(
            "number",
            "A link narrower than one learner's demand carries one learner if the media fit and a learner alone "
            "waits at most this long for the first load; 0: never.",
            "s",
        ),
        "max_load_time_s": LimitSpec(
            RETIRED,
            "one learner's demand is measured over [capacity] demand_window_s; remove this key from [capacity].",
        ),
    }
    commands = (CAPACITY_COMMAND,)
    check_options = (
        CheckOption(
            "--sites",
            "sites_file",
            "FILE",
            "Sites to plan the rollout for (CSV or TOML; or a bundled file by name, e.g. example-60-sites)",
            is_file=True,
            resolve=resolve_sites_file,
            bundled=bundled_sites_files,
        ),
    )
    demo_settings = {"sites_file": EXAMPLE_SITES}  # the demo answers "how many at once, and when is all done?"
    # Generated from the rule declarations.
    rules = declared_in(capacity_rules)

    def gather(self, ctx: ProbeContext) -> dict[str, Any]:
        limits = ctx.limits(self.id)
        demand = self._demand(ctx, limits)
        lms = ctx.shared(kinds.LMS_LOAD) or {}
        if not limits["sites_file"]:
            return {
                "skipped": "No sites file: set capacity.sites_file in the profile or give --sites FILE.",
                "demand": demand.to_dict(),
                "outputs": {"demand": demand.to_dict()},
            }
        if demand.basis == "none" or demand.kbps <= 0:
            # A plan at 0 kbps promises every site everything: for a course whose lessons never
            # started (nothing measured, no media or page bytes to estimate from) there is no plan.
            return {
                "skipped": NOT_PLANNED,
                "demand": demand.to_dict(),
                "outputs": {"demand": demand.to_dict(), "not_planned": NOT_PLANNED},
            }
        sites = load_sites(resolve_sites_file(limits["sites_file"]))
        start = limits["rollout_start"] or dt.date.today().isoformat()
        evidence = {
            "sites": [{**asdict(s), "deadline": s.deadline.isoformat()} for s in sites],
            "demand_kbps": demand.kbps,
            "demand": demand.to_dict(),
            "start": start,
            "lms_load": lms,
        }
        plan = plan_from(evidence, limits)
        outputs: dict[str, Any] = {
            **plan.to_dict(),
            "demand": demand.to_dict(),
            "site_links": site_links(sites, demand.kbps),
        }
        if lms:
            outputs["lms_peak"] = lms_peak(plan.sites, limits["expected_online_share"], lms)
        evidence["outputs"] = outputs
        return evidence

    def _demand(self, ctx: ProbeContext, limits: Mapping[str, Any]) -> Demand:
        media_files = ctx.shared(kinds.MEDIA_FILES) or []
        package_files = {f.path for f in ctx.course_inventory.files}
        excluded = excluded_media(
            media_files, ctx.shared(kinds.PAGE_REFERENCES) or [], package_files, ctx.profile.section("media")
        )
        return planned_demand(
            ctx.shared(kinds.SESSION_TRAFFIC),
            media_files,
            ctx.shared(kinds.LEARNER_DEMAND),
            ctx.shared(kinds.PAGE_LOADS),
            excluded,
            limits["demand_window_s"],
            ctx.profile.section("session").get("learner_screen_s") or 0,
        )

    def evaluate(self, evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> list[Finding]:
        demand = demand_finding(evidence.get("demand"))
        if evidence.get("skipped"):
            return [*demand, PLAN.finding(Status.SKIPPED, evidence["skipped"])]
        plan = plan_from(evidence, limits)
        share = limits["expected_online_share"]
        starved = [p for p in plan.sites if p.max_concurrent <= 0]
        late = [p for p in plan.sites if not p.meets_deadline]  # the starved never finish: they are late too
        findings = [
            NO_BANDWIDTH.finding(
                Status.FAIL if starved else Status.PASS,
                (
                    f"{len(starved)} {plural(len(starved), 'site')} cannot carry even one learner at "
                    f"{evidence['demand_kbps']:,.0f} kbps: "
                    + ", ".join(p.name for p in starved[:10])
                    + starved_because(starved, evidence.get("demand"), limits["max_alone_wait_s"])
                )
                if starved
                else "Every site carries at least one learner.",
                measured=len(starved),
                limit=0,
                unit="sites",
                evidence=tuple(Evidence(path=p.name, note="no learner fits this site's link") for p in starved),
                remediation=site_fixes(starved) if starved else "",
            ),
            deadline_finding(late, evidence["demand_kbps"], len(starved)),
            slow_start_finding([p for p in plan.sites if p.alone_wait_s], limits["max_alone_wait_s"]),
            PLAN.finding(
                Status.PASS,
                plan.summary,
                measured=max((p.waves for p in plan.sites), default=0),
                unit="waves",
                it_risk=f"Planning assumption: {share:.0%} of released learners online at once "
                "(capacity.expected_online_share).",
                details={"demand_kbps": evidence["demand_kbps"], "earliest_completion": plan.earliest_completion},
            ),
        ]
        if evidence.get("lms_load"):
            findings.append(lms_finding(lms_peak(plan.sites, share, evidence["lms_load"]), limits["lms"]))
        return [*demand, *findings]

    @classmethod
    def text_lines(cls, report: Mapping[str, Any]) -> list[str]:
        outputs = cls.outputs_in(report)
        summary = outputs.get("summary") or outputs.get("not_planned")
        return [f"Capacity: {summary}"] if summary else []

    @classmethod
    def summary_rows(cls, report: Mapping[str, Any]) -> list[SummaryRow]:
        outputs = cls.outputs_in(report)
        planned = outputs.get("summary") or outputs.get("not_planned")
        rows = [SummaryRow("Capacity", planned, 50)] if planned else []
        if (outputs.get("demand") or {}).get("explained"):
            rows.append(SummaryRow("One learner's demand", outputs["demand"]["explained"], 51))
        peak = outputs.get("lms_peak")
        if peak:
            rows.append(SummaryRow("Servers — LMS load at the rollout's peak", lms_sentence(peak), 52))
        return rows

    @classmethod
    def charts(cls, report: Mapping[str, Any]) -> list[BarChart]:
        sites = cls.outputs_in(report).get("sites", [])
        if not sites:
            return []
        by_name = {s["name"]: s for s in sites}
        bars = []
        for group in group_sites(sites):
            s = by_name[group.tightest]
            label = s["name"] if group.sites == 1 else f"{group.type} ×{group.sites} (tightest: {s['name']})"
            bars.append(
                Bar(
                    label,
                    float(s["max_concurrent"]),
                    marker=float(s["peak_concurrent_needed"]),
                    alert=not s["meets_deadline"],
                    note=f"{s['max_concurrent']:,} fit / {s['peak_concurrent_needed']:,} expected · "
                    f"{s['waves']} {plural(s['waves'], 'wave')}",
                )
            )
        return [
            BarChart.capped(
                "Learners at once per site type, at its tightest site: what fits the link (bar) vs what is "
                "expected at once (line); red: misses its deadline",
                "learners",
                bars,
                limit=MAX_SITES_CHARTED,
            )
        ]

    @classmethod
    def tables(cls, report: Mapping[str, Any]) -> list[Table]:
        """Every site's plan, then the fix with its figure for each site that misses its deadline."""
        sites = cls.outputs_in(report).get("sites", [])
        if not sites:
            return []
        rows = tuple(
            (
                s["name"],
                f"{s['learners']:,}",
                f"{s['link_mbps']:,g} Mbps × {s['training_share']:.0%}" if s.get("link_mbps") else "—",
                f"{s['max_concurrent']:,}",
                str(s["waves"]),
                s["completion"] or "never",
                s["deadline"],
                "yes" if s["meets_deadline"] else "NO",
            )
            for s in sites
        )
        tables = [
            Table(
                "rollout-by-type",
                f"Learners at once and rollout by site type ({counted(len(sites), 'site')}, waves from {sites[0]['start']})",
                GROUP_COLUMNS,
                group_rows(group_sites(sites)),
                wrap_column=len(GROUP_COLUMNS) - 1,
                note=WAVES_EXPLAINED,
                placement="answer",
            ),
            Table(
                "rollout",
                f"Rollout plan per site (waves from {sites[0]['start']})",
                ("Site", "Learners", "Link × share", "At once", "Waves", "Last day", "Deadline", "Met"),
                rows,
                placement="appendix",
            ),
        ]
        fixes = tuple((s["name"], describe_fix(s["fix"])) for s in sites if s["fix"])
        if fixes:
            tables.append(
                Table(
                    "rollout-fixes",
                    "What would let each late site finish in time",
                    ("Site", "Fix"),
                    fixes,
                    wrap_column=1,
                    placement="appendix",
                )
            )
        return tables


def plan_from(evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> RolloutPlan:
    sites = [Site(**{**s, "deadline": dt.date.fromisoformat(s["deadline"])}) for s in evidence["sites"]]
    demand = Demand.from_dict(evidence["demand"]) if evidence.get("demand") else None
    return plan_rollout(
        sites,
        evidence["demand_kbps"],
        limits["expected_online_share"],
        dt.date.fromisoformat(evidence["start"]),
        demand,
        limits["max_alone_wait_s"],
    )
