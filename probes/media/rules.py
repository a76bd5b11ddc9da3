"""Pure media rules: measured bitrates, codecs and layout against the profile's limits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from certifier.policy.rules import Rule
from certifier.policy.findings import Evidence, Finding, Severity, Status, quantity

MIB = 1024 * 1024

Files = list[Mapping[str, Any]]
REENCODE = "Re-encode to H.264/AAC in MP4 (or VP9/Opus in WebM)"


def readable(files: Files) -> Files:
    return [f for f in files if "error" not in f]


def streams_of(files: Files, kind: str):
    for f in readable(files):
        for stream in f["streams"]:
            if stream["type"] == kind and stream.get("avg_kbps") is not None:
                yield f, stream


def audio_kbps(f: Mapping[str, Any]) -> float:
    return sum(s.get("avg_kbps") or 0 for s in f["streams"] if s["type"] == "audio")


def reencode_gain(f: Mapping[str, Any], video_kbps: float, target_kbps: float) -> tuple[float, float]:
    """(share of bytes saved, factor of learners that fit the same link) after re-encoding."""
    audio = audio_kbps(f)
    before = video_kbps + audio
    after = min(target_kbps, video_kbps) + audio
    return 1 - after / before, before / after


def _finding(rule: Rule, offenders, ok, *, status=Status.FAIL, **kwargs) -> Finding:
    """``offenders`` are (package path, message) pairs."""
    return rule.outcome([(m, Evidence(path=p)) for p, m in offenders], ok, fail_status=status, **kwargs)


VIDEO_BITRATE = Rule(
    "media.video-bitrate", "Average video bitrate",
    "Average video bitrate over the limit", Severity.MAJOR,
    it_risk="Bandwidth: every learner streams at this rate; it decides how many learners a site's link carries.")


def video_bitrate(files: Files, limits: Mapping[str, Any]) -> Finding:
    limit = limits["max_video_kbps"]
    values = list(streams_of(files, "video"))
    offenders, fixes = [], []
    for f, s in sorted(values, key=lambda fs: -fs[1]["avg_kbps"]):
        if s["avg_kbps"] > limit:
            saving, factor = reencode_gain(f, s["avg_kbps"], limit)
            offenders.append((f["path"], f"{f['path']} averages {quantity(s['avg_kbps'], 'kbps')} of video"))
            fixes.append(f"re-encode {f['path']} at {quantity(limit, 'kbps')}: −{saving:.0%} bytes, "
                         f"{factor:.1f}× more learners per site")
    return _finding(VIDEO_BITRATE, offenders,
                    f"{len(values)} video streams within {quantity(limit, 'kbps')}." if values else "No video in the package.",
                    measured=max((s["avg_kbps"] for _, s in values), default=None), limit=limit, unit="kbps",
                    remediation="; ".join(fixes[:5]) + ".")


VIDEO_PEAK_BITRATE = Rule(
    "media.video-peak-bitrate", "Peak video bitrate",
    "Peak video bitrate over the limit", Severity.MAJOR,
    it_risk="Bandwidth: bursts above the link's share make playback stall for every learner at the site.")


def video_peak_bitrate(files: Files, limits: Mapping[str, Any]) -> Finding:
    limit = limits["max_video_peak_kbps"]
    window = limits["peak_window_s"]
    values = [(f, s) for f, s in streams_of(files, "video") if s.get("peak_kbps") is not None]
    offenders = [(f["path"], f"{f['path']} peaks at {quantity(s['peak_kbps'], 'kbps')} over {window:g} s "
                  f"at {s['peak_at_s']:g} s") for f, s in sorted(values, key=lambda fs: -fs[1]["peak_kbps"])
                 if s["peak_kbps"] > limit]
    return _finding(VIDEO_PEAK_BITRATE, offenders,
                    f"Video peaks stay within {quantity(limit, 'kbps')} over {window:g} s windows." if values else "No video in the package.",
                    measured=max((s["peak_kbps"] for _, s in values), default=None), limit=limit, unit="kbps",
                    remediation=f"Cap the encoder's peak rate: constrained VBR with a maximum of "
                                f"{quantity(limit, 'kbps')} (x264: --vbv-maxrate {limit:g} --vbv-bufsize {2 * limit:g}).")


RESOLUTION = Rule(
    "media.resolution", "Video resolution",
    "Video resolution over the limit", Severity.MINOR,
    it_risk="Bandwidth and desktops: larger frames cost bits and decoding power on older machines.")


def resolution(files: Files, limits: Mapping[str, Any]) -> Finding:
    max_w, max_h = limits["max_video_width_px"], limits["max_video_height_px"]
    values = [(f, s) for f, s in streams_of(files, "video") if s.get("width")]
    offenders = [(f["path"], f"{f['path']} is {s['width']}×{s['height']}") for f, s in values
                 if s["width"] > max_w or s["height"] > max_h]
    largest = max(values, key=lambda fs: fs[1]["width"] * fs[1]["height"], default=None)
    return _finding(RESOLUTION, offenders,
                    f"All video within {max_w}×{max_h}." if values else "No video in the package.",
                    measured=f"{largest[1]['width']}x{largest[1]['height']}" if largest else None,
                    limit=f"{max_w}x{max_h}", unit="px",
                    remediation=f"Scale the video down to at most {max_w}×{max_h}; course players rarely show more.")


AUDIO_BITRATE = Rule(
    "media.audio-bitrate", "Audio bitrate",
    "Audio bitrate over the limit", Severity.MINOR,
    it_risk="Bandwidth: uncompressed or high-rate audio costs as much as video.")


def audio_bitrate(files: Files, limits: Mapping[str, Any]) -> Finding:
    limit = limits["max_audio_kbps"]
    values = list(streams_of(files, "audio"))
    offenders = [(f["path"], f"{f['path']} audio averages {quantity(s['avg_kbps'], 'kbps')}") for f, s in values
                 if s["avg_kbps"] > limit]
    return _finding(AUDIO_BITRATE, offenders,
                    f"Audio within {quantity(limit, 'kbps')}." if values else "No audio in the package.",
                    measured=max((s["avg_kbps"] for _, s in values), default=None), limit=limit, unit="kbps",
                    remediation=f"Encode speech at 64–96 kbps AAC or Opus, music at most {quantity(limit, 'kbps')}.")


LEGACY_FORMAT = Rule(
    "media.legacy-format", "No legacy media formats",
    "Legacy media formats", Severity.BLOCKER,
    it_risk="Desktop support: needs an end-of-life plugin or player on every learner's machine.")
CODEC = Rule(
    "media.codec", "Containers and codecs on the allowed list",
    "Containers or codecs not on the allowed list", Severity.MAJOR,
    it_risk="Desktop support: some learners' browsers will not play these files.")


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
        _finding(LEGACY_FORMAT, legacy, "No Flash video, Windows Media, RealMedia or legacy codecs.",
                 measured=len(legacy), limit=0, unit="files",
                 remediation=f"{REENCODE}; browsers cannot play these formats without plugins."),
        _finding(CODEC, other, "All media use allowed containers and codecs.", measured=len(other), limit=0,
                 unit="files",
                 remediation=f"{REENCODE}; allowed containers: {', '.join(sorted(allowed_containers))}."),
    ]


FAST_START = Rule(
    "media.fast-start", "MP4 files start playing before fully downloaded",
    "MP4 files download whole before they play", Severity.MAJOR,
    it_risk="Bandwidth: on slow links the whole file downloads before playback starts; learners wait.")
FAST_START_SMALL = Rule(
    "media.fast-start-small", "Small MP4 files start playing before fully downloaded",
    "Small MP4 files download whole before they play", Severity.MINOR)


def fast_start(files: Files, limits: Mapping[str, Any]) -> list[Finding]:
    """An MP4 whose index follows its media cannot start before it is fully downloaded: major
    for clips of ``fast_start_major_mb`` or more, minor below (a small clip arrives in seconds)."""
    mp4s = [f for f in readable(files) if f.get("fast_start") is not None]
    late = [f for f in mp4s if not f["fast_start"]] if limits["require_fast_start"] else []
    threshold = limits["fast_start_major_mb"]

    def offenders(large: bool) -> list[tuple[str, str]]:
        return [(f["path"], f"{f['path']} ({f['size'] / MIB:.1f} MB): the index (moov) follows the media data")
                for f in late if (f["size"] >= threshold * MIB) == large]

    fix = "Move the index to the front without re-encoding: ffmpeg -i in.mp4 -c copy -movflags +faststart out.mp4."
    big, small = offenders(True), offenders(False)
    return [
        _finding(FAST_START, big,
                 f"No MP4/MOV of {quantity(threshold)} MB or more keeps its index at the end." if mp4s
                 else "No MP4/MOV files.", measured=len(big), limit=0, unit="files", remediation=fix),
        _finding(FAST_START_SMALL, small,
                 f"No MP4/MOV under {quantity(threshold)} MB keeps its index at the end." if mp4s
                 else "No MP4/MOV files.", measured=len(small), limit=0, unit="files", remediation=fix,
                 it_risk=f"Bandwidth: a clip under {quantity(threshold)} MB downloads whole before it plays; a short "
                         "wait on slow links."),
    ]


UNREADABLE = Rule(
    "media.unreadable", "Media files are playable",
    "Media files truncated, damaged or unplayable", Severity.MAJOR,
    remediation="Export the files again from the video tool; check the upload did not replace them with an error "
                "page.",
    it_risk="Support: learners see a player error; helpdesk calls follow.")


TRUNCATED_SHARE = 0.95     # fewer of the samples the index lists than this share: the file was cut
TIMELINE_TOLERANCE = 0.2   # header duration and sample timeline may differ by this share…
TIMELINE_SLACK_S = 0.5     # …or this many seconds, whichever is larger


def damage(f: Mapping[str, Any]) -> str | None:
    """Why a file that opened cannot be played whole: no media in it, or cut short."""
    if f.get("stream"):  # HLS/DASH: whole when every segment its playlist names is in the package
        missing = f.get("missing_count") or 0
        return (f"{missing:,} of the segments its playlist names are missing (first: {f['missing_segments'][0]}); "
                "players stop there") if missing and f.get("missing_segments") else None
    streams = f.get("streams") or []
    if not streams or all(not s.get("packets") for s in streams):
        return "no audio or video data can be read: the file is truncated or damaged"
    for s in streams:
        if s.get("indexed_packets") and s.get("packets", 0) < TRUNCATED_SHARE * s["indexed_packets"]:
            return (f"truncated: {s['packets']:,} of the {s['indexed_packets']:,} {s['type']} samples its index lists "
                    f"can be read (it stops at {s.get('span_s') or 0:g} s of {f.get('duration_s') or 0:g} s)")
    if not any(s.get("indexed_packets") for s in streams) and _disagrees(f):
        return (f"truncated or damaged: the media stops at {f['span_s']:g} s of the {f['duration_s']:g} s its header "
                "declares")
    return None


def _disagrees(f: Mapping[str, Any]) -> bool:
    declared, span = f.get("duration_s"), f.get("span_s")
    if any(s.get("frame_clock_s") for s in f.get("streams") or []):
        return True
    return bool(declared and span and abs(declared - span) > max(TIMELINE_SLACK_S, TIMELINE_TOLERANCE * span))


def unreadable(files: Files) -> Finding:
    offenders = [(f["path"], f"{f['path']}: {f['error']['message']}") for f in files
                 if "error" in f and f["error"]["kind"] != "timeout"]
    offenders += [(f["path"], f"{f['path']}: {damage(f)}") for f in readable(files) if damage(f)]
    return _finding(UNREADABLE, offenders,
                    f"All {len(files)} media files open and demux." if files else "No media files.",
                    measured=len(offenders), limit=0, unit="files")


TIMEOUT = Rule(
    "media.timeout", "Media files inspected within the time budget",
    "Media files not inspected within the time budget", Severity.MAJOR,
    remediation="Check these files by hand; they were abandoned before they could be measured.",
    it_risk="These files were not measured.")


def timed_out(files: Files, limits: Mapping[str, Any]) -> list[Finding]:
    offenders = [(f["path"], f"{f['path']}: {f['error']['message']}") for f in files
                 if "error" in f and f["error"]["kind"] == "timeout"]
    if not offenders:
        return []
    return [_finding(TIMEOUT, offenders, "", measured=len(offenders), limit=limits["max_seconds_per_file"],
                     unit="s", status=Status.WARN)]


TOTAL_BYTES = Rule(
    "media.total-bytes", "Total media size",
    "Total media size over the limit", Severity.MINOR,
    remediation="Shorten or re-encode the longest clips, or stream them from the approved video platform.",
    it_risk="Storage and bandwidth: the LMS stores and serves every byte to every learner.")


def total_bytes(files: Files, limits: Mapping[str, Any]) -> Finding:
    total_mb = sum(f["size"] for f in files) / 1024 / 1024
    limit = limits["max_total_media_mb"]
    return _finding(TOTAL_BYTES, [(None, f"media total {quantity(total_mb, 'MB')}")] if total_mb > limit else [],
                    f"Media total {quantity(total_mb, 'MB')}.", measured=round(total_mb, 2), limit=limit, unit="MB")


LEARNER_DEMAND = Rule(
    "media.learner-demand", "Media a learner plays at once", "Media a learner plays at once", Severity.INFO,
    it_risk="Bandwidth: the media part of one learner's demand (capacity.demand gives the whole figure the plan "
            "uses).")


def learner_demand(evidence: Mapping[str, Any]) -> Finding:
    demand = evidence["outputs"]["learner_demand"]
    if not demand["kbps"]:
        return LEARNER_DEMAND.finding(Status.PASS, "No media: the demand is page loads only.", measured=0, unit="kbps")
    return LEARNER_DEMAND.finding(
        Status.PASS, f"The media a learner plays at once peak at {quantity(demand['kbps'], 'kbps')} ({', '.join(demand['files'])}"
        + (f" on {demand['page']}" if demand.get("page") else "")
        + (f"; the peak over {demand['window_s']:g} s, what the player fetches at once" if demand.get("window_s") else "")
        + ").",
        measured=demand["kbps"], unit="kbps", evidence=(Evidence(path=demand.get("page") or demand["files"][0]),))


TIMELINE = Rule(
    "media.timeline", "Media headers agree with the media", "Media headers disagree with the media",
    Severity.MAJOR,
    remediation="Re-encode or remux the file with a standard tool (ffmpeg -i in.mp4 -c copy out.mp4) so its "
                "header declares the real duration.",
    it_risk="Desktop support: players show the wrong length and seek to the wrong place; bandwidth figures "
            "read from the header would be wrong (the certifier measures from the samples).")


def _timeline_text(f: Mapping[str, Any]) -> str:
    video = next((s for s in f.get("streams") or [] if s.get("frame_clock_s")), None)
    if video:
        return (f"its timestamps span {video['span_s']:g} s but its {video['packets']:,} frames at "
                f"{video['codec_fps']:g} fps last {video['frame_clock_s']:g} s (the container's timescale was changed)")
    return f"the header declares {f['duration_s']:g} s, the samples last {f['span_s']:g} s"


def timeline(files: Files) -> Finding:
    """A whole file whose header duration (mvhd/mdhd) disagrees with its samples' timeline."""
    offenders = [(f["path"], f"{f['path']}: {_timeline_text(f)}; the certifier measures "
                             f"{quantity(f['avg_kbps'] or 0, 'kbps')} from the media itself")
                 for f in readable(files) if not damage(f) and _disagrees(f)]
    return _finding(TIMELINE, offenders, "Every file's header duration matches its samples.", measured=len(offenders),
                    limit=0, unit="files")


def all_rules(evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> list[Finding]:
    files = evidence["files"]
    return [
        unreadable(files), *timed_out(files, limits), video_bitrate(files, limits), video_peak_bitrate(files, limits),
        resolution(files, limits), audio_bitrate(files, limits), *formats(files, limits), *fast_start(files, limits),
        total_bytes(files, limits), learner_demand(evidence), timeline(files),
    ]
