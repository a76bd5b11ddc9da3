"""Regenerate the sample course's images and media (run from the repository root)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.factories import encode_audio, encode_video, make_png

COURSE = Path(__file__).resolve().parents[1] / "resources" / "sample-course"

(COURSE / "images" / "logo.png").write_bytes(make_png(48, 48, (31, 78, 121)))
(COURSE / "images" / "phishing.png").write_bytes(make_png(320, 180, (200, 60, 40)))
encode_video(
    COURSE / "media" / "welcome.mp4",
    seconds=6,
    width=320,
    height=180,
    bitrate_kbps=250,
    container_options={"movflags": "faststart"},
    audio_kbps=64,
)
encode_audio(COURSE / "media" / "narration.mp3", seconds=4, bitrate_kbps=64)
for file in sorted(COURSE.rglob("*")):
    if file.is_file():
        print(f"{file.stat().st_size:>9}  {file.relative_to(COURSE)}")
