"""Media probe vs ffprobe on the same clips, in one run.

Targets (media issue), on ≥ 20 generated clips of ≥ 1 GB in all:
- our per-file inspection (metadata + every packet) ≥ 3× faster than spawning
  `ffprobe -show_format -show_streams` (metadata only);
- our peak-bitrate pass no slower than `ffprobe -show_packets` (ratio ≤ 1×).
ffprobe comes from the system (apt-get install ffmpeg); the product itself never needs it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

from _common import OUT, REPO_ROOT  # noqa: F401  (puts the repository on sys.path)

from certifier.probes.media.inspection import inspect_media
from tests.factories import encode_video

CLIPS = 20
SECONDS = 10
MIN_TOTAL_BYTES = 1024**3


def build_clips(folder) -> list:
    folder.mkdir(parents=True, exist_ok=True)
    clips = []
    for i in range(CLIPS):
        suffix = ".mov" if i % 5 == 4 else ".mp4"
        path = folder / f"clip-{i:02}{suffix}"
        if not path.exists():
            kbps = 40_000 + 2_000 * i
            encode_video(
                path,
                seconds=SECONDS,
                width=1280,
                height=720,
                bitrate_kbps=kbps,
                audio_kbps=128,
                noise=0.7,
                seed=i,
                codec_options={"preset": "ultrafast"},
                container_options={"movflags": "faststart"} if i % 2 else {},
            )
        clips.append(path)
    return clips


def time_per_file(clips, fn) -> float:
    start = time.perf_counter()
    for clip in clips:
        fn(clip)
    return (time.perf_counter() - start) / len(clips)


def main() -> None:
    ffprobe = shutil.which("ffprobe")
    if not ffprobe:
        sys.exit("ffprobe not found: install it for the benchmark only (apt-get install ffmpeg).")
    clips = build_clips(OUT / "media-clips")
    total = sum(c.stat().st_size for c in clips)
    if total < MIN_TOTAL_BYTES:
        print(f"warning: clips total {total / 2**30:.2f} GB, under the 1 GB the target names")
    for clip in clips:  # warm the page cache so both sides read from memory
        clip.read_bytes()
    ours = time_per_file(clips, lambda c: inspect_media(c, 1.0, 60))
    metadata = time_per_file(
        clips,
        lambda c: subprocess.run(
            [ffprobe, "-v", "error", "-show_format", "-show_streams", str(c)], capture_output=True, check=True
        ),
    )
    packets = time_per_file(
        clips,
        lambda c: subprocess.run(
            [ffprobe, "-v", "error", "-show_packets", "-show_entries", "packet=dts_time,size", "-of", "csv", str(c)],
            capture_output=True,
            check=True,
        ),
    )
    print(f"{len(clips)} clips, {total / 2**30:.2f} GB in all")
    print(f"ours (metadata + peak over every packet): {ours * 1000:.1f} ms per file")
    print(
        f"ffprobe -show_format -show_streams:        {metadata * 1000:.1f} ms per file  → ours is "
        f"{metadata / ours:.1f}× faster (target ≥ 3×)"
    )
    print(
        f"ffprobe -show_packets:                     {packets * 1000:.1f} ms per file  → ratio ours/ffprobe "
        f"{ours / packets:.2f}× (target ≤ 1×)"
    )


if __name__ == "__main__":
    main()
