"""Streaming media in a package: HLS playlists (``.m3u8``: a master playlist naming variants, each a
media playlist of MPEG-TS or fMP4 segments) and DASH manifests (``.mpd``).

An HLS variant is measured from its segments: their sizes in the package over their declared
durations give the variant's average, and the heaviest segment its peak (a player fetches a segment
at once). Each variant is a media entry of its own, so the profile's caps apply to each; the master
is an entry that stands for the stream as a page plays it: its heaviest variant, which a player
picks while the link allows. A DASH manifest's representations are taken at the bandwidth it
declares (their segments are templates this reader does not expand), and say so.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote

from defusedxml import ElementTree

from certifier.package.safe_xml import walk

MAX_PLAYLIST_BYTES = 4 * 1024 * 1024  # a playlist larger than this is not a playlist a player reads
MAX_SEGMENTS = 100_000  # segments counted per variant (a 10-hour stream of 0.5 s segments is 72,000)
STREAM_EXTENSIONS = (".m3u8", ".mpd")
CODEC_NAMES = {
    "avc1": "h264",
    "avc3": "h264",
    "hvc1": "hevc",
    "hev1": "hevc",
    "vp09": "vp9",
    "av01": "av1",
    "mp4a": "aac",
    "ac-3": "ac3",
    "ec-3": "eac3",
    "opus": "opus",
}
_ATTRIBUTE = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')


def is_stream_manifest(path: str) -> bool:
    return path.lower().endswith(STREAM_EXTENSIONS)


def _attributes(line: str) -> dict[str, str]:
    return {k: v.strip('"') for k, v in _ATTRIBUTE.findall(line.split(":", 1)[1] if ":" in line else "")}


def _resolve(playlist: str, uri: str) -> str | None:
    """A playlist's URI as a package path, or None for one outside the package."""
    uri = unquote(uri.split("?", 1)[0].split("#", 1)[0])
    if "://" in uri or uri.startswith("/"):
        return None
    return posixpath.normpath(posixpath.join(posixpath.dirname(playlist), uri))


def _codecs(value: str) -> list[str]:
    return [CODEC_NAMES.get(c.strip().split(".")[0], c.strip().split(".")[0]) for c in value.split(",") if c.strip()]


def parse_hls(path: str, text: str) -> dict[str, Any]:
    """A playlist's variants (a master) or segments (a media playlist)."""
    variants: list[dict[str, Any]] = []
    segments: list[dict[str, Any]] = []
    pending: dict[str, Any] | None = None
    duration: float | None = None
    byte_range: int | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#EXT-X-STREAM-INF"):
            pending = _attributes(line)
        elif line.startswith("#EXTINF:"):
            try:
                duration = float(line[8:].split(",", 1)[0])
            except ValueError:
                duration = None
        elif line.startswith("#EXT-X-BYTERANGE:"):
            try:
                byte_range = int(line[17:].split("@", 1)[0])
            except ValueError:
                byte_range = None
        elif line and not line.startswith("#"):
            if pending is not None:
                variants.append({**pending, "uri": line, "path": _resolve(path, line)})
                pending = None
            elif duration is not None and len(segments) < MAX_SEGMENTS:
                segments.append(
                    {"uri": line, "path": _resolve(path, line), "duration_s": duration, "bytes": byte_range}
                )
                duration, byte_range = None, None
    return {"variants": variants, "segments": segments}


def measure_variant(path: str, segments: list[Mapping[str, Any]], sizes: Mapping[str, int]) -> dict[str, Any]:
    """A media playlist's rates from its segments as the package holds them."""
    total_bytes, total_s, peak, peak_at, elapsed, missing, paths = 0, 0.0, 0.0, 0.0, 0.0, [], []
    for segment in segments:
        size = segment["bytes"] if segment["bytes"] is not None else sizes.get(segment["path"] or "")
        if size is None:
            missing.append(segment["uri"])
        else:
            paths.append(segment["path"])
            total_bytes += size
            total_s += segment["duration_s"]
            if segment["duration_s"] > 0 and size * 8 / 1000 / segment["duration_s"] > peak:
                peak, peak_at = size * 8 / 1000 / segment["duration_s"], elapsed
        elapsed += segment["duration_s"]
    avg = total_bytes * 8 / 1000 / total_s if total_s else None
    return {
        "path": path,
        "size": total_bytes,
        "duration_s": round(elapsed, 3),
        "avg_kbps": round(avg, 1) if avg else None,
        "peak_kbps": round(peak, 1) if peak else None,
        "peak_at_s": round(peak_at, 3),
        "segments": sorted({p for p in paths if p}),
        "missing_segments": missing[:20],
        "missing_count": len(missing),
    }


def hls_entries(
    playlists: list[str], read_text: Callable[[str], str], sizes: Mapping[str, int]
) -> list[dict[str, Any]]:
    """Every HLS stream of the package as media entries: each variant (the caps apply to it), then the
    stream as a page plays it (its heaviest variant)."""
    parsed = {p: parse_hls(p, read_text(p)) for p in playlists}
    named_by_master = {v["path"] for p in parsed.values() for v in p["variants"] if v["path"]}
    entries: list[dict[str, Any]] = []
    for master, playlist in parsed.items():
        if master in named_by_master:
            continue  # measured as a variant of its master
        if not playlist["variants"]:  # a lone media playlist: the stream is its one variant
            entries.append(_variant_entry(master, {}, measure_variant(master, playlist["segments"], sizes)))
            continue
        variants = []
        for variant in playlist["variants"]:
            media = parsed.get(variant["path"] or "")
            if media is None:
                variants.append(
                    {
                        "path": variant["path"] or variant["uri"],
                        "stream_of": master,
                        "stream": "hls",
                        "size": 0,
                        "streams": [],
                        "error": {
                            "kind": "missing",
                            "message": "the master playlist names a variant the package lacks",
                        },
                    }
                )
                continue
            variants.append(_variant_entry(master, variant, measure_variant(variant["path"], media["segments"], sizes)))
        measured = [v for v in variants if v.get("peak_kbps")]
        top = max(measured, key=lambda v: v["peak_kbps"], default=None)
        stream: dict[str, Any] = {
            "path": master,
            "stream": "hls",
            "size": sizes.get(master, 0),
            "streams": [],
            "container": "hls",
            "media_type": "application/vnd.apple.mpegurl",
            "variants": [v["path"] for v in variants],
        }
        if top:
            stream.update(
                {
                    "avg_kbps": top["avg_kbps"],
                    "peak_kbps": top["peak_kbps"],
                    "buffered_peak_kbps": top["peak_kbps"],
                    "duration_s": top["duration_s"],
                    "segments": top["segments"],
                    "top_variant": top["path"],
                }
            )
        else:
            stream["error"] = {
                "kind": "unmeasurable",
                "message": "no variant of the stream has segments in the package",
            }
        entries.append(stream)  # first: a segment maps to the stream a page plays, not to one variant
        entries.extend(variants)
    return entries


def _variant_entry(master: str, declared: Mapping[str, Any], measured: dict[str, Any]) -> dict[str, Any]:
    width, height = (
        (int(x) for x in declared["RESOLUTION"].split("x"))
        if re.fullmatch(r"\d+x\d+", declared.get("RESOLUTION", ""))
        else (None, None)
    )
    codecs = _codecs(declared.get("CODECS", ""))
    video = {
        "type": "video",
        "codec": next((c for c in codecs if c in ("h264", "hevc", "vp9", "av1")), None),
        "avg_kbps": measured["avg_kbps"],
        "peak_kbps": measured["peak_kbps"],
        "peak_at_s": measured["peak_at_s"],
        "width": width,
        "height": height,
    }
    entry = {
        **measured,
        "stream": "hls",
        "stream_of": master,
        "container": "hls",
        "media_type": "application/vnd.apple.mpegurl",
        "buffered_peak_kbps": measured["peak_kbps"],
        "declared_kbps": round(int(declared["BANDWIDTH"]) / 1000, 1)
        if str(declared.get("BANDWIDTH", "")).isdigit()
        else None,
        "streams": [video] if measured["avg_kbps"] else [],
    }
    if not measured["avg_kbps"]:
        entry["error"] = {"kind": "unmeasurable", "message": "none of its segments is in the package"}
    return entry


def dash_entries(path: str, content: bytes) -> list[dict[str, Any]]:
    """A DASH manifest's representations at the bandwidth it declares (not measured: its segments
    are templates), video ones carrying the caps."""
    try:
        root = ElementTree.fromstring(content)
    except Exception as exc:  # defusedxml refuses entities; a broken manifest is unreadable either way
        return [
            {
                "path": path,
                "stream": "dash",
                "size": len(content),
                "error": {"kind": "corrupt", "message": f"the DASH manifest cannot be read ({type(exc).__name__})"},
            }
        ]
    representations: list[dict[str, Any]] = []
    for element in walk(root):
        if element.tag.rsplit("}", 1)[-1] == "Representation" and str(element.get("bandwidth", "")).isdigit():
            kbps = int(element.get("bandwidth", "0")) / 1000
            is_video = bool(element.get("width")) or "video" in (element.get("mimeType") or "")
            representations.append(
                {
                    "type": "video" if is_video else "audio",
                    "codec": next(iter(_codecs(element.get("codecs", ""))), None),
                    "avg_kbps": kbps,
                    "peak_kbps": kbps,
                    "peak_at_s": 0.0,
                    "declared": True,
                    "width": int(element.get("width", 0)) or None,
                    "height": int(element.get("height", 0)) or None,
                }
            )
    top = max((float(r["avg_kbps"]) for r in representations), default=None)
    entry: dict[str, Any] = {
        "path": path,
        "stream": "dash",
        "size": len(content),
        "container": "dash",
        "streams": representations,
        "declared_only": True,
    }
    if top:
        entry.update({"avg_kbps": top, "peak_kbps": top, "buffered_peak_kbps": top})
    else:
        entry["error"] = {"kind": "unmeasurable", "message": "the DASH manifest declares no representation bandwidth"}
    return [entry]
