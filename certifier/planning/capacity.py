"""Capacity and rollout planning: how many learners at once per site, and how to roll out in time.

Pure functions of named inputs; the model, in IT's words:

- A site's link carries ``link_mbps``, of which training may use ``training_share``. One learner
  needs ``demand_kbps`` (``certifier.planning.demand``: measured from a learner's session, or
  estimated where none ran). So at most ``capacity = link × share ÷ demand`` learners can be
  online at once.
- Planning assumption (named ``expected_online_share``; enterprise video planning has used 5 %):
  that share of the learners released at the same time are online at any moment of the working day.
- Released all at once, a site expects ``learners × online_share`` at once. When that exceeds its
  capacity, learners are released in **waves** of at most ``capacity ÷ online_share`` learners.
- A wave lasts long enough for each learner to finish: with ``online_share`` of them online for
  ``hours_per_day``, a learner gets ``online_share × hours × 60`` minutes a day, so a wave takes
  ``ceil(learning_minutes ÷ that)`` working days.
- Waves of a site follow each other; sites roll out in parallel (their links are separate).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass
from typing import Any

from certifier.planning.demand import Demand
from certifier.policy.findings import counted

SITE_FIELDS = ("name", "learners", "link_mbps", "training_share", "hours_per_day", "learning_minutes", "deadline")


@dataclass(frozen=True)
class Site:
    name: str
    learners: int
    link_mbps: float
    training_share: float  # 0–1 of the link that training may use
    hours_per_day: float
    learning_minutes: float
    deadline: dt.date


@dataclass(frozen=True)
class SitePlan:
    name: str
    learners: int
    max_concurrent: int
    peak_concurrent_needed: int
    waves: int
    wave_size: int
    wave_days: int
    working_days: int
    start: str
    completion: str | None
    deadline: str
    meets_deadline: bool
    fix: dict[str, Any]
    link_mbps: float = 0.0
    training_share: float = 0.0
    # Set when the link carries one learner only because a learner alone may wait this long (s)
    # for the busiest window's pages and first load (see capacity_of).
    alone_wait_s: float | None = None


def calendar_day_after(start: dt.date, days: int) -> dt.date | None:
    """``working_day_after``, or None ("never") when the day falls past the calendar's year 9999."""
    try:
        return working_day_after(start, days)
    except OverflowError:
        return None


def working_day_after(start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days (Mon–Fri) after ``start`` (day 1 is ``start`` if it is a working day).

    Whole weeks are skipped arithmetically: planning 1,000 sites walks no calendar day by day.
    """
    current = start
    while current.weekday() >= 5:
        current += dt.timedelta(days=1)
    weeks, rest = divmod(max(days, 1) - 1, 5)
    current += dt.timedelta(weeks=weeks)
    for _ in range(rest):
        current += dt.timedelta(days=1)
        while current.weekday() >= 5:
            current += dt.timedelta(days=1)
    return current


def working_days_between(start: dt.date, end: dt.date) -> int:
    if end < start:
        return 0
    full_weeks, rest = divmod((end - start).days + 1, 7)
    days = full_weeks * 5
    for offset in range(rest):
        if (start + dt.timedelta(days=full_weeks * 7 + offset)).weekday() < 5:
            days += 1
    return days


def capacity_of(site: Site, demand_kbps: float, demand: Demand | None = None, max_alone_wait_s: float = 0.0) -> int:
    """Learners at once the site's training share carries at ``demand_kbps`` each. A link narrower
    than one learner's demand still carries one learner when it carries the media at their rate
    and the rest of the busiest window arrives within ``max_alone_wait_s`` (a slow start, not none)."""
    if demand_kbps <= 0:
        return site.learners  # nothing to carry: the link is no limit
    training_kbps = site.link_mbps * 1000 * site.training_share
    shared = int(training_kbps // demand_kbps)
    if shared or demand is None or max_alone_wait_s <= 0:
        return shared
    return 1 if alone_wait_s(training_kbps, demand) <= max_alone_wait_s else 0


def alone_wait_s(training_kbps: float, demand: Demand) -> float:
    """How long one learner alone on the link waits for the busiest window's bytes other than the
    media playing (pages, the player's first load); infinite when the link cannot carry the media
    at their rate (a clip that arrives slower than it plays stalls, however long one waits)."""
    if training_kbps <= demand.media_kbps:
        return math.inf
    return (demand.kbps - demand.media_kbps) * demand.window_s / training_kbps


def site_links(sites: list[Site], demand_kbps: float) -> list[dict[str, Any]]:
    """The sites grouped by the bandwidth training may use on their link (link × share), narrowest
    first: one emulated link per group is enough to check the model by measurement."""
    groups: dict[float, dict[str, Any]] = {}
    for site in sites:
        training_kbps = round(site.link_mbps * 1000 * site.training_share, 3)
        group = groups.setdefault(
            training_kbps,
            {
                "training_kbps": training_kbps,
                "link_mbps": site.link_mbps,
                "training_share": site.training_share,
                "model_learners": capacity_of(site, demand_kbps),
                "sites": [],
            },
        )
        group["sites"].append(site.name)
    return [groups[k] for k in sorted(groups)]


def wave_days(site: Site, online_share: float) -> int:
    minutes_a_day = online_share * site.hours_per_day * 60
    return max(1, math.ceil(site.learning_minutes / minutes_a_day)) if minutes_a_day > 0 else 0


def plan_site(
    site: Site,
    demand_kbps: float,
    online_share: float,
    start: dt.date,
    demand: Demand | None = None,
    max_alone_wait_s: float = 0.0,
) -> SitePlan:
    capacity = capacity_of(site, demand_kbps, demand, max_alone_wait_s)
    training_kbps = site.link_mbps * 1000 * site.training_share
    waits = (
        round(alone_wait_s(training_kbps, demand), 1) if demand and capacity and training_kbps < demand_kbps else None
    )
    peak = math.ceil(site.learners * online_share)
    days_per_wave = wave_days(site, online_share)
    available = working_days_between(start, site.deadline)
    if capacity <= 0 or days_per_wave == 0:
        return SitePlan(
            site.name,
            site.learners,
            capacity,
            peak,
            0,
            0,
            days_per_wave,
            0,
            start.isoformat(),
            None,
            site.deadline.isoformat(),
            False,
            fixes(site, demand_kbps, online_share, available, days_per_wave, demand),
            site.link_mbps,
            site.training_share,
        )
    wave_size = max(1, min(site.learners, math.floor(capacity / online_share)))
    waves = math.ceil(site.learners / wave_size)
    total_days = waves * days_per_wave
    completion = calendar_day_after(start, total_days)
    meets = completion is not None and completion <= site.deadline
    return SitePlan(
        site.name,
        site.learners,
        capacity,
        peak,
        waves,
        wave_size,
        days_per_wave,
        total_days,
        start.isoformat(),
        completion.isoformat() if completion else None,
        site.deadline.isoformat(),
        meets,
        {} if meets else fixes(site, demand_kbps, online_share, available, days_per_wave, demand),
        site.link_mbps,
        site.training_share,
        waits,
    )


def fixes(
    site: Site,
    demand_kbps: float,
    online_share: float,
    available_days: int,
    days_per_wave: int,
    demand: Demand | None = None,
) -> dict[str, Any]:
    """What would let the site finish by its deadline: lower what drives the demand (a clip's bitrate,
    the player's first load), extend the time, raise the share, or a bigger link."""
    capacity = capacity_of(site, demand_kbps)
    # More time helps only a site that carries at least one learner at once.
    needed_days = (
        days_per_wave * math.ceil(site.learners / max(1, math.floor(capacity / online_share)))
        if days_per_wave and capacity > 0
        else None
    )
    result: dict[str, Any] = {"extend_to_working_days": needed_days}
    if available_days <= 0 or days_per_wave == 0 or available_days < days_per_wave:
        result["reason"] = (
            "the deadline leaves less than one wave's time" if available_days > 0 else "the deadline has passed"
        )
        return result
    max_waves = available_days // days_per_wave
    wave_size = math.ceil(site.learners / max_waves)
    needed_capacity = math.ceil(wave_size * online_share)
    # Only fixes that can be done are offered: a bitrate of at least 1 kbps, a share of at most 100 %.
    cap = math.floor(site.link_mbps * 1000 * site.training_share / needed_capacity)
    if cap >= 1:
        result["cap_demand_kbps"] = cap
        result.update(cause_fix(cap, demand))
    share = needed_capacity * demand_kbps / (site.link_mbps * 1000) if site.link_mbps > 0 else math.inf
    if share <= 1:
        result["raise_share_to"] = round(share, 4)
    else:
        result["whole_link_carries"] = int(site.link_mbps * 1000 // demand_kbps) if demand_kbps > 0 else 0
        result["needed_at_once"] = needed_capacity
    return result


def cause_fix(cap_kbps: int, demand: Demand | None) -> dict[str, Any]:
    """How to bring one learner's demand down to ``cap_kbps``, by what drives it: a clip is capped only
    below its own bitrate (a cap above it changes nothing); a first load or a page is trimmed or
    cached to the bytes that fit the window."""
    if demand is None:
        return {}
    driver, others = demand.driver, demand.kbps - demand.media_kbps
    if driver.kind == "clip":
        allowed = math.floor(cap_kbps - others)
        if 1 <= allowed < (driver.clip_kbps or demand.media_kbps):
            return {
                "cause": "clip",
                "cap_clip_kbps": allowed,
                "clip": driver.name,
                "clip_kbps": round(driver.clip_kbps or demand.media_kbps),
            }
        return {"cause": "clip"}  # no cap of the clip fits: the link or the time must give
    if driver.kind in ("first-load", "page"):
        allowed_kb = math.floor((cap_kbps - demand.media_kbps) * demand.window_s / 8)
        if allowed_kb >= 1:
            return {
                "cause": driver.kind,
                "trim_kb": allowed_kb,
                "window_s": demand.window_s,
                "load": driver.name,
                "load_files": list(driver.files[:3]),
            }
        return {"cause": driver.kind}
    return {}


def describe_fix(fix: dict[str, Any]) -> str:
    """A site's fix as IT reads it: the options that would let it finish by its deadline."""
    options = []
    if fix.get("cap_clip_kbps"):
        options.append(f"re-encode {fix['clip']} at {fix['cap_clip_kbps']:,} kbps (it plays at {fix['clip_kbps']:,})")
    elif fix.get("trim_kb"):
        what = "the player's first load" if fix.get("cause") == "first-load" else "the page"
        files = ", ".join(fix.get("load_files") or [])
        options.append(
            f"cache or trim {what} of {fix['load']}{f' ({files})' if files else ''} to "
            f"{fix['trim_kb']:,} KB per {fix['window_s']:g} s"
        )
    elif fix.get("cap_demand_kbps") and "cause" not in fix:
        options.append(f"bring one learner's demand down to {fix['cap_demand_kbps']:,} kbps")
    if fix.get("extend_to_working_days"):
        options.append(f"extend to {fix['extend_to_working_days']} working days")
    if fix.get("raise_share_to"):
        options.append(f"raise the training share to {fix['raise_share_to']:.0%}")
    if fix.get("needed_at_once"):
        carried = fix["whole_link_carries"]
        options.append(
            f"a bigger link (even the whole link carries {carried:,} {'learner' if carried == 1 else 'learners'} "
            f"at once; {fix['needed_at_once']:,} {'is' if fix['needed_at_once'] == 1 else 'are'} needed)"
        )
    if fix.get("reason"):
        options.append(fix["reason"])
    return " or ".join(options)


@dataclass(frozen=True)
class RolloutPlan:
    sites: list[SitePlan]
    waves: list[dict[str, Any]]
    summary: str
    earliest_completion: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "sites": [asdict(s) for s in self.sites],
            "waves": self.waves,
            "summary": self.summary,
            "earliest_completion": self.earliest_completion,
        }


def plan_rollout(
    sites: list[Site],
    demand_kbps: float,
    online_share: float,
    start: dt.date,
    demand: Demand | None = None,
    max_alone_wait_s: float = 0.0,
) -> RolloutPlan:
    plans = [plan_site(site, demand_kbps, online_share, start, demand, max_alone_wait_s) for site in sites]
    waves: dict[int, dict[str, Any]] = {}
    for plan in plans:
        for index in range(plan.waves):
            first = calendar_day_after(start, index * plan.wave_days + 1)
            last = calendar_day_after(start, (index + 1) * plan.wave_days)
            if first is None or last is None:
                break  # the waves after this one would end past the calendar: the site's plan says "never"
            wave = waves.setdefault(
                index + 1,
                {"wave": index + 1, "sites": [], "learners": 0, "from": first.isoformat(), "to": last.isoformat()},
            )
            wave["sites"].append(plan.name)
            wave["learners"] += min(plan.wave_size, plan.learners - index * plan.wave_size)
            wave["from"] = min(wave["from"], first.isoformat())
            wave["to"] = max(wave["to"], last.isoformat())
    late = [p for p in plans if not p.meets_deadline]
    completions = [p.completion for p in plans if p.completion]
    earliest = max(completions) if completions and len(completions) == len(plans) else None
    learners = sum(p.learners for p in plans)
    most_waves = max((p.waves for p in plans), default=0)
    summary = (
        f"{counted(learners, 'learner')} in {counted(len(plans), 'site')} at {demand_kbps:,.0f} kbps each: "
        f"{counted(most_waves, 'wave')} at most, "
        + (f"all sites done by {earliest}" if earliest else "some sites cannot be served")
        + (
            f"; {counted(len(late), 'site')} {'misses its' if len(late) == 1 else 'miss their'} deadline"
            if late
            else "; every deadline met"
        )
        + "."
    )
    return RolloutPlan(plans, [waves[k] for k in sorted(waves)], summary, earliest)
