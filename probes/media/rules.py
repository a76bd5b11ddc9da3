"""Pure media rules: measured bitrates, codecs and layout against the profile's limits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from certifier.policy.findings import Evidence, Finding, Severity, Status, quantity
from certifier.policy.rules import Rule

from .clips import MIB, REENCODE, Files, clip_finding, readable, reencode_gain, streams_of
from .integrity_rules import timed_out, timeline, unreadable

VIDEO_BITRATE = Rule(
    "media.video-bitrate",
    "Average video bitrate",
    "Average video bitrate over the limit",
    Severity.MAJOR,
    it_risk="Bandwidth: every learner streams at this rate; it decides how many learners a site's link carries.",
)


def video_bitrate(files: Files, limits: Mapping[str, Any]) -> Finding:
    limit = limits["max_video_kbps"]
    values = list(streams_of(files, "video"))
    offenders, fixes = [], []
    for f, s in sorted(values, key=lambda fs: -fs[1]["avg_kbps"]):
        if s["avg_kbps"] > limit:
            saving, factor = reencode_gain(f, s["avg_kbps"], limit)
            offenders.append((f["path"], f"{f['path']} averages {quantity(s['avg_kbps'], 'kbps')} of video"))
            fixes.append(
                f"re-encode {f['path']} at {quantity(limit, 'kbps')}: −{saving:.0%} bytes, "
                f"{factor:.1f}× more learners per site"
            )
    return clip_finding(
        VIDEO_BITRATE,
        offenders,
        f"{len(values)} video streams within {quantity(limit, 'kbps')}." if values else "No video the course plays.",
        measured=max((s["avg_kbps"] for _, s in values), default=None),
        limit=limit,
        unit="kbps",
        remediation="; ".join(fixes[:5]) + ".",
    )


VIDEO_PEAK_BITRATE = Rule(
    "media.video-peak-bitrate",
    "Peak video bitrate",
    "Peak video bitrate over the limit",
    Severity.MAJOR,
    it_risk="Bandwidth: bursts above the link's share make playback stall for every learner at the site.",
)


def video_peak_bitrate(files: Files, limits: Mapping[str, Any]) -> Finding:
    limit = limits["max_video_peak_kbps"]
    window = limits["peak_window_s"]
    values = [(f, s) for f, s in streams_of(files, "video") if s.get("peak_kbps") is not None]
    offenders = [
        (
            f["path"],
            f"{f['path']} peaks at {quantity(s['peak_kbps'], 'kbps')} over {window:g} s at {s['peak_at_s']:g} s",
        )
        for f, s in sorted(values, key=lambda fs: -fs[1]["peak_kbps"])
        if s["peak_kbps"] > limit
    ]
    return clip_finding(
        VIDEO_PEAK_BITRATE,
        offenders,
        f"Video peaks stay within {quantity(limit, 'kbps')} over {window:g} s windows."
        if values
        else "No video the course plays.",
        measured=max((s["peak_kbps"] for _, s in values), default=None),
        limit=limit,
        unit="kbps",
        remediation=f"Cap the encoder's peak rate: constrained VBR with a maximum of "
        f"{quantity(limit, 'kbps')} (x264: --vbv-maxrate {limit:g} --vbv-bufsize {2 * limit:g}).",
    )


RESOLUTION = Rule(
    "media.resolution",
    "Video resolution",
    "Video resolution over the limit",
    Severity.MINOR,
    it_risk="Bandwidth and desktops: larger frames cost bits and decoding power on older machines.",
)


def resolution(files: Files, limits: Mapping[str, Any]) -> Finding:
    max_w, max_h = limits["max_video_width_px"], limits["max_video_height_px"]
    values = [(f, s) for f, s in streams_of(files, "video") if s.get("width")]
    offenders = [
        (f["path"], f"{f['path']} is {s['width']}×{s['height']}")
        for f, s in values
        if s["width"] > max_w or s["height"] > max_h
    ]
    largest = max(values, key=lambda fs: fs[1]["width"] * fs[1]["height"], default=None)
    return clip_finding(
        RESOLUTION,
        offenders,
        f"All video within {max_w}×{max_h}." if values else "No video the course plays.",
        measured=f"{largest[1]['width']}x{largest[1]['height']}" if largest else None,
        limit=f"{max_w}x{max_h}",
        unit="px",
        remediation=f"Scale the video down to at most {max_w}×{max_h}; course players rarely show more.",
    )


AUDIO_BITRATE = Rule(
    "media.audio-bitrate",
    "Audio bitrate",
    "Audio bitrate over the limit",
    Severity.MINOR,
    it_risk="Bandwidth: uncompressed or high-rate audio costs as much as video.",
)


def audio_bitrate(files: Files, limits: Mapping[str, Any]) -> Finding:
    limit = limits["max_audio_kbps"]
    values = list(streams_of(files, "audio"))
    offenders = [
        (f["path"], f"{f['path']} audio averages {quantity(s['avg_kbps'], 'kbps')}")
        for f, s in values
        if s["avg_kbps"] > limit
    ]
    return clip_finding(
        AUDIO_BITRATE,
        offenders,
        f"Audio within {quantity(limit, 'kbps')}." if values else "No audio the course plays.",
        measured=max((s["avg_kbps"] for _, s in values), default=None),
        limit=limit,
        unit="kbps",
        remediation=f"Encode speech at 64–96 kbps AAC or Opus, music at most {quantity(limit, 'kbps')}.",
    )


LEGACY_FORMAT = Rule(
    "media.legacy-format",
    "No legacy media formats",
    "Legacy media formats",
    Severity.BLOCKER,
    it_risk="Desktop support: needs an end-of-life plugin or player on every learner's machine.",
)
CODEC = Rule(
    "media.codec",
    "Containers and codecs on the allowed list",
    "Containers or codecs not on the allowed list",
    Severity.MAJOR,
    it_risk="Desktop support: some learners' browsers will not play these files.",
)


def formats(files: Files, limits: Mapping[str, Any]) -> list[Finding]:
    allowed_containers = set(limits["allowed_containers"])
    allowed_codecs = set(limits["allowed_video_codecs"]) | set(limits["allowed_audio_codecs"])
    blocked_containers = set(limits["blocked_containers"])
    legacy_codecs = set(limits["legacy_codecs"])
    legacy, other = [], []
    for f in readable(files):
        if f.get("stream"):
            continue  # HLS/DASH: played by the page's player from segments; their rates are checked per variant
        codecs = [s["codec"] for s in f["streams"]]
        label = f"{f['path']} ({f['container']}: {', '.join(c or '?' for c in codecs)})"
        if f["container"] in blocked_containers or legacy_codecs & set(codecs):
            legacy.append((f["path"], label))
        elif f["container"] not in allowed_containers or not set(codecs) <= allowed_codecs:
            other.append((f["path"], label))
    return [
        clip_finding(
            LEGACY_FORMAT,
            legacy,
            "No Flash video, Windows Media, RealMedia or legacy codecs.",
            measured=len(legacy),
            limit=0,
            unit="files",
            remediation=f"{REENCODE}; browsers cannot play these formats without plugins.",
        ),
        clip_finding(
            CODEC,
            other,
            "All media use allowed containers and codecs.",
            measured=len(other),
            limit=0,
            unit="files",
            remediation=f"{REENCODE}; allowed containers: {', '.join(sorted(allowed_containers))}.",
        ),
    ]


FAST_START = Rule(
    "media.fast-start",
    "MP4 files start playing before fully downloaded",
    "MP4 files download whole before they play",
    Severity.MAJOR,
    it_risk="Bandwidth: on slow links the whole file downloads before playback starts; learners wait.",
)
FAST_START_SMALL = Rule(
    "media.fast-start-small",
    "Small MP4 files start playing before fully downloaded",
    "Small MP4 files download whole before they play",
    Severity.MINOR,
)


def fast_start(files: Files, limits: Mapping[str, Any]) -> list[Finding]:
    """An MP4 whose index follows its media cannot start before it is fully downloaded: major
    for clips of ``fast_start_major_mb`` or more, minor below (a small clip arrives in seconds)."""
    mp4s = [f for f in readable(files) if f.get("fast_start") is not None]
    late = [f for f in mp4s if not f["fast_start"]] if limits["require_fast_start"] else []
    threshold = limits["fast_start_major_mb"]

    def offenders(large: bool) -> list[tuple[str, str]]:
        return [
            (f["path"], f"{f['path']} ({f['size'] / MIB:.1f} MB): the index (moov) follows the media data")
            for f in late
            if (f["size"] >= threshold * MIB) == large
        ]

    fix = "Move the index to the front without re-encoding: ffmpeg -i in.mp4 -c copy -movflags +faststart out.mp4."
    big, small = offenders(True), offenders(False)
    return [
        clip_finding(
            FAST_START,
            big,
            f"No MP4/MOV of {quantity(threshold)} MB or more keeps its index at the end."
            if mp4s
            else "No MP4/MOV files.",
            measured=len(big),
            limit=0,
            unit="files",
            remediation=fix,
        ),
        clip_finding(
            FAST_START_SMALL,
            small,
            f"No MP4/MOV under {quantity(threshold)} MB keeps its index at the end." if mp4s else "No MP4/MOV files.",
            measured=len(small),
            limit=0,
            unit="files",
            remediation=fix,
            it_risk=f"Bandwidth: a clip under {quantity(threshold)} MB downloads whole before it plays; a short "
            "wait on slow links.",
        ),
    ]


TOTAL_BYTES = Rule(
    "media.total-bytes",
    "Total media size",
    "Total media size over the limit",
    Severity.MINOR,
    remediation="Shorten or re-encode the longest clips, or stream them from the approved video platform.",
    it_risk="Storage and bandwidth: the LMS stores and serves every byte to every learner.",
)


def total_bytes(files: Files, limits: Mapping[str, Any]) -> Finding:
    total_mb = sum(f["size"] for f in files) / 1024 / 1024
    limit = limits["max_total_media_mb"]
    return clip_finding(
        TOTAL_BYTES,
        [(None, f"media total {quantity(total_mb, 'MB')}")] if total_mb > limit else [],
        f"Media total {quantity(total_mb, 'MB')}.",
        measured=round(total_mb, 2),
        limit=limit,
        unit="MB",
    )


LEARNER_DEMAND = Rule(
    "media.learner-demand",
    "Media a learner plays at once",
    "Media a learner plays at once",
    Severity.INFO,
    it_risk="Bandwidth: the media part of one learner's demand (capacity.demand gives the whole figure the plan uses).",
)


def learner_demand(evidence: Mapping[str, Any]) -> Finding:
    demand = evidence["outputs"]["learner_demand"]
    if not demand["kbps"]:
        return LEARNER_DEMAND.finding(Status.PASS, "No media: the demand is page loads only.", measured=0, unit="kbps")
    return LEARNER_DEMAND.finding(
        Status.PASS,
        f"The media a learner plays at once peak at {quantity(demand['kbps'], 'kbps')} ({', '.join(demand['files'])}"
        + (f" on {demand['page']}" if demand.get("page") else "")
        + (
            f"; the peak over {demand['window_s']:g} s, what the player fetches at once"
            if demand.get("window_s")
            else ""
        )
        + ").",
        measured=demand["kbps"],
        unit="kbps",
        evidence=(Evidence(path=demand.get("page") or demand["files"][0]),),
    )


UNNAMED_MEDIA = Rule(
    "media.unnamed",
    "Every media file is one the course plays",
    "Media files nothing in the course names",
    Severity.INFO,
    remediation="Remove them from the package (conformance.unreferenced-files lists them), or, if the course "
    "does play them, name them where the player can be read and check again.",
    it_risk="Storage only: nothing plays them, so they add no load on the network.",
)


def unnamed_media(files: Files, unnamed: list[str]) -> Finding:
    """Clips no page, script or player data names: stored, never streamed. Their bitrate rules are
    not applied (a learner never plays them); what they would have measured is listed."""
    by_path = {f["path"]: f for f in files}
    problems = []
    for path in unnamed:
        peak = by_path.get(path, {}).get("peak_kbps")
        problems.append(
            (f"{path}" + (f" (peaks at {peak:,.0f} kbps)" if peak else ""), Evidence(path=path, note="named nowhere"))
        )
    return UNNAMED_MEDIA.outcome(
        problems,
        "Every media file is named by a page, a script or the player's data.",
        fail_status=Status.WARN,
        count_prefix=True,
        measured=len(unnamed),
        unit="files",
    )


def all_rules(evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> list[Finding]:
    files = evidence["files"]
    unnamed = set(evidence.get("unnamed") or [])
    played = [f for f in files if f["path"] not in unnamed]  # what a learner can stream is what is judged
    return [
        unreadable(files),
        *timed_out(files, limits),
        video_bitrate(played, limits),
        video_peak_bitrate(played, limits),
        resolution(played, limits),
        audio_bitrate(played, limits),
        *formats(files, limits),
        *fast_start(played, limits),
        total_bytes(files, limits),
        learner_demand(evidence),
        timeline(files),
        unnamed_media(files, sorted(unnamed)),
    ]
