"""Pure media rules: measured bitrates, codecs and layout against the profile's limits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from certifier.findings import Evidence, Finding, Severity, Status, from_problems, quantity

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


def _finding(rule, title, severity, offenders, ok, *, status=Status.FAIL, **kwargs) -> Finding:
    """``offenders`` are (package path, message) pairs."""
    return from_problems(rule, title, severity, [(m, Evidence(path=p)) for p, m in offenders], ok,
                         fail_status=status, **kwargs)


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
    return _finding(
        "media.video-bitrate", "Average video bitrate", Severity.MAJOR, offenders,
        f"{len(values)} video streams within {quantity(limit, 'kbps')}." if values else "No video in the package.",
        measured=max((s["avg_kbps"] for _, s in values), default=None), limit=limit, unit="kbps",
        remediation="; ".join(fixes[:5]) + ".",
        it_risk="Bandwidth: every learner streams at this rate; it decides how many learners a site's link carries.")


def video_peak_bitrate(files: Files, limits: Mapping[str, Any]) -> Finding:
    limit = limits["max_video_peak_kbps"]
    window = limits["peak_window_s"]
    values = [(f, s) for f, s in streams_of(files, "video") if s.get("peak_kbps") is not None]
    offenders = [(f["path"], f"{f['path']} peaks at {quantity(s['peak_kbps'], 'kbps')} over {window:g} s "
                  f"at {s['peak_at_s']:g} s") for f, s in sorted(values, key=lambda fs: -fs[1]["peak_kbps"])
                 if s["peak_kbps"] > limit]
    return _finding(
        "media.video-peak-bitrate", "Peak video bitrate", Severity.MAJOR, offenders,
        f"Video peaks stay within {quantity(limit, 'kbps')} over {window:g} s windows." if values else "No video in the package.",
        measured=max((s["peak_kbps"] for _, s in values), default=None), limit=limit, unit="kbps",
        remediation=f"Cap the encoder's peak rate: constrained VBR with a maximum of {quantity(limit, 'kbps')} "
        f"(x264: --vbv-maxrate {limit:g} --vbv-bufsize {2 * limit:g}).",
        it_risk="Bandwidth: bursts above the link's share make playback stall for every learner at the site.")


def resolution(files: Files, limits: Mapping[str, Any]) -> Finding:
    max_w, max_h = limits["max_video_width_px"], limits["max_video_height_px"]
    values = [(f, s) for f, s in streams_of(files, "video") if s.get("width")]
    offenders = [(f["path"], f"{f['path']} is {s['width']}×{s['height']}") for f, s in values
                 if s["width"] > max_w or s["height"] > max_h]
    largest = max(values, key=lambda fs: fs[1]["width"] * fs[1]["height"], default=None)
    return _finding(
        "media.resolution", "Video resolution", Severity.MINOR, offenders,
        f"All video within {max_w}×{max_h}." if values else "No video in the package.",
        measured=f"{largest[1]['width']}x{largest[1]['height']}" if largest else None, limit=f"{max_w}x{max_h}",
        unit="px", remediation=f"Scale the video down to at most {max_w}×{max_h}; course players rarely show more.",
        it_risk="Bandwidth and desktops: larger frames cost bits and decoding power on older machines.")


def audio_bitrate(files: Files, limits: Mapping[str, Any]) -> Finding:
    limit = limits["max_audio_kbps"]
    values = list(streams_of(files, "audio"))
    offenders = [(f["path"], f"{f['path']} audio averages {quantity(s['avg_kbps'], 'kbps')}") for f, s in values
                 if s["avg_kbps"] > limit]
    return _finding(
        "media.audio-bitrate", "Audio bitrate", Severity.MINOR, offenders,
        f"Audio within {quantity(limit, 'kbps')}." if values else "No audio in the package.",
        measured=max((s["avg_kbps"] for _, s in values), default=None), limit=limit, unit="kbps",
        remediation=f"Encode speech at 64–96 kbps AAC or Opus, music at most {quantity(limit, 'kbps')}.",
        it_risk="Bandwidth: uncompressed or high-rate audio costs as much as video.")


def formats(files: Files, limits: Mapping[str, Any]) -> list[Finding]:
    allowed_containers = set(limits["allowed_containers"])
    allowed_codecs = set(limits["allowed_video_codecs"]) | set(limits["allowed_audio_codecs"])
    blocked_containers = set(limits["blocked_containers"])
    legacy_codecs = set(limits["legacy_codecs"])
    legacy, other = [], []
    for f in readable(files):
        codecs = [s["codec"] for s in f["streams"]]
        label = f"{f['path']} ({f['container']}: {', '.join(c or '?' for c in codecs)})"
        if f["container"] in blocked_containers or legacy_codecs & set(codecs):
            legacy.append((f["path"], label))
        elif f["container"] not in allowed_containers or not set(codecs) <= allowed_codecs:
            other.append((f["path"], label))
    return [
        _finding("media.legacy-format", "No legacy media formats", Severity.BLOCKER, legacy,
                 "No Flash video, Windows Media, RealMedia or legacy codecs.", measured=len(legacy), limit=0,
                 unit="files", remediation=f"{REENCODE}; browsers cannot play these formats without plugins.",
                 it_risk="Desktop support: needs an end-of-life plugin or player on every learner's machine."),
        _finding("media.codec", "Containers and codecs on the allowed list", Severity.MAJOR, other,
                 "All media use allowed containers and codecs.", measured=len(other), limit=0, unit="files",
                 remediation=f"{REENCODE}; allowed containers: {', '.join(sorted(allowed_containers))}.",
                 it_risk="Desktop support: some learners' browsers will not play these files."),
    ]


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
        _finding("media.fast-start", "MP4 files start playing before fully downloaded", Severity.MAJOR, big,
                 f"No MP4/MOV of {quantity(threshold)} MB or more keeps its index at the end." if mp4s
                 else "No MP4/MOV files.", measured=len(big), limit=0, unit="files", remediation=fix,
                 it_risk="Bandwidth: on slow links the whole file downloads before playback starts; learners wait."),
        _finding("media.fast-start-small", "Small MP4 files start playing before fully downloaded", Severity.MINOR,
                 small, f"No MP4/MOV under {quantity(threshold)} MB keeps its index at the end." if mp4s
                 else "No MP4/MOV files.", measured=len(small), limit=0, unit="files", remediation=fix,
                 it_risk=f"Bandwidth: a clip under {quantity(threshold)} MB downloads whole before it plays; a short "
                         "wait on slow links."),
    ]


def unreadable(files: Files) -> Finding:
    offenders = [(f["path"], f"{f['path']}: {f['error']['message']}") for f in files
                 if "error" in f and f["error"]["kind"] != "timeout"]
    return _finding(
        "media.unreadable", "Media files are playable", Severity.MAJOR, offenders,
        f"All {len(files)} media files open and demux." if files else "No media files.",
        measured=len(offenders), limit=0, unit="files",
        remediation="Export the files again from the video tool; check the upload did not replace them with an error page.",
        it_risk="Support: learners see a player error; helpdesk calls follow.")


def timed_out(files: Files, limits: Mapping[str, Any]) -> list[Finding]:
    offenders = [(f["path"], f"{f['path']}: {f['error']['message']}") for f in files
                 if "error" in f and f["error"]["kind"] == "timeout"]
    if not offenders:
        return []
    return [_finding("media.timeout", "Media files inspected within the time budget", Severity.MAJOR, offenders, "",
                     measured=len(offenders), limit=limits["max_seconds_per_file"], unit="s",
                     remediation="Check these files by hand; they were abandoned before they could be measured.",
                     it_risk="These files were not measured.", status=Status.WARN)]


def total_bytes(files: Files, limits: Mapping[str, Any]) -> Finding:
    total_mb = sum(f["size"] for f in files) / 1024 / 1024
    limit = limits["max_total_media_mb"]
    return _finding(
        "media.total-bytes", "Total media size", Severity.MINOR,
        [(None, f"media total {quantity(total_mb, 'MB')}")] if total_mb > limit else [],
        f"Media total {quantity(total_mb, 'MB')}.", measured=round(total_mb, 2), limit=limit, unit="MB",
        remediation="Shorten or re-encode the longest clips, or stream them from the approved video platform.",
        it_risk="Storage and bandwidth: the LMS stores and serves every byte to every learner.")


def learner_demand(evidence: Mapping[str, Any]) -> Finding:
    demand = evidence["outputs"]["learner_demand"]
    if not demand["kbps"]:
        return Finding("media.learner-demand", "Bandwidth one learner needs", Severity.INFO, Status.PASS,
                       "No media: the demand is page loads only.", measured=0, unit="kbps")
    return Finding(
        "media.learner-demand", "Bandwidth one learner needs", Severity.INFO, Status.PASS,
        f"A learner pulls up to {quantity(demand['kbps'], 'kbps')} at once ({', '.join(demand['files'])}"
        + (f" on {demand['page']}" if demand.get("page") else "") + ").",
        measured=demand["kbps"], unit="kbps", evidence=(Evidence(path=demand.get("page") or demand["files"][0]),),
        it_risk="Bandwidth: the capacity plan multiplies this by learners online at once per site.")


def all_rules(evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> list[Finding]:
    files = evidence["files"]
    return [
        unreadable(files), *timed_out(files, limits), video_bitrate(files, limits), video_peak_bitrate(files, limits),
        resolution(files, limits), audio_bitrate(files, limits), *formats(files, limits), *fast_start(files, limits),
        total_bytes(files, limits), learner_demand(evidence),
    ]
