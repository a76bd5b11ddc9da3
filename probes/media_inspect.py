"""Reading a media file's facts with PyAV by demuxing only: no frame is ever decoded."""

from __future__ import annotations

import struct
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, BinaryIO

MP4_BOX_HEADER = 8
BOXES_EXAMINED = 64  # top-level boxes read before giving up on finding moov/mdat


class MediaTimeout(Exception):
    """The file took longer than the profile's per-file budget."""


def peak_window(samples: Iterable[tuple[float, int]], window_s: float) -> tuple[float, float]:
    """Largest number of bytes in any window of ``window_s`` seconds, and where it starts.

    ``samples`` are (time in seconds, bytes) per packet. Two pointers over the sorted times:
    O(n log n) for the sort, O(n) for the scan.
    """
    ordered = sorted(samples)
    best, best_start = 0, 0.0
    total = 0
    left = 0
    for right, (t, size) in enumerate(ordered):
        total += size
        while ordered[left][0] <= t - window_s:
            total -= ordered[left][1]
            left += 1
        if total > best:
            best, best_start = total, ordered[left][0]
    return float(best), best_start


def mp4_box_order(stream: BinaryIO) -> list[str]:
    """Names of the top-level boxes of an MP4/MOV file, in order (headers only).

    FFmpeg does not expose where the index (moov) sits relative to the media data (mdat); the
    box headers are 8 or 16 bytes each, so reading them is cheap and exact.
    """
    order: list[str] = []
    offset = 0
    stream.seek(0, 2)
    end = stream.tell()
    while offset + MP4_BOX_HEADER <= end and len(order) < BOXES_EXAMINED:
        stream.seek(offset)
        header = stream.read(MP4_BOX_HEADER)
        if len(header) < MP4_BOX_HEADER:
            break
        size, kind = struct.unpack(">I4s", header)
        if size == 1:
            size = struct.unpack(">Q", stream.read(8))[0]
        elif size == 0:
            size = end - offset
        name = kind.decode("latin-1")
        order.append(name)
        if size < MP4_BOX_HEADER:
            break
        offset += size
    return order


def fast_start(path: Path) -> bool | None:
    """True when moov precedes mdat; None when the file has neither (not ISO-BMFF)."""
    with open(path, "rb") as stream:
        order = mp4_box_order(stream)
    if "moov" not in order or "mdat" not in order:
        return None
    return order.index("moov") < order.index("mdat")


def _stream_facts(stream) -> dict[str, Any]:
    ctx = stream.codec_context
    facts: dict[str, Any] = {
        "index": stream.index,
        "type": stream.type,
        "codec": ctx.name if ctx else None,
        "profile": getattr(ctx, "profile", None),
        "declared_kbps": round(ctx.bit_rate / 1000, 1) if ctx and ctx.bit_rate else None,
    }
    if stream.type == "video":
        rate = stream.average_rate or stream.guessed_rate
        facts.update(width=ctx.width, height=ctx.height, pixel_format=ctx.pix_fmt,
                     frame_rate=round(float(rate), 3) if rate else None,
                     level=getattr(ctx, "level", None))
    elif stream.type == "audio":
        facts.update(sample_rate=ctx.sample_rate, channels=ctx.channels)
    return facts


def inspect_media(path: Path, window_s: float, budget_s: float,
                  checkpoint: Callable[[], None] | None = None) -> dict[str, Any]:
    """Container, streams, average and peak bitrate per stream, keyframe interval, fast start."""
    import av  # imported here: the probe module stays importable where PyAV is missing

    started = time.monotonic()
    with av.open(str(path), metadata_errors="ignore") as container:
        streams = {s.index: _stream_facts(s) for s in container.streams if s.type in ("video", "audio")}
        samples: dict[int, list[tuple[float, int]]] = {i: [] for i in streams}
        keyframes: dict[int, list[float]] = {i: [] for i in streams}
        bases = {s.index: s.time_base for s in container.streams}
        for count, packet in enumerate(container.demux(*[container.streams[i] for i in streams])):
            if count % 500 == 0:
                if time.monotonic() - started > budget_s:
                    raise MediaTimeout(f"still reading after {budget_s:g} s")
                if checkpoint:
                    checkpoint()
            stamp = packet.dts if packet.dts is not None else packet.pts
            if packet.size == 0 or stamp is None:
                continue  # flush packets and packets without a time carry no media
            t = float(stamp * bases[packet.stream_index])
            samples[packet.stream_index].append((t, packet.size))
            if packet.is_keyframe:
                keyframes[packet.stream_index].append(t)
        duration = container.duration / 1_000_000 if container.duration else None
        format_name = container.format.name
    all_samples = []
    for index, facts in streams.items():
        stream_samples = samples[index]
        all_samples.extend(stream_samples)
        if not stream_samples:
            facts.update(bytes=0, avg_kbps=None, peak_kbps=None)
            continue
        times = [t for t, _ in stream_samples]
        span = (max(times) - min(times)) or None
        # The last packet lasts about one frame; the container's duration includes it.
        stream_duration = duration or span or window_s
        total = sum(size for _, size in stream_samples)
        window = min(window_s, stream_duration)
        peak, at = peak_window(stream_samples, window)
        facts.update(bytes=total, avg_kbps=round(total * 8 / stream_duration / 1000, 1),
                     peak_kbps=round(peak * 8 / window / 1000, 1), peak_at_s=round(at, 3))
        key = keyframes[index]
        if facts["type"] == "video" and len(key) > 1:
            gaps = [b - a for a, b in zip(key, key[1:])]
            facts.update(keyframe_interval_s=round(sum(gaps) / len(gaps), 3),
                         max_keyframe_interval_s=round(max(gaps), 3))
    total_bytes = sum(size for _, size in all_samples)
    window = min(window_s, duration or window_s)
    peak, at = peak_window(all_samples, window) if all_samples else (0.0, 0.0)
    return {
        "format": format_name,
        "duration_s": round(duration, 3) if duration else None,
        "streams": list(streams.values()),
        "media_bytes": total_bytes,
        "avg_kbps": round(total_bytes * 8 / duration / 1000, 1) if duration else None,
        "peak_kbps": round(peak * 8 / window / 1000, 1) if all_samples else None,
        "peak_at_s": round(at, 3),
        "fast_start": fast_start(path) if format_name.startswith("mov") else None,
        "inspect_s": round(time.monotonic() - started, 4),
    }
