"""Pure rules on whether each clip can be played as it claims: damaged or truncated files, inspections that ran out of time, and timelines that disagree with their headers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from certifier.policy.findings import Finding, Severity, Status, quantity
from certifier.policy.rules import Rule

from .clips import Files, clip_finding, readable

UNREADABLE = Rule(
    "media.unreadable",
    "Media files are playable",
    "Media files truncated, damaged or unplayable",
    Severity.MAJOR,
    remediation="Export the files again from the video tool; check the upload did not replace them with an error page.",
    it_risk="Support: learners see a player error; helpdesk calls follow.",
)


TRUNCATED_SHARE = 0.95  # fewer of the samples the index lists than this share: the file was cut
TIMELINE_TOLERANCE = 0.2  # header duration and sample timeline may differ by this share…
TIMELINE_SLACK_S = 0.5  # …or this many seconds, whichever is larger


def damage(f: Mapping[str, Any]) -> str | None:
    """Why a file that opened cannot be played whole: no media in it, or cut short."""
    if f.get("stream"):  # HLS/DASH: whole when every segment its playlist names is in the package
        missing = f.get("missing_count") or 0
        return (
            (
                f"{missing:,} of the segments its playlist names are missing (first: {f['missing_segments'][0]}); "
                "players stop there"
            )
            if missing and f.get("missing_segments")
            else None
        )
    streams = f.get("streams") or []
    if not streams or all(not s.get("packets") for s in streams):
        return "no audio or video data can be read: the file is truncated or damaged"
    for s in streams:
        if s.get("indexed_packets") and s.get("packets", 0) < TRUNCATED_SHARE * s["indexed_packets"]:
            return (
                f"truncated: {s['packets']:,} of the {s['indexed_packets']:,} {s['type']} samples its index lists "
                f"can be read (it stops at {s.get('span_s') or 0:g} s of {f.get('duration_s') or 0:g} s)"
            )
    if not any(s.get("indexed_packets") for s in streams) and _disagrees(f):
        return (
            f"truncated or damaged: the media stops at {f['span_s']:g} s of the {f['duration_s']:g} s its header "
            "declares"
        )
    return None


def _disagrees(f: Mapping[str, Any]) -> bool:
    declared, span = f.get("duration_s"), f.get("span_s")
    if any(s.get("frame_clock_s") for s in f.get("streams") or []):
        return True
    return bool(declared and span and abs(declared - span) > max(TIMELINE_SLACK_S, TIMELINE_TOLERANCE * span))


def unreadable(files: Files) -> Finding:
    offenders = [
        (f["path"], f"{f['path']}: {f['error']['message']}")
        for f in files
        if "error" in f and f["error"]["kind"] != "timeout"
    ]
    offenders += [(f["path"], f"{f['path']}: {damage(f)}") for f in readable(files) if damage(f)]
    return clip_finding(
        UNREADABLE,
        offenders,
        f"All {len(files)} media files open and demux." if files else "No media files.",
        measured=len(offenders),
        limit=0,
        unit="files",
    )


TIMEOUT = Rule(
    "media.timeout",
    "Media files inspected within the time budget",
    "Media files not inspected within the time budget",
    Severity.MAJOR,
    remediation="Check these files by hand; they were abandoned before they could be measured.",
    it_risk="These files were not measured.",
)


def timed_out(files: Files, limits: Mapping[str, Any]) -> list[Finding]:
    offenders = [
        (f["path"], f"{f['path']}: {f['error']['message']}")
        for f in files
        if "error" in f and f["error"]["kind"] == "timeout"
    ]
    if not offenders:
        return []
    return [
        clip_finding(
            TIMEOUT,
            offenders,
            "",
            measured=len(offenders),
            limit=limits["max_seconds_per_file"],
            unit="s",
            status=Status.WARN,
        )
    ]


TIMELINE = Rule(
    "media.timeline",
    "Media headers agree with the media",
    "Media headers disagree with the media",
    Severity.MAJOR,
    remediation="Re-encode or remux the file with a standard tool (ffmpeg -i in.mp4 -c copy out.mp4) so its "
    "header declares the real duration.",
    it_risk="Desktop support: players show the wrong length and seek to the wrong place; bandwidth figures "
    "read from the header would be wrong (the certifier measures from the samples).",
)


def _timeline_text(f: Mapping[str, Any]) -> str:
    video = next((s for s in f.get("streams") or [] if s.get("frame_clock_s")), None)
    if video:
        return (
            f"its timestamps span {video['span_s']:g} s but its {video['packets']:,} frames at "
            f"{video['codec_fps']:g} fps last {video['frame_clock_s']:g} s (the container's timescale was changed)"
        )
    return f"the header declares {f['duration_s']:g} s, the samples last {f['span_s']:g} s"


def timeline(files: Files) -> Finding:
    """A whole file whose header duration (mvhd/mdhd) disagrees with its samples' timeline."""
    offenders = [
        (
            f["path"],
            (
                f"{f['path']}: {_timeline_text(f)}; the certifier measures "
                f"{quantity(f['avg_kbps'] or 0, 'kbps')} from the media itself"
            ),
        )
        for f in readable(files)
        if not damage(f) and _disagrees(f)
    ]
    return clip_finding(
        TIMELINE,
        offenders,
        "Every file's header duration matches its samples.",
        measured=len(offenders),
        limit=0,
        unit="files",
    )
