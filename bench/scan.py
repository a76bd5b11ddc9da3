"""Inventory + hashing of a large package vs `sha256sum` on the same zip, and peak memory.

Targets (foundation issue): time ≤ 1.2× sha256sum, peak RSS ≤ 200 MB, on a package of
≥ 500 MB and ≥ 2,000 files. The package is built once into bench/out/ and reused.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import zipfile

from _common import OUT, best_of, run_child

MEDIA_FILES = 44
MEDIA_BYTES = 11 * 1024 * 1024
TEXT_FILES = 2000
IMAGE_FILES = 400
RUNS = 3


def build_package(path) -> None:
    rng = random.Random(7)
    words = [b"learner", b"network", b"module", b"lesson", b"quiz", b"video", b"policy", b"<p>", b"</p>"]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("imsmanifest.xml", "<manifest/>")
        for i in range(MEDIA_FILES):  # encoded media: incompressible, as real video is
            archive.writestr(f"media/clip-{i:03}.mp4", os.urandom(MEDIA_BYTES))
        for i in range(TEXT_FILES):
            text = b" ".join(rng.choice(words) for _ in range(rng.randint(2000, 8000)))
            archive.writestr(f"pages/p{i // 100:02}/page-{i:04}.html", text)
        for i in range(IMAGE_FILES):
            archive.writestr(f"images/img-{i:04}.png", os.urandom(rng.randint(20_000, 80_000)))


CHILD = """
from certifier.package.archive import open_package
from certifier.package.archive_limits import ArchiveLimits
from certifier.package.inventory import build_inventory
limits = ArchiveLimits(max_uncompressed_mb=8192, max_compression_ratio=1000, min_size_for_ratio_check_mb=1, max_entry_count=100000)
best = float('inf')
for _ in range(int(sys.argv[2])):
    start = time.perf_counter()
    with open_package(sys.argv[1], limits) as package:
        inventory = build_inventory(package)
    best = min(best, time.perf_counter() - start)
print(json.dumps({"seconds": best, "files": len(inventory.files), "bytes": inventory.total_size,
                  "peak_rss_mb": peak_rss_mb()}))
"""


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    package = OUT / "large-package.zip"
    if not package.exists():
        print("building the package (once)…")
        build_package(package)
    size_mb = package.stat().st_size / 2**20
    sha256sum = shutil.which("sha256sum")
    if sha256sum:
        reference = best_of(RUNS, lambda: subprocess.run([sha256sum, str(package)], check=True, capture_output=True))
        ref_name = "sha256sum"
    else:  # e.g. Windows without coreutils: the same work in Python's hashlib
        from certifier.package.inventory import sha256_of_file

        reference = best_of(RUNS, lambda: sha256_of_file(package))
        ref_name = "hashlib sha256 of the zip (sha256sum not found)"
    ours = run_child(CHILD, str(package), str(RUNS))
    ratio = ours["seconds"] / reference
    print(f"package: {size_mb:,.0f} MB zip, {ours['bytes'] / 2**20:,.0f} MB expanded, {ours['files']:,} files")
    print(
        f"{ref_name}: {reference:.2f} s   inventory+hash: {ours['seconds']:.2f} s   ratio {ratio:.2f}× (target ≤ 1.2×)"
    )
    print(f"peak RSS: {ours['peak_rss_mb']:.0f} MB (target ≤ 200 MB)")


if __name__ == "__main__":
    main()
