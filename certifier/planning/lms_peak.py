"""What the LMS (or LRS) must absorb at the rollout's peak: one learner's writes a minute, from the
learner's session, times the learners online at once in each site's wave."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from certifier.planning.capacity import SitePlan


def learners_at_once(plan: SitePlan, online_share: float) -> int:
    """Learners online at once at the peak of one of the site's waves (never more than its link carries)."""
    if plan.waves <= 0:
        return 0
    return min(plan.max_concurrent, math.ceil(plan.wave_size * online_share))


def lms_peak(plans: Sequence[SitePlan], online_share: float, load: Mapping[str, Any]) -> dict[str, Any]:
    """Writes and bytes a second the LMS receives per site at its wave's peak, and for the rollout:
    sites roll out in parallel, so their first waves meet and the rollout's peak is their sum."""
    writes_per_min = float(load.get("writes_per_min") or 0)
    bytes_per_min = float(load.get("bytes_per_min") or 0)
    sites: list[dict[str, Any]] = []
    for plan in plans:
        at_once = learners_at_once(plan, online_share)
        sites.append(
            {
                "name": plan.name,
                "at_once": at_once,
                "writes_per_s": round(at_once * writes_per_min / 60, 2),
                "bytes_per_s": round(at_once * bytes_per_min / 60),
            }
        )
    at_once = sum(s["at_once"] for s in sites)
    return {
        "writes_per_learner_min": writes_per_min,
        "bytes_per_learner_min": bytes_per_min,
        "peak_at_once": at_once,
        "peak_writes_per_s": round(at_once * writes_per_min / 60, 2),
        "peak_bytes_per_s": round(at_once * bytes_per_min / 60),
        "sites": sites,
    }
