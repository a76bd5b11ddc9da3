"""The whole certifier on a big course, against `sha256sum` on the same zip, in one run.

The course (built once into bench/out/, about 1 GB): a SCORM 2004 package of 200 SCOs with 4,200
pages, 600 PNG images and 156 real H.264 clips, every file deflated as authoring tools publish.
Printed: the static probes' time (package, conformance, plugins, media) as a ratio to
`sha256sum`, the full default check's ratio (embedded staging, page load, runtime pass), each
probe's time from the report, and both runs' peak RSS. Runs alternate with the reference so
both see the same machine state; medians are compared.

Ratios are printed against `openssl dgst -sha256` on the zip (the anchor: reading the archive
once and hashing it with the CPU's SHA instructions) and against `sha256sum` (about four times
slower). Targets: static ≤ 2.0× the anchor, full default check ≤ 10×, peak RSS ≤ 200 MB. Beside
them, `unzip -t` on the same zip: inflating every entry and checking its CRC, which a certification
must do too (a damaged entry fails an LMS's import) and the anchor does not.

    python bench/full.py [--runs N] [--rebuild] [--text-heavy] [--all]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from pathlib import Path

from _common import OUT, REPO_ROOT

SCOS = 200
PAGES_PER_SCO = 21  # 4,200 pages
IMAGES = 600
CLIPS = 156
DISTINCT_CLIPS = 12  # encoded once each, published under many names as a course reuses footage
CLIP_SECONDS = 20
CLIP_KBPS = 2400  # about 6 MB per clip: 156 clips ≈ 0.9 GB
STATIC_PROBES = ("package", "conformance", "plugins", "media")
TEXT_HEAVY_WORDS = (2400, 7200)  # words per page of the text-heavy variant: about 126 MB of text

# The child measures its own peak RSS on the way out (RUSAGE_SELF: this process, not its helpers).
RSS_WRAPPER = """
import runpy, sys
def peak_rss_mb():
    try:
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    except ImportError:
        import psutil
        return psutil.Process().memory_info().peak_wset / 2**20
sys.argv = ["certifier"] + sys.argv[1:]
try:
    runpy.run_module("certifier.cli", run_name="__main__")
finally:
    sys.stderr.write(f"\\nPEAK_RSS_MB {peak_rss_mb():.1f}\\n")
"""


def png(width: int, height: int, rng: random.Random) -> bytes:
    """A valid PNG of noise (incompressible, like photographs)."""
    rows = b"".join(b"\x00" + rng.randbytes(width * 3) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 1)) + chunk(b"IEND", b"")


def encode_clips(folder: Path) -> list[Path]:
    sys.path.insert(0, str(REPO_ROOT))
    from tests.factories import encode_video  # PyAV: real H.264 + AAC in MP4 with fast start

    clips = []
    for index in range(DISTINCT_CLIPS):
        path = folder / f"clip-{index:02}.mp4"
        if not path.exists():
            encode_video(
                path,
                seconds=CLIP_SECONDS,
                width=640,
                height=360,
                bitrate_kbps=CLIP_KBPS,
                audio_kbps=96,
                noise=0.2,
                seed=index + 1,
                container_options={"movflags": "faststart"},
            )
        clips.append(path)
    return clips


def manifest() -> str:
    items = "".join(
        f'<item identifier="i{n}" identifierref="r{n}"><title>Lesson {n + 1}</title></item>' for n in range(SCOS)
    )
    resources = "".join(
        f'<resource identifier="r{n}" type="webcontent" adlcp:scormType="sco" href="sco{n:03}/page-00.html">'
        f'<file href="sco{n:03}/page-00.html"/></resource>'
        for n in range(SCOS)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest identifier="big-course" version="1" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" '
        'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" '
        'xmlns:adlseq="http://www.imsglobal.org/xsd/imsss" xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3" '
        'xmlns:imsss="http://www.imsglobal.org/xsd/imsss">'
        "<metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>"
        f'<organizations default="o"><organization identifier="o"><title>Big course</title>{items}'
        f"</organization></organizations><resources>{resources}</resources></manifest>"
    )


SCORM_API = """var api = null;
function findAPI(w) { var n = 0; while (!w.API_1484_11 && w.parent && w.parent !== w && n++ < 10) { w = w.parent; }
  return w.API_1484_11 || null; }
window.addEventListener("load", function () { api = findAPI(window); if (api) { api.Initialize("");
  api.SetValue("cmi.completion_status", "completed"); api.Commit(""); } });
window.addEventListener("unload", function () { if (api) { api.Terminate(""); } });
"""


def page(sco: int, number: int, rng: random.Random, words_per_page: tuple[int, int] = (400, 1200)) -> str:
    words = ["learner", "network", "policy", "module", "lesson", "practice", "safety", "report", "desk"]
    text = " ".join(rng.choice(words) for _ in range(rng.randint(*words_per_page)))
    image = f"../images/img-{(sco * PAGES_PER_SCO + number) % IMAGES:04}.png"
    media = f'<video controls src="../media/clip-{sco:03}.mp4"></video>' if number == 0 and sco < CLIPS else ""
    nav = f'<a href="page-{number + 1:02}.html">Next</a>' if number + 1 < PAGES_PER_SCO else ""
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Lesson {sco + 1}, page {number + 1}'
        f'</title><link rel="stylesheet" href="../shared/course.css"><script src="../shared/scorm-api.js"></script>'
        f'</head><body><h1>Lesson {sco + 1}</h1>{media}<img src="{image}" alt="Figure"><p>{text}</p>{nav}'
        "</body></html>"
    )


def build_course(path: Path, text_heavy: bool = False) -> None:
    """The bench course; ``text_heavy``: about 126 MB of page text (six times the words) and the
    clips stored rather than deflated, as a text-rich course with a video-first export is."""
    rng = random.Random(18)
    words_per_page = TEXT_HEAVY_WORDS if text_heavy else (400, 1200)
    work = OUT / "full-clips"
    work.mkdir(parents=True, exist_ok=True)
    clips = encode_clips(work)
    partial = path.with_suffix(".part")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("imsmanifest.xml", manifest())
        archive.writestr("shared/scorm-api.js", SCORM_API)
        archive.writestr("shared/course.css", "body { font-family: sans-serif; max-width: 60em; }\n")
        for sco in range(SCOS):
            for number in range(PAGES_PER_SCO):
                archive.writestr(f"sco{sco:03}/page-{number:02}.html", page(sco, number, rng, words_per_page))
        for index in range(IMAGES):
            side = rng.randint(90, 160)
            archive.writestr(f"images/img-{index:04}.png", png(side, side, rng))
        for index in range(CLIPS):
            archive.write(
                clips[index % DISTINCT_CLIPS],
                f"media/clip-{index:03}.mp4",
                zipfile.ZIP_STORED if text_heavy else zipfile.ZIP_DEFLATED,
            )
    partial.replace(path)


def timed(command: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 3, 4):
        raise SystemExit(f"{' '.join(command[:6])}… failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return elapsed, done.stderr


def certifier(args: list[str]) -> list[str]:
    return [sys.executable, "-c", RSS_WRAPPER, *args]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="alternating runs of each (medians compared)")
    parser.add_argument("--rebuild", action="store_true", help="build the course again")
    parser.add_argument(
        "--text-heavy", action="store_true", help="the variant with about 126 MB of page text and stored clips"
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help="then every other figure the speed targets name: the text-heavy course, the never-initialising "
        "course (bench/broken_lessons.py) and the 4.5 GB ZIP64 course (bench/zip64.py), each in a child run",
    )
    args = parser.parse_args()
    course = OUT / ("full-course-text.zip" if args.text_heavy else "full-course.zip")
    if args.rebuild or not course.exists():
        print("building the course (once; a few minutes)…", flush=True)
        build_course(course, args.text_heavy)
    with zipfile.ZipFile(course) as archive:
        names = archive.namelist()
    print(
        f"course: {course.stat().st_size / 2**20:,.0f} MB zip, {len(names):,} files "
        f"({sum(n.endswith('.mp4') for n in names)} H.264 clips, {sum(n.endswith('.png') for n in names)} images, "
        f"{sum(n.endswith('.html') for n in names):,} pages, {SCOS} SCOs); {os.cpu_count()} cores"
    )
    # Without the command, Python's hashlib hashes the zip (OpenSSL's code underneath).
    hashlib_sha256 = [
        sys.executable,
        "-c",
        "import hashlib,sys; print(hashlib.file_digest(open(sys.argv[1],'rb'),'sha256').hexdigest())",
        str(course),
    ]
    sha256sum = shutil.which("sha256sum")
    reference = [sha256sum, str(course)] if sha256sum else hashlib_sha256
    # The floor of a static certification: read the archive once and hash it, as OpenSSL does with
    # the CPU's SHA instructions (hashlib is the same code); sha256sum is about four times slower.
    openssl = shutil.which("openssl")
    anchor = [openssl, "dgst", "-sha256", str(course)] if openssl else hashlib_sha256
    # What checking every entry's CRC costs on its own (inflating all, as an LMS's unzip does): the
    # work a static certification cannot skip beyond the anchor, measured by the usual tool.
    unzip = shutil.which("unzip")
    tested = [unzip, "-tqq", str(course)] if unzip else None
    out = Path(tempfile.mkdtemp(prefix="bench-full-"))
    static_args = ["check", str(course), "--no-history", "--json", str(out / "static.json")]
    for probe in STATIC_PROBES:
        static_args += ["--probe", probe]
    full_args = ["check", str(course), "--no-history", "--json", str(out / "full.json")]
    refs, anchors, statics, fulls, rss, full_rss, tests = [], [], [], [], [], [], []
    for run in range(args.runs):
        anchors.append(timed(anchor)[0])
        if tested:
            tests.append(timed(tested)[0])
        refs.append(timed(reference)[0])
        seconds, stderr = timed(certifier(static_args))
        statics.append(seconds)
        rss.append(float(stderr.rsplit("PEAK_RSS_MB", 1)[1]))
        refs.append(timed(reference)[0])
        seconds, stderr = timed(certifier(full_args))
        fulls.append(seconds)
        full_rss.append(float(stderr.rsplit("PEAK_RSS_MB", 1)[1]))
        print(
            f"run {run + 1}: openssl {anchors[-1]:.2f} s, "
            + (f"unzip -t {tests[-1]:.2f} s, " if tests else "")
            + f"sha256sum {refs[-2]:.2f} / {refs[-1]:.2f} s, "
            f"static {statics[-1]:.2f} s, "
            f"full {fulls[-1]:.2f} s",
            flush=True,
        )
    ref, floor = statistics.median(refs), statistics.median(anchors)
    static, full = statistics.median(statics), statistics.median(fulls)
    print(f"\n{'openssl dgst -sha256' if openssl else 'hashlib sha256'} of the zip (the anchor): median {floor:.2f} s")
    print(f"{'sha256sum' if sha256sum else 'hashlib sha256'} of the zip: median {ref:.2f} s")
    print(
        f"static probes ({', '.join(STATIC_PROBES)}): median {static:.2f} s = {static / floor:.2f}× the anchor "
        f"(target ≤ 2.0×), {static / ref:.2f}× sha256sum"
    )
    if tests:
        print(
            f"unzip -t of the zip (every entry inflated and its CRC checked, nothing else): median "
            f"{statistics.median(tests):.2f} s; the static probes take {static / statistics.median(tests):.2f}× that"
        )
    print(
        f"full default check: median {full:.2f} s = {full / floor:.2f}× the anchor (target ≤ 10×), {full / ref:.2f}× sha256sum"
    )
    print(
        f"peak RSS: static run {max(rss):.0f} MB, full check {max(full_rss):.0f} MB (the certifier's own "
        "process; its browser helpers apart) (target ≤ 200 MB)"
    )
    # The learner-session walk has its own declared budget ([session] timeout_s): counted apart.
    walked = next(
        (p["duration_s"] for p in json.loads((out / "full.json").read_text())["probes"] if p["id"] == "session"), 0.0
    )
    print(
        f"full default check without the session walk ({walked:.1f} s, its own budget): "
        f"{full - walked:.2f} s = {(full - walked) / floor:.2f}× the anchor (target ≤ 10×)"
    )
    for name in ("static", "full"):
        report = json.loads((out / f"{name}.json").read_text())
        times = ", ".join(f"{p['id']} {p['duration_s']:.2f} s" for p in report["probes"])
        print(f"per probe ({name}, last run): {times}; verdict {report['verdict']}")
        runtime = report.get("outputs", {}).get("pageload", {}).get("runtime_sample")
        if runtime:
            print(f"  runtime pass: {runtime}")
    shutil.rmtree(out, ignore_errors=True)
    if args.all:
        others = (
            ("the text-heavy course", ["full.py", "--text-heavy", "--runs", str(args.runs)]),
            ("the never-initialising course", ["broken_lessons.py"]),
            ("the 4.5 GB ZIP64 course", ["zip64.py", "--runs", "1"]),
        )
        for title, command in others:
            print(f"\n== {title}: bench/{' '.join(command)}", flush=True)
            script = Path(__file__).with_name(command[0])
            subprocess.run([sys.executable, str(script), *command[1:]], check=True, cwd=REPO_ROOT)


if __name__ == "__main__":
    main()
