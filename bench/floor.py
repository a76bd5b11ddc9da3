"""The least a static certification can take on this machine, against the anchor, in one run.

A static certification must hash the archive (the report names the package by it), inflate every
entry and check its CRC (a damaged entry fails an LMS's import) and hash every file (the report's
file list, and the staging server's bytes compared with the package's). Each is timed alone here
on one thread, on bench/full.py's course, best of N; their sum divided over the machine's cores is
the floor no scheduling can beat, before the interpreter starts or any probe looks at a file.
Printed: each part, the floor as a ratio to `openssl dgst -sha256` (the anchor), and the static
probes' median beside it.

    python bench/floor.py [--runs N]    (build the course first: python bench/full.py)
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import time
import zipfile

from _common import OUT, REPO_ROOT, best_of

from certifier.package.inflate import can_inflate, inflate_entry

STATIC_PROBES = ("package", "conformance", "plugins", "media")


def inflate_all(course: str, hash_files: bool) -> None:
    with zipfile.ZipFile(course) as archive, open(course, "rb") as stream:
        for info in archive.infolist():
            if info.is_dir():
                continue
            content = inflate_entry(stream, info) if can_inflate(info) else archive.read(info)
            if hash_files:
                hashlib.sha256(content).digest()


def timed(command: list[str], verdict: bool = False) -> float:
    """Wall time of a command; a certifier's check exits with its verdict (0, 3 or 4)."""
    start = time.perf_counter()
    done = subprocess.run(command, check=False, capture_output=True, cwd=REPO_ROOT)
    if done.returncode not in ((0, 3, 4) if verdict else (0,)):
        sys.exit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    course = OUT / "full-course.zip"
    if not course.exists():
        sys.exit(f"{course} is missing: build it with python bench/full.py")
    cores = os.cpu_count() or 1
    openssl = shutil.which("openssl")
    anchor_command = [openssl, "dgst", "-sha256", str(course)] if openssl else None

    def hash_archive() -> None:
        with open(course, "rb") as stream:
            hashlib.file_digest(stream, "sha256")

    archive_s = best_of(args.runs, hash_archive)
    inflate_s = best_of(args.runs, lambda: inflate_all(str(course), False))
    both_s = best_of(args.runs, lambda: inflate_all(str(course), True))
    files_s = max(both_s - inflate_s, 0.0)
    start_s = best_of(args.runs, lambda: timed([sys.executable, "-m", "certifier.cli", "--version"]))
    anchor_s = statistics.median(timed(anchor_command) for _ in range(args.runs)) if anchor_command else archive_s
    static_command = [sys.executable, "-m", "certifier.cli", "check", str(course), "--no-history"]
    for probe in STATIC_PROBES:
        static_command += ["--probe", probe]
    static_s = statistics.median(timed(static_command, verdict=True) for _ in range(args.runs))

    work_s = archive_s + inflate_s + files_s
    floor_s = work_s / cores
    print(f"course: {course.stat().st_size / 2**20:,.0f} MB zip; {cores} cores; best of {args.runs} (one thread each)")
    print(f"  hash the archive (SHA-256):                {archive_s:5.2f} s")
    print(f"  inflate every entry and check its CRC:     {inflate_s:5.2f} s")
    print(f"  hash every file (SHA-256):                 {files_s:5.2f} s")
    print(f"  start the interpreter and the CLI:         {start_s:5.2f} s")
    print(f"integrity work: {work_s:.2f} s of processor time; over {cores} cores at best {floor_s:.2f} s")
    print(
        f"anchor (openssl dgst -sha256): {anchor_s:.2f} s. Floor of a static certification = "
        f"{floor_s / anchor_s:.2f}× the anchor before start-up, {(floor_s + start_s) / anchor_s:.2f}× with it "
        f"(target ≤ 2.0×)"
    )
    print(
        f"static probes: median {static_s:.2f} s = {static_s / anchor_s:.2f}× the anchor, "
        f"{static_s / (floor_s + start_s):.2f}× the floor with start-up"
    )


if __name__ == "__main__":
    main()
