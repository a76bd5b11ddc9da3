"""Sites of one kind told once: "Branch 01" … "Branch 30" become one row with ranges and counts.

IT reads a 60-site plan by site type (head office, hubs, branches), not site by site; the plan per
site stays in the report for the one that needs it. A site's type is its name without a trailing
number ("Branch 07" → "Branch"); a name with no number is a type of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from certifier.planning.capacity import describe_fix
from certifier.policy.findings import counted

TRAILING_NUMBER = re.compile(r"[\s_#-]*\d+[a-z]?$", re.IGNORECASE)

# Said wherever waves are shown: the word means one thing in this product.
WAVES_EXPLAINED = (
    "A wave is the group of a site's learners released to take the course together, sized so those "
    "online at once fit the site's link; the next wave starts when it has finished."
)


def site_type(name: str) -> str:
    """The kind of site a name stands for: the name less a trailing number, else the name."""
    stripped = TRAILING_NUMBER.sub("", name.strip())
    return stripped or name.strip()


@dataclass(frozen=True)
class SiteGroup:
    """Sites of one type and what the plan says of them together."""

    type: str
    names: tuple[str, ...]
    learners: int
    at_once: tuple[int, int]  # fewest and most learners at once of a site of this type
    most_waves: int
    last_day: str | None  # the latest completion; None when a site never completes
    met: int  # sites meeting their deadline
    fixes: tuple[str, ...]  # the distinct fixes of the late sites, as IT reads them
    tightest: str = ""  # the site of this type with least room: late first, then fewest fit per expected

    @property
    def sites(self) -> int:
        return len(self.names)

    def at_once_text(self) -> str:
        low, high = self.at_once
        return f"{low:,}" if low == high else f"{low:,}–{high:,}"

    def outcome(self) -> str:
        """Met, or how many are late and the fix."""
        if self.met == self.sites:
            return "deadline met" if self.sites == 1 else f"all {self.sites} meet their deadline"
        late = self.sites - self.met
        head = "late" if self.sites == 1 else f"{late} of {self.sites} late"
        return f"{head}: {'; '.join(self.fixes)}" if self.fixes else head


def group_sites(sites: Iterable[Mapping[str, Any]]) -> list[SiteGroup]:
    """The capacity probe's per-site plans (report outputs) grouped by site type, in first-seen order."""
    by_type: dict[str, list[Mapping[str, Any]]] = {}
    for site in sites:
        by_type.setdefault(site_type(str(site["name"])), []).append(site)
    groups = []
    for kind, members in by_type.items():
        completions = [s.get("completion") for s in members]
        fixes = tuple(dict.fromkeys(describe_fix(s["fix"]) for s in members if s.get("fix")))
        groups.append(
            SiteGroup(
                type=kind,
                names=tuple(str(s["name"]) for s in members),
                learners=sum(int(s["learners"]) for s in members),
                at_once=(
                    min(int(s["max_concurrent"]) for s in members),
                    max(int(s["max_concurrent"]) for s in members),
                ),
                most_waves=max(int(s["waves"]) for s in members),
                last_day=None if None in completions else max(str(c) for c in completions),
                met=sum(1 for s in members if s.get("meets_deadline")),
                fixes=tuple(f for f in fixes if f),
                tightest=str(min(members, key=_room)["name"]),
            )
        )
    return groups


def _room(site: Mapping[str, Any]) -> tuple[bool, float]:
    return bool(site.get("meets_deadline")), int(site["max_concurrent"]) / max(1, int(site["peak_concurrent_needed"]))


def group_rows(groups: Iterable[SiteGroup]) -> tuple[tuple[str, ...], ...]:
    """The groups as table rows: type (count), learners, at once per site, waves, last day, outcome."""
    return tuple(
        (
            f"{group.type} ({counted(group.sites, 'site')})" if group.sites > 1 else group.names[0],
            f"{group.learners:,}",
            group.at_once_text(),
            str(group.most_waves),
            group.last_day or "never",
            group.outcome(),
        )
        for group in groups
    )


GROUP_COLUMNS = ("Sites", "Learners", "At once per site", "Waves (most)", "Last day", "Deadline")
