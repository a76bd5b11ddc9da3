"""Each track's samples of an MP4/MOV file, read from its sample tables instead of demuxing.

An MP4's index (moov) lists every sample's size (stsz), duration (stts), whether it is a key
frame (stss) and where it lies in the file (stsc with stco/co64): what a player's demuxer reads to
find the samples. Reading the tables gives the same sizes and times as demuxing packet by packet,
in a fraction of the time (the media probe examines hundreds of clips). Samples that lie past the
end of the file are counted as unreadable, as a demuxer would fail to read them.

Anything this reader does not handle (fragmented files, compact sample sizes, damaged tables) is
``None``: the caller demuxes instead.
"""

from __future__ import annotations

import mmap
import struct
import sys
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts"}
MAX_BOX_DEPTH = 8  # moov/trak/mdia/minf/stbl is five deep; deeper nesting is not an index
# About 9 hours at 60 frames a second. A larger count (or one the file's size cannot hold) is a
# damaged or hostile table: demuxed instead, within the media probe's time budget, rather than
# expanded into lists of millions of times.
MAX_SAMPLES = 2_000_000


class UnsupportedLayout(Exception):
    """Tables this reader does not handle: demux instead."""


@dataclass
class Track:
    track_id: int = 0
    handler: str = ""
    timescale: int = 0
    shift: int = 0  # ticks added to each sample's decode time (edit list), as FFmpeg shifts them
    tables: dict[bytes, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class TrackSamples:
    """One track's readable samples: (time in seconds, bytes) in decode order, and key-frame times."""

    track_id: int
    handler: str
    samples: list[tuple[float, int]]
    keyframes: list[float]
    indexed: int  # samples the index lists, readable or not


def _boxes(data: bytes | memoryview, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, box end) of the boxes between ``start`` and ``end``."""
    offset = start
    while offset + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, offset)
        header = 8
        if size == 1:
            if offset + 16 > end:
                raise UnsupportedLayout("box header cut short")
            size = struct.unpack_from(">Q", data, offset + 8)[0]
            header = 16
        elif size == 0:
            size = end - offset
        if size < header or offset + size > end:
            raise UnsupportedLayout(f"box {kind!r} runs past its parent")
        yield kind, offset + header, offset + size
        offset += size


def _uint32s(payload: bytes, offset: int, count: int) -> array[int]:
    values = array("I", payload[offset : offset + 4 * count])
    if len(values) != count:
        raise UnsupportedLayout("table cut short")
    if sys.byteorder == "little":
        values.byteswap()
    return values


def _full_box(payload: bytes) -> tuple[int, int]:
    """A full box's version, and its entry count where one follows the version and flags."""
    if len(payload) < 8:
        raise UnsupportedLayout("full box cut short")
    return payload[0], struct.unpack_from(">I", payload, 4)[0]


def _collect(
    data: bytes | memoryview,
    start: int,
    end: int,
    track: Track | None,
    tracks: list[Track],
    movie: dict[str, Any],
    depth: int,
) -> None:
    if depth > MAX_BOX_DEPTH:
        raise UnsupportedLayout("boxes nested too deep")
    for kind, body, box_end in _boxes(data, start, end):
        if kind == b"trak":
            track = Track()
            tracks.append(track)
            _collect(data, body, box_end, track, tracks, movie, depth + 1)
            track = None
        elif kind in CONTAINERS:
            _collect(data, body, box_end, track, tracks, movie, depth + 1)
        elif kind == b"mvex":
            raise UnsupportedLayout("fragmented file: samples are in moof boxes")
        elif kind == b"mvhd":
            movie["timescale"] = struct.unpack_from(">I", data, body + (20 if data[body] == 1 else 12))[0]
        elif track is not None and kind in (
            b"tkhd",
            b"mdhd",
            b"hdlr",
            b"elst",
            b"stts",
            b"stsz",
            b"stss",
            b"stsc",
            b"stco",
            b"co64",
            b"stz2",
        ):
            # The first of each: in a QuickTime file minf holds a second hdlr (the data handler).
            track.tables.setdefault(kind, bytes(data[body:box_end]))


def _track_header(track: Track, movie_timescale: int) -> None:
    tables = track.tables
    tkhd, mdhd, hdlr = tables.get(b"tkhd"), tables.get(b"mdhd"), tables.get(b"hdlr")
    if not (tkhd and mdhd and hdlr) or len(tkhd) < 24 or len(mdhd) < 24 or len(hdlr) < 12:
        raise UnsupportedLayout("track without its headers")
    track.track_id = struct.unpack_from(">I", tkhd, 20 if tkhd[0] == 1 else 12)[0]
    track.timescale = struct.unpack_from(">I", mdhd, 20 if mdhd[0] == 1 else 12)[0]
    track.handler = hdlr[8:12].decode("latin-1")
    if not track.timescale:
        raise UnsupportedLayout("track without a timescale")
    elst = tables.get(b"elst")
    if elst:
        # An empty edit delays the track; the first media edit's start is where its time 0 lies.
        version, count = _full_box(elst)
        entry = 20 if version == 1 else 12
        delay = 0
        for n in range(min(count, (len(elst) - 8) // entry)):
            at = 8 + n * entry
            duration, media_time = struct.unpack_from(">Qq" if version == 1 else ">Ii", elst, at)
            if media_time == -1:
                delay += duration
                continue
            delay_ticks = delay * track.timescale // movie_timescale if movie_timescale else 0
            track.shift = delay_ticks - media_time
            break


def _sizes(track: Track, file_size: int) -> array[int]:
    stsz = track.tables.get(b"stsz")
    if stsz is None:
        raise UnsupportedLayout("no stsz (compact or missing sample sizes)")
    if len(stsz) < 12:
        raise UnsupportedLayout("stsz cut short")
    uniform, count = struct.unpack_from(">II", stsz, 4)
    if count > MAX_SAMPLES or (uniform and count > file_size // uniform + 1):
        raise UnsupportedLayout("implausible sample count")
    return array("I", [uniform]) * count if uniform else _uint32s(stsz, 12, count)


def _decode_times(track: Track, count: int) -> list[int]:
    stts = track.tables.get(b"stts")
    if stts is None:
        raise UnsupportedLayout("no stts")
    _, entries = _full_box(stts)
    pairs = _uint32s(stts, 8, 2 * entries)
    times: list[int] = []
    now = 0
    for n in range(entries):
        run, delta = pairs[2 * n], pairs[2 * n + 1]
        run = min(run, count - len(times))
        times.extend(range(now, now + run * delta, delta) if delta else [now] * run)
        now += run * delta
        if len(times) >= count:
            break
    if len(times) < count:
        raise UnsupportedLayout("stts lists fewer samples than stsz")
    return times


def _offsets(track: Track, sizes: array[int]) -> list[int]:
    """Each sample's offset in the file (stsc maps samples to chunks, stco/co64 place the chunks)."""
    tables = track.tables
    chunk_offsets: Sequence[int] | None
    if b"co64" in tables:
        _, chunks = _full_box(tables[b"co64"])
        chunk_offsets = (
            struct.unpack_from(f">{chunks}Q", tables[b"co64"], 8) if len(tables[b"co64"]) >= 8 + 8 * chunks else None
        )
    elif b"stco" in tables:
        _, chunks = _full_box(tables[b"stco"])
        chunk_offsets = _uint32s(tables[b"stco"], 8, chunks)
    else:
        raise UnsupportedLayout("no chunk offsets")
    stsc = tables.get(b"stsc")
    if chunk_offsets is None or stsc is None:
        raise UnsupportedLayout("chunk table cut short or missing")
    _, runs = _full_box(stsc)
    entries = _uint32s(stsc, 8, 3 * runs)
    offsets: list[int] = []
    sample = 0
    for n in range(runs):
        first_chunk, per_chunk = entries[3 * n], entries[3 * n + 1]
        last_chunk = entries[3 * (n + 1)] - 1 if n + 1 < runs else len(chunk_offsets)
        for chunk in range(first_chunk, last_chunk + 1):
            if chunk < 1 or chunk > len(chunk_offsets):
                raise UnsupportedLayout("stsc names a chunk stco lacks")
            at = chunk_offsets[chunk - 1]
            for _ in range(per_chunk):
                if sample >= len(sizes):
                    return offsets
                offsets.append(at)
                at += sizes[sample]
                sample += 1
    if len(offsets) < len(sizes):
        raise UnsupportedLayout("chunks hold fewer samples than stsz lists")
    return offsets


def _samples(track: Track, file_size: int) -> tuple[TrackSamples, float | None]:
    """The track's samples wholly in the file, with the time where its data runs out (None: it
    does not); a sample cut short by the end of the file keeps the bytes that are there, as a
    demuxer returns it."""
    sizes = _sizes(track, file_size)
    times = _decode_times(track, len(sizes))
    offsets = _offsets(track, sizes)
    stss = track.tables.get(b"stss")
    if stss is not None:
        _, count = _full_box(stss)
        sync = set(_uint32s(stss, 8, count))
    else:
        sync = None  # every sample is a key frame
    scale, shift = 1.0 / track.timescale, track.shift
    samples, keyframes, runs_out = [], [], None
    for n, (size, dts, offset) in enumerate(zip(sizes, times, offsets, strict=False)):
        t = (dts + shift) * scale  # ticks, then seconds: the same float as a demuxed packet's
        if offset + size > file_size:
            runs_out = t
            if offset < file_size:
                samples.append((t, file_size - offset))
            break
        if not size:
            continue
        samples.append((t, size))
        if sync is None or n + 1 in sync:
            keyframes.append(t)
    return TrackSamples(track.track_id, track.handler, samples, keyframes, len(sizes)), runs_out


def _played_until(tracks: dict[int, TrackSamples], end: float, first_out: int) -> dict[int, TrackSamples]:
    """A player stops where the first track's data runs out: the other tracks' later samples are
    never read, as a demuxer reading in time order stops there too."""
    return {
        track_id: track
        if track_id == first_out
        else TrackSamples(
            track.track_id,
            track.handler,
            [s for s in track.samples if s[0] < end],
            [k for k in track.keyframes if k < end],
            track.indexed,
        )
        for track_id, track in tracks.items()
    }


def read_sample_tables(data: bytes | mmap.mmap) -> dict[int, TrackSamples] | None:
    """Each audio and video track's samples by track id, or None when the tables cannot be used."""
    view = memoryview(data)
    try:
        moov = next(((body, end) for kind, body, end in _boxes(view, 0, len(data)) if kind == b"moov"), None)
        if moov is None:
            return None
        tracks: list[Track] = []
        movie: dict[str, Any] = {}
        _collect(view, moov[0], moov[1], None, tracks, movie, 0)
        result, ends = {}, {}
        for track in tracks:
            _track_header(track, movie.get("timescale", 0))
            if track.handler in ("vide", "soun"):
                result[track.track_id], runs_out = _samples(track, len(data))
                if runs_out is not None:
                    ends[track.track_id] = runs_out
        if ends:
            first_out = min(ends, key=lambda track_id: ends[track_id])
            result = _played_until(result, ends[first_out], first_out)
        return result
    except (UnsupportedLayout, struct.error, ValueError, OverflowError):
        return None
