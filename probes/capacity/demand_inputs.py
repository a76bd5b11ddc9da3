"""What the capacity plan's demand is built from, gathered from the shared evidence: the walked
session's traffic, the media as measured, the pages as loaded, and the media the course names but
lacks or that could not be measured (planned at the profile's cap for their kind)."""

from __future__ import annotations

import mimetypes
import posixpath
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from certifier.planning.demand import Demand, estimated_demand, explain, measured_demand, with_excluded

EXCLUDED_LISTED = 20  # media named but unmeasured, listed in the demand (the rest counted)
# Where a missing name is a defect: pages and course data. A script's strings are resolved against the
# page that runs it, not the script, and libraries carry sample names ("file.mp4"): not evidence.
NAMING_SOURCES = (".html", ".htm", ".xhtml", ".json", ".xml")


def media_kind(path: str) -> str | None:
    guessed = mimetypes.guess_type(path)[0] or ""
    if path.lower().endswith((".m3u8", ".mpd")):
        return "video"
    return guessed.split("/")[0] if guessed.startswith(("video/", "audio/")) else None


def excluded_media(
    media_files: Sequence[Mapping[str, Any]],
    references: Iterable[Mapping[str, Any]],
    package_files: set[str],
    media_limits: Mapping[str, Any],
) -> list[dict[str, Any]]:
    """Media the plan cannot measure: named by a page or course data but missing from the package (no
    file of that name anywhere in it), or present but unreadable; each with the profile's cap for its kind, which the plan counts in its place."""
    caps = {
        "video": (media_limits.get("max_video_kbps"), "[media] max_video_kbps"),
        "audio": (media_limits.get("max_audio_kbps"), "[media] max_audio_kbps"),
    }
    found: dict[str, dict[str, Any]] = {}
    for f in media_files:
        if "error" in f:
            kind = media_kind(f["path"]) or "video"
            found[f["path"]] = {
                "path": f["path"],
                "reason": f"could not be measured ({f['error']['message']})",
                "kind": kind,
            }
    names = {posixpath.basename(p).lower() for p in package_files}
    for ref in references:
        target = ref.get("resolved")
        if not target or target in package_files or "://" in target or target in found:
            continue
        if (
            not str(ref.get("source", "")).lower().endswith(NAMING_SOURCES)
            or posixpath.basename(target).lower() in names
        ):
            continue  # named by a script, or present under another folder the player resolves it against
        ref_kind = media_kind(target)
        if ref_kind:
            found[target] = {
                "path": target,
                "reason": f"is missing from the package (named by {ref['source']})",
                "kind": ref_kind,
            }
    excluded = []
    for item in found.values():
        cap, source = caps[item["kind"]]
        if cap:
            excluded.append(
                {**item, "assumed_kbps": float(cap), "limit": f"the profile's cap for {item['kind']}, {source}"}
            )
    return sorted(excluded, key=lambda e: (-e["assumed_kbps"], e["path"]))[:EXCLUDED_LISTED]


def planned_demand(
    traffic: Sequence[Mapping[str, Any]] | None,
    media_files: Sequence[Mapping[str, Any]],
    media_peak: Mapping[str, Any] | None,
    pages: Sequence[Mapping[str, Any]] | None,
    excluded: Sequence[Mapping[str, Any]],
    window_s: float,
    screen_s: float,
) -> Demand:
    """The one figure: measured from the session where one was walked, else estimated and labelled."""
    demand = measured_demand(traffic, media_files, window_s, screen_s) if traffic else None
    if demand is None:
        why = (
            "no learner's session was walked (the session probe did not run, or walked no lesson)"
            if not traffic
            else "the walked session moved no byte"
        )
        demand = estimated_demand(media_peak, pages, window_s, why)
    demand = with_excluded(demand, excluded)
    return Demand.from_dict({**demand.to_dict(), "explained": explain(demand)})
