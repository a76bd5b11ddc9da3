"""The ``capacity`` probe: learners at once per site, staggered waves and the rollout's dates."""

from __future__ import annotations

import sys
import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from certifier.planning.capacity import Site, describe_fix, load_sites, plan_rollout, resolve_sites_file, site_links
from certifier.policy.findings import Evidence, Finding, Severity, Status
from certifier.policy import evidence_kinds as kinds
from certifier.policy.presentation import Bar, BarChart, CheckOption, SummaryRow, Table
from .command import CAPACITY_COMMAND
from certifier.policy.probe_api import Probe, ProbeContext
from certifier.policy.profiles import RETIRED, LimitSpec
from certifier.policy.rules import Rule, declared_in


def learner_demand_kbps(media: Mapping[str, Any] | None, pages: list[Mapping[str, Any]] | None,
                        max_load_time_s: float | None) -> tuple[float, str, str]:
    """What one learner pulls: the media peak, or the heaviest page over the page-load budget; with
    where it comes from, and a sentence saying why the plan uses it."""
    media = media or {}
    page_bytes = max((sum(r.get("bytes", 0) for r in p["requests"] if r.get("kind") != "media") for p in pages or []),
                     default=0)
    page_kbps = page_bytes * 8 / 1000 / max_load_time_s if page_bytes and max_load_time_s else 0.0
    if media.get("kbps", 0) >= page_kbps and media.get("kbps"):
        kbps, files = float(media["kbps"]), ", ".join(media["files"])
        together = f", played together on {media['page']}" if media.get("page") and len(media["files"]) > 1 else ""
        average = f" (on average {media['avg_kbps']:,.0f} kbps)" if media.get("avg_kbps") else ""
        window = f" over {media['window_s']:g} s, what a player fetches at once," if media.get("window_s") else ""
        return kbps, f"media peak of {files}", (
            f"{kbps:,.0f} kbps per learner: the peak bitrate of {files}{together}{window}{average}. The plan uses "
            "the peak: a player needs it to play without stalling, and on a shared link learners' peaks meet.")
    if page_kbps:
        return round(page_kbps, 1), "heaviest page over the load-time budget", (
            f"{page_kbps:,.0f} kbps per learner: the heaviest page ({page_bytes / 1000:,.0f} KB without media) "
            f"loaded within the page-load budget of {max_load_time_s:g} s ([pageload] max_load_time_s).")
    return 0.0, "no media or page measured", "No media or page was measured: each learner counts as needing nothing."


EXAMPLE_SITES = "example-60-sites.csv"  # bundled with the tool
MAX_SITES_CHARTED = 200  # one bar per site up to this; the rollout table lists every site

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
    uses = (kinds.LEARNER_DEMAND, kinds.PAGE_LOADS)
    publishes = (kinds.SITE_LINKS,)
    # The page-load budget is [pageload] max_load_time_s: one limit, one source.
    reads_sections = ("pageload",)
    limits = {
        "sites_file": LimitSpec("string", "CSV or TOML of sites (bundled name or path); empty: no plan."),
        "expected_online_share": LimitSpec("number", "Planning assumption: share of released learners online at once."),
        "rollout_start": LimitSpec("string", "First day of the rollout (YYYY-MM-DD); empty: the day of the run."),
        "max_load_time_s": LimitSpec(RETIRED, "capacity turns page weight into bandwidth with [pageload] "
                                     "max_load_time_s, the one page-load budget; remove this key from [capacity]."),
    }
    commands = (CAPACITY_COMMAND,)
    check_options = (CheckOption("--sites", "sites_file", "FILE", "Sites to plan the rollout for (CSV or TOML)",
                                 is_file=True),)
    demo_settings = {"sites_file": EXAMPLE_SITES}  # the demo answers "how many at once, and when is all done?"
    # Generated from the rule declarations.
    rules = declared_in(sys.modules[__name__])

    def gather(self, ctx: ProbeContext) -> dict[str, Any]:
        limits = ctx.limits(self.id)
        if not limits["sites_file"]:
            return {"skipped": "No sites file: set capacity.sites_file in the profile or give --sites FILE."}
        sites = load_sites(resolve_sites_file(limits["sites_file"]))
        budget = ctx.profile.section("pageload").get("max_load_time_s")
        demand, source, explained = learner_demand_kbps(ctx.shared(kinds.LEARNER_DEMAND),
                                                        ctx.shared(kinds.PAGE_LOADS), budget)
        start = limits["rollout_start"] or dt.date.today().isoformat()
        evidence = {"sites": [{**asdict(s), "deadline": s.deadline.isoformat()} for s in sites],
                    "demand_kbps": demand, "demand_source": source, "start": start}
        plan = plan_from(evidence, limits)
        evidence["outputs"] = {**plan.to_dict(), "demand": {"kbps": demand, "source": source, "explained": explained},
                               "site_links": site_links(sites, demand)}
        return evidence

    def evaluate(self, evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> list[Finding]:
        if evidence.get("skipped"):
            return [PLAN.finding(Status.SKIPPED, evidence["skipped"])]
        plan = plan_from(evidence, limits)
        share = limits["expected_online_share"]
        starved = [p for p in plan.sites if p.max_concurrent <= 0]
        late = [p for p in plan.sites if not p.meets_deadline]  # the starved never finish: they are late too
        findings = [
            NO_BANDWIDTH.finding(
                Status.FAIL if starved else Status.PASS,
                (f"{len(starved)} {plural(len(starved), 'site')} cannot carry even one learner at "
                 f"{evidence['demand_kbps']:,.0f} kbps: " + ", ".join(p.name for p in starved[:10]))
                if starved else "Every site carries at least one learner.",
                measured=len(starved), limit=0, unit="sites",
                evidence=tuple(Evidence(path=p.name, note="no learner fits this site's link") for p in starved),
                remediation=site_fixes(starved) if starved else ""),
            deadline_finding(late, evidence["demand_kbps"], len(starved)),
            PLAN.finding(
                Status.PASS, plan.summary, measured=max((p.waves for p in plan.sites), default=0), unit="waves",
                it_risk=f"Planning assumption: {share:.0%} of released learners online at once "
                        "(capacity.expected_online_share).",
                details={"demand_kbps": evidence["demand_kbps"], "demand_source": evidence["demand_source"],
                         "earliest_completion": plan.earliest_completion}),
        ]
        return findings


    @classmethod
    def text_lines(cls, report: Mapping[str, Any]) -> list[str]:
        summary = cls.outputs_in(report).get("summary")
        return [f"Capacity: {summary}"] if summary else []

    @classmethod
    def summary_rows(cls, report: Mapping[str, Any]) -> list[SummaryRow]:
        outputs = cls.outputs_in(report)
        rows = [SummaryRow("Capacity", outputs["summary"], 50)] if outputs.get("summary") else []
        if (outputs.get("demand") or {}).get("explained"):
            rows.append(SummaryRow("Capacity — one learner's demand", outputs["demand"]["explained"], 51))
        return rows

    @classmethod
    def charts(cls, report: Mapping[str, Any]) -> list[BarChart]:
        sites = cls.outputs_in(report).get("sites", [])
        if not sites:
            return []
        bars = [Bar(s["name"], float(s["max_concurrent"]), marker=float(s["peak_concurrent_needed"]),
                    alert=not s["meets_deadline"],
                    note=f"{s['max_concurrent']:,} fit / {s['peak_concurrent_needed']:,} expected · "
                         f"{s['waves']} {plural(s['waves'], 'wave')}")
                for s in sites]
        return [BarChart.capped("Learners at once per site: what fits the link (bar) vs what is expected at once "
                                "(line); red: misses its deadline", "learners", bars, limit=MAX_SITES_CHARTED)]

    @classmethod
    def tables(cls, report: Mapping[str, Any]) -> list[Table]:
        """Every site's plan, then the fix with its figure for each site that misses its deadline."""
        sites = cls.outputs_in(report).get("sites", [])
        if not sites:
            return []
        rows = tuple((s["name"], f"{s['learners']:,}",
                      f"{s['link_mbps']:,g} Mbps × {s['training_share']:.0%}" if s.get("link_mbps") else "—",
                      f"{s['max_concurrent']:,}", str(s["waves"]), s["completion"] or "never",
                      s["deadline"], "yes" if s["meets_deadline"] else "NO")
                     for s in sites)
        tables = [Table("rollout", f"Rollout plan per site (waves from {sites[0]['start']})",
                        ("Site", "Learners", "Link × share", "At once", "Waves", "Last day", "Deadline", "Met"),
                        rows)]
        fixes = tuple((s["name"], describe_fix(s["fix"])) for s in sites if s["fix"])
        if fixes:
            tables.append(Table("rollout-fixes", "What would let each late site finish in time", ("Site", "Fix"), fixes,
                                wrap_column=1))
        return tables


def plan_from(evidence: Mapping[str, Any], limits: Mapping[str, Any]):
    sites = [Site(**{**s, "deadline": dt.date.fromisoformat(s["deadline"])}) for s in evidence["sites"]]
    return plan_rollout(sites, evidence["demand_kbps"], limits["expected_online_share"],
                        dt.date.fromisoformat(evidence["start"]))


def plural(count: int, noun: str) -> str:
    return noun if count == 1 else noun + "s"


FIXES_LISTED = 10  # the rollout table lists every site's fix


def site_fixes(sites) -> str:
    """Each site's fix with its figure, as the plan computed it (the first ones; the table has all)."""
    fixed = [f"{p.name}: {describe_fix(p.fix)}" for p in sites if p.fix]
    more = f"; … {len(fixed) - FIXES_LISTED} more in the rollout table" if len(fixed) > FIXES_LISTED else ""
    return "; ".join(fixed[:FIXES_LISTED]) + more


def deadline_finding(late, demand_kbps: float, starved: int = 0) -> Finding:
    if not late:
        return DEADLINES.finding(Status.PASS, "Every site finishes by its deadline.", measured=0, limit=0,
                                 unit="sites", it_risk="Bandwidth: the staggered rollout fits each site's link.")
    parts = []
    for p in late[:10]:
        parts.append(f"{p.name}: {p.learners:,} {plural(p.learners, 'learner')}, {p.max_concurrent:,} at once, "
                     f"{p.waves} {plural(p.waves, 'wave')}, done {p.completion or 'never'} (deadline {p.deadline}) — "
                     + describe_fix(p.fix))
    carried = (f" ({starved} of them carry no learner at all: see capacity.no-bandwidth)" if starved else "")
    return DEADLINES.finding(
        Status.FAIL, f"{len(late)} {plural(len(late), 'site')} miss their deadline at {demand_kbps:,.0f} kbps per "
        f"learner{carried}. " + "; ".join(parts[:3]),
        measured=len(late), limit=0, unit="sites",
        evidence=tuple(Evidence(path=p.name, note=f"done {p.completion or 'never'}, deadline {p.deadline}")
                       for p in late),
        remediation=site_fixes(late), details={"late": [p.name for p in late]})
