"""Builders of real test material: PNG images, encoded media clips and zip packages.

Used by the tests, the benchmarks and the script that regenerates the sample course's media.
"""

from __future__ import annotations

import io
import os
import random
import struct
import zipfile
import zlib
from fractions import Fraction
from pathlib import Path


def make_png(width: int, height: int, rgb: tuple[int, int, int] = (40, 90, 160)) -> bytes:
    """A solid-colour PNG, encoded by hand (no imaging library needed)."""
    row = b"\x00" + bytes(rgb) * width
    raw = row * height

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def _pattern_plane(width: int, height: int, frame: int, noise: float, rng: random.Random) -> bytes:
    """A moving gradient with a share ``noise`` of rows replaced by random bytes.

    Noise is what makes an encoder spend bits, so it sets the clip's natural bitrate; whole rows
    from os.urandom keep generation fast enough for 1080p clips.
    """
    base = bytes(((x + frame * 4) * 3) & 0xFF for x in range(width))
    noisy_rows = int(height * noise)
    rows = [base] * height
    for row in rng.sample(range(height), noisy_rows):
        rows[row] = os.urandom(width)
    return b"".join(rows)


def encode_video(
    path: Path,
    seconds: float = 2.0,
    width: int = 320,
    height: int = 180,
    fps: int = 25,
    codec: str = "libx264",
    bitrate_kbps: int = 300,
    container_options: dict | None = None,
    codec_options: dict | None = None,
    audio_kbps: int | None = 64,
    noise: float = 0.05,
    burst: tuple[float, float, float] | None = None,
    gop: int | None = None,
    seed: int = 1,
    pix_fmt: str = "yuv420p",
) -> Path:
    """Encode a clip with PyAV. ``burst`` = (start_s, end_s, noise) makes a bursty VBR section."""
    import av

    path = Path(path)
    rng = random.Random(seed)
    fmt = {".webm": "webm", ".mkv": "matroska", ".mov": "mov", ".flv": "flv"}.get(path.suffix.lower())
    with av.open(str(path), "w", format=fmt, options=container_options or {}) as out:
        video = out.add_stream(codec, rate=fps)
        video.width, video.height = width, height
        video.pix_fmt = pix_fmt
        video.bit_rate = bitrate_kbps * 1000
        if gop:
            video.gop_size = gop
        if codec_options:
            video.options = codec_options
        audio = None
        if audio_kbps:
            audio_codec = "libopus" if path.suffix.lower() == ".webm" else "aac"
            audio = out.add_stream(audio_codec, rate=48000)
            audio.bit_rate = audio_kbps * 1000
            audio.layout = "stereo"
        frames = int(seconds * fps)
        for index in range(frames):
            t = index / fps
            level = burst[2] if burst and burst[0] <= t < burst[1] else noise
            frame = av.VideoFrame(width, height, "yuv420p")
            frame.planes[0].update(_pattern_plane(width, height, index, level, rng))
            frame.planes[1].update(bytes([128]) * (frame.planes[1].buffer_size))
            frame.planes[2].update(bytes([128]) * (frame.planes[2].buffer_size))
            if pix_fmt != "yuv420p":
                frame = frame.reformat(format=pix_fmt)
            frame.pts = index
            frame.time_base = Fraction(1, fps)
            for packet in video.encode(frame):
                out.mux(packet)
        for packet in video.encode():
            out.mux(packet)
        if audio is not None:
            _encode_tone(out, audio, seconds)
    return path


def _encode_tone(out, stream, seconds: float, hz: float = 440.0) -> None:
    import math

    import av

    rate = stream.rate
    samples_per_frame = stream.frame_size or 1024
    total = int(seconds * rate)
    pts = 0
    fmt = stream.format.name
    while pts < total:
        n = min(samples_per_frame, total - pts)
        values = [0.2 * math.sin(2 * math.pi * hz * (pts + i) / rate) for i in range(n)]
        channels = stream.layout.nb_channels if hasattr(stream.layout, "nb_channels") else len(stream.layout.channels)
        if fmt.endswith("p"):  # planar float
            frame = av.AudioFrame(format=fmt, layout=stream.layout.name, samples=n)
            data = struct.pack(f"<{n}f", *values)
            for plane in frame.planes[:channels]:
                plane.update(data + bytes(plane.buffer_size - len(data)))
        else:
            frame = av.AudioFrame(format=fmt, layout=stream.layout.name, samples=n)
            if fmt == "s16":
                data = struct.pack(f"<{n * channels}h", *[int(v * 32767) for v in values for _ in range(channels)])
            else:
                data = struct.pack(f"<{n * channels}f", *[v for v in values for _ in range(channels)])
            frame.planes[0].update(data + bytes(frame.planes[0].buffer_size - len(data)))
        frame.sample_rate = rate
        frame.pts = pts
        frame.time_base = Fraction(1, rate)
        for packet in stream.encode(frame):
            out.mux(packet)
        pts += n
    for packet in stream.encode():
        out.mux(packet)


def encode_audio(path: Path, seconds: float = 2.0, bitrate_kbps: int = 64, codec: str = "libmp3lame") -> Path:
    import av

    path = Path(path)
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=44100)
        stream.bit_rate = bitrate_kbps * 1000
        stream.layout = "mono"
        _encode_tone(out, stream, seconds)
    return path


def build_zip(path: Path, files: dict[str, bytes | str], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    """A zip with the given entries (str content is UTF-8 encoded)."""
    path = Path(path)
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, content in files.items():
            archive.writestr(name, content.encode() if isinstance(content, str) else content)
    return path


def zip_folder(folder: Path, path: Path, prefix: str = "") -> Path:
    """Zip a folder's files (optionally under a top folder ``prefix``, as 'zip the folder' does)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(Path(folder).rglob("*")):
            if file.is_file():
                archive.write(file, prefix + file.relative_to(folder).as_posix())
    return Path(path)


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()
