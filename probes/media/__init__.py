"""The ``media`` probe: codecs, resolution, average and peak bitrate, and bandwidth per learner.

Each audio/video file (found by content as well as by name) is demuxed with PyAV, never decoded.
Files inside a zip are copied one at a time into the run's work folder, then deleted.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Any

from certifier.package.inventory import FileRecord
from certifier.package.media_types import is_audio_or_video
from certifier.package.reference_targets import decode_text
from certifier.policy import evidence_kinds as kinds
from certifier.policy.findings import Finding, value_with_unit
from certifier.policy.presentation import Bar, BarChart, SummaryRow
from certifier.policy.probe_api import Probe, ProbeContext
from certifier.policy.profiles import LimitSpec, Profile
from certifier.policy.rules import declared_in

from . import integrity_rules as media_integrity_rules
from . import rules as media_rules
from .inspection import MediaTimeout, inspect_media
from .rules import all_rules
from .streaming import MAX_PLAYLIST_BYTES, dash_entries, hls_entries

MEDIA_EXTENSIONS = (
    ".mp4",
    ".m4v",
    ".mov",
    ".webm",
    ".mkv",
    ".mp3",
    ".m4a",
    ".aac",
    ".wav",
    ".ogg",
    ".ogv",
    ".oga",
    ".opus",
    ".flv",
    ".f4v",
    ".wmv",
    ".wma",
    ".asf",
    ".rm",
    ".rmvb",
    ".avi",
    ".3gp",
)
NOT_MEDIA = ("application/x-shockwave-flash",)  # the plugins probe's business


class MediaProbe(Probe):
    id = "media"
    title = "Media bitrates and formats"
    description = "Codecs, resolution, average and peak bitrate per file, and the bandwidth one learner needs."
    uses = (kinds.PAGE_REFERENCES, kinds.REACHABLE_FILES)
    publishes = (kinds.MEDIA_FILES, kinds.LEARNER_DEMAND)
    # One learner's demand is the peak over what the learners' player fetches at once: [load] stream_chunk_s.
    reads_sections = ("load",)
    limits = {
        "max_video_kbps": LimitSpec("number", "Highest average video bitrate.", "kbps"),
        "max_video_peak_kbps": LimitSpec("number", "Highest video bitrate over any peak window.", "kbps"),
        "peak_window_s": LimitSpec("number", "Length of the sliding window for peak bitrate.", "s"),
        "max_video_width_px": LimitSpec("integer", "Widest video frame.", "px"),
        "max_video_height_px": LimitSpec("integer", "Tallest video frame.", "px"),
        "max_audio_kbps": LimitSpec("number", "Highest audio bitrate.", "kbps"),
        "max_total_media_mb": LimitSpec("number", "All media in the package together.", "MB"),
        "max_seconds_per_file": LimitSpec("number", "Time spent on one file before it is abandoned.", "s"),
        "require_fast_start": LimitSpec("boolean", "MP4/MOV must have their index before the media data."),
        "fast_start_major_mb": LimitSpec(
            "number", "A clip this large or larger without fast start is major; smaller ones are minor.", "MB"
        ),
        "allowed_containers": LimitSpec("string-list", "Containers learners' browsers play."),
        "allowed_video_codecs": LimitSpec("string-list", "Video codecs (FFmpeg names) allowed."),
        "allowed_audio_codecs": LimitSpec("string-list", "Audio codecs (FFmpeg names) allowed."),
        "blocked_containers": LimitSpec("string-list", "Legacy containers refused outright."),
        "legacy_codecs": LimitSpec("string-list", "Legacy codecs refused outright."),
    }
    # Generated from the rule declarations.
    rules = declared_in(media_rules, media_integrity_rules)

    grading = (
        "Each limit is a profile value. Legacy formats that need a plug-in are blockers; bitrates over the "
        "profile's caps are major (video) or minor (audio, resolution). An MP4 whose index follows its media "
        "downloads whole before it plays: major from fast_start_major_mb, minor for smaller clips."
    )

    def gather(self, ctx: ProbeContext) -> dict[str, Any]:
        limits = ctx.limits(self.id)
        streams = streams_in(ctx)
        # A stream's segments are measured as its variant's, not clip by clip.
        segments = {path for entry in streams for path in entry.get("segments", [])}
        candidates = [
            f for f in ctx.course_inventory.files if is_media_candidate(f.path, f.media_type) and f.path not in segments
        ]
        files = []
        for index, record in enumerate(candidates):
            ctx.progress(index / max(len(candidates), 1), record.path)
            files.append(self._inspect(ctx, record, limits))
        files.extend(streams)
        references = ctx.shared(kinds.PAGE_REFERENCES)
        pages = pages_with_media(references or [], {f["path"] for f in files})
        # A stream's variants are named by its master playlist, which no page reference reads: judged.
        clip_paths = {c.path for c in candidates}
        clips = [f for f in files if f["path"] in clip_paths]
        unnamed = unnamed_media(clips, references, ctx.shared(kinds.REACHABLE_FILES))
        played = [f for f in files if f["path"] not in unnamed]
        evidence = {"files": files, "pages": pages, "window_s": limits["peak_window_s"], "unnamed": unnamed}
        evidence["outputs"] = {
            "learner_demand": learner_demand(played, pages, ctx.profile.section("load").get("stream_chunk_s")),
            "bitrates": [bitrate_summary(f) for f in files if "error" not in f],
        }
        return evidence

    examines_large_from_disk = True  # a clip past the in-memory limit is demuxed from the work folder

    @classmethod
    def examines(cls, path: str, media_type: str) -> bool:
        # The files _inspect demuxes; MPEG-TS is mostly a stream's segments, measured from its playlist.
        return is_audio_or_video(media_type) and media_type != "video/mp2t"

    @classmethod
    def examine(cls, path: str, content: bytes, profile: Profile) -> dict[str, Any]:
        limits = profile.section(cls.id)
        return inspect_media(
            content,
            limits["peak_window_s"],
            limits["max_seconds_per_file"],
            buffer_s=profile.section("load").get("stream_chunk_s"),
        )

    def _inspect(self, ctx: ProbeContext, record: FileRecord, limits: Mapping[str, Any]) -> dict[str, Any]:
        facts: dict[str, Any] = {"path": record.path, "size": record.size, "media_type": record.media_type}
        if record.size == 0:
            return {**facts, "error": {"kind": "empty", "message": "the file is empty (0 bytes)"}}
        if not is_audio_or_video(record.media_type):
            return {
                **facts,
                "error": {"kind": "mislabelled", "message": f"named as media but its content is {record.media_type}"},
            }
        on_disk = None
        try:
            examined = ctx.examined_facts(self.id, record.path)  # demuxed beside the read pass, from its bytes
            if examined is None:
                on_disk = (
                    ctx.course_package.source / record.path
                    if not ctx.course_package.is_zip
                    else ctx.workdir.extract(ctx.course_package, record.path)
                )
                examined = inspect_media(
                    on_disk,
                    limits["peak_window_s"],
                    limits["max_seconds_per_file"],
                    ctx.checkpoint,
                    ctx.profile.section("load").get("stream_chunk_s"),
                )
            facts.update(examined)
            facts["container"] = container_label(facts["format"], record.path, record.media_type)
        except MediaTimeout as exc:
            facts["error"] = {"kind": "timeout", "message": str(exc)}
        except Exception as exc:  # FFmpeg's many error types all mean: cannot be played as it is
            if type(exc).__name__ == "Cancelled":
                raise
            facts["error"] = {"kind": "corrupt", "message": f"cannot be read as media ({type(exc).__name__}: {exc})"}
        finally:
            if on_disk is not None and ctx.course_package.is_zip:
                on_disk.unlink(missing_ok=True)
        return facts

    def evaluate(self, evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> list[Finding]:
        return all_rules(evidence, limits)

    @classmethod
    def summary_rows(cls, report: Mapping[str, Any]) -> list[SummaryRow]:
        demand = cls.finding_in(report, "media.learner-demand")
        if not demand or cls.finding_in(report, "capacity.demand"):
            return []  # one learner's demand is one figure: the capacity plan's, where it ran
        text = (
            f"media play at up to {value_with_unit(demand['measured'], 'kbps')} (pages not counted)"
            if demand.get("measured")
            else "no media: page loads only"
        )
        return [SummaryRow("Network — media peak", text, 10)]

    @classmethod
    def charts(cls, report: Mapping[str, Any]) -> list[BarChart]:
        """Video files by their video stream's rates (what the caps apply to), audio-only by the file's."""
        rates = cls.outputs_in(report).get("bitrates", [])
        if not rates:
            return []
        media = (report.get("profile") or {}).get("values", {}).get("media", {})
        cap = media.get("max_video_kbps") or 0
        bars = []
        for r in rates:
            average = r.get("video_avg_kbps") or r.get("avg_kbps") or 0.0
            bars.append(
                Bar(
                    r["path"],
                    average,
                    background=r.get("video_peak_kbps") or r.get("peak_kbps"),
                    alert=bool(cap and r.get("video_avg_kbps") and average > cap),
                )
            )
        return [
            BarChart.capped(
                "Media bitrate per file (average / peak) against the caps",
                "kbps",
                bars,
                [("average cap", cap), ("peak cap", media.get("max_video_peak_kbps") or 0)],
            )
        ]


def bitrate_summary(f: dict[str, Any]) -> dict[str, Any]:
    """Whole-file rates, and the video stream's (which the profile's video caps apply to)."""
    video: Mapping[str, Any] = next((s for s in f["streams"] if s["type"] == "video"), {})
    return {
        "path": f["path"],
        "avg_kbps": f.get("avg_kbps"),
        "peak_kbps": f.get("peak_kbps"),
        "video_avg_kbps": video.get("avg_kbps"),
        "video_peak_kbps": video.get("peak_kbps"),
        "duration_s": f.get("duration_s"),
    }


def is_media_candidate(path: str, media_type: str) -> bool:
    if media_type in NOT_MEDIA:
        return False
    return is_audio_or_video(media_type) or path.lower().endswith(MEDIA_EXTENSIONS)


def container_label(format_name: str, path: str, media_type: str) -> str:
    """A short container name the profile's lists use (FFmpeg's demuxer names are lists)."""
    lowered = path.lower()
    if format_name.startswith("mov,"):
        if media_type == "video/quicktime" or lowered.endswith(".mov"):
            return "mov"
        return "m4a" if lowered.endswith(".m4a") or media_type == "audio/mp4" else "mp4"
    if format_name.startswith("matroska"):
        return "webm" if media_type == "video/webm" else "mkv"
    return format_name.split(",")[0]


def streams_in(ctx: ProbeContext) -> list[dict[str, Any]]:
    """HLS and DASH streams as media entries (``streaming``): measured from their segments, or as declared."""
    package, inventory = ctx.course_package, ctx.course_inventory.files
    sizes = {f.path: f.size for f in inventory}
    read = lambda p: decode_text(package.read_bytes(p, MAX_PLAYLIST_BYTES))  # noqa: E731
    playlists = [f.path for f in inventory if f.path.lower().endswith(".m3u8")]
    entries = hls_entries(playlists, read, sizes) if playlists else []
    for f in inventory:
        if f.path.lower().endswith(".mpd"):
            entries.extend(dash_entries(f.path, package.read_bytes(f.path, MAX_PLAYLIST_BYTES)))
    return entries


def unnamed_media(
    files: list[dict[str, Any]], references: list[Mapping[str, Any]] | None, reachable: list[str] | None
) -> list[str]:
    """Media no page, script, stylesheet or player data of the course names, by path or by file name
    (a player may build the folder): nothing plays them, so their bitrates say nothing of a
    learner's demand. Empty when the course's references were not read (the conformance probe did
    not run): then every file is judged."""
    if references is None:
        return []
    named = set(reachable or [])
    names = set()
    for ref in references:
        if ref.get("resolved"):
            named.add(ref["resolved"])
        names.add(posixpath.basename(str(ref.get("target") or "").split("?")[0].split("#")[0]))
    return sorted(f["path"] for f in files if f["path"] not in named and posixpath.basename(f["path"]) not in names)


def pages_with_media(references: list[Mapping[str, Any]], media: set[str]) -> dict[str, list[str]]:
    """Which media each page references (from the published page references, when they were)."""
    pages: dict[str, set[str]] = {}
    for ref in references:
        if ref.get("resolved") in media:
            pages.setdefault(ref["source"], set()).add(ref["resolved"])
    return {page: sorted(files) for page, files in sorted(pages.items())}


def learner_demand(
    files: list[dict[str, Any]], pages: Mapping[str, list[str]], buffer_s: float | None = None
) -> dict[str, Any]:
    """The most bandwidth one learner pulls at once: the heaviest file's peak, or the peaks of
    media on one page added together when a page holds several (they may play together). The peak
    is taken over what a player fetches at once (``buffered_peak_kbps``): its buffer smooths shorter
    bursts, so a one-second peak would overstate what the link must carry."""
    peaks = {f["path"]: f.get("buffered_peak_kbps") or f["peak_kbps"] for f in files if f.get("peak_kbps")}
    best: dict[str, Any] = {"kbps": 0.0, "files": [], "page": None}
    for path, kbps in peaks.items():
        if kbps > best["kbps"]:
            best = {"kbps": kbps, "files": [path], "page": None}
    for page, media in pages.items():
        together = sum(peaks.get(m, 0) for m in media)
        if together >= best["kbps"] and together:
            best = {"kbps": round(together, 1), "files": [m for m in media if m in peaks], "page": page}
    averages = {f["path"]: f.get("avg_kbps") or 0 for f in files}
    best["avg_kbps"] = round(sum(averages.get(m, 0) for m in best["files"]), 1)  # for the explanation beside the plan
    if buffer_s and any(f.get("buffered_peak_kbps") for f in files):
        best["window_s"] = buffer_s
    return best
