"""Conformance probe vs the plain inventory of the same package.

Target (conformance issue): the probe on a package with ≥ 5,000 files and a 2 MB manifest takes
≤ 1.5× the time of the foundation's inventory of that package. Built once into bench/out/.
"""

from __future__ import annotations

import os
import random
import zipfile

from _common import OUT, time_probe

PAGES = 2500
IMAGES = 2500
VIDEOS = 10
VIDEO_BYTES = 5 * 1024 * 1024
RUNS = 3


def build_package(path) -> int:
    rng = random.Random(3)
    resources, items, files = [], [], {}
    for i in range(PAGES):
        page = f"sco{i:04}/index.html"
        image = f"sco{i:04}/img/figure-{i:04}.png"
        body = "".join(f"<p>Paragraph {n} of lesson {i} about networks and policy.</p>\n" for n in range(40))
        files[page] = (
            f'<!DOCTYPE html><html><head><link rel="stylesheet" href="../shared/course.css">'
            f'<script src="../shared/api.js"></script></head><body>\n{body}'
            f'<img src="img/figure-{i:04}.png" alt="">\n'
            f'<video src="../media/clip-{i % VIDEOS:02}.mp4"></video></body></html>'
        )
        files[image] = os.urandom(rng.randint(20_000, 40_000))
        description = "Lesson description for reviewers. " * 14
        items.append(
            f'      <item identifier="item{i:04}" identifierref="res{i:04}"><title>Lesson {i}: {description}</title></item>'
        )
        resources.append(
            f'    <resource identifier="res{i:04}" type="webcontent" adlcp:scormType="sco" href="{page}">\n'
            f'      <file href="{page}"/>\n      <file href="{image}"/>\n'
            f'      <dependency identifierref="shared"/>\n    </resource>'
        )
    files["shared/course.css"] = "body { font-family: sans-serif; }"
    files["shared/api.js"] = "var API = null;"
    for v in range(VIDEOS):
        files[f"media/clip-{v:02}.mp4"] = os.urandom(VIDEO_BYTES)
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<manifest identifier="big" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" '
        'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3">\n  <metadata><schema>ADL SCORM</schema>'
        '<schemaversion>2004 4th Edition</schemaversion></metadata>\n  <organizations default="org">\n'
        '    <organization identifier="org"><title>Big course</title>\n'
        + "\n".join(items)
        + "\n    </organization>\n  </organizations>\n  <resources>\n"
        + "\n".join(resources)
        + '\n    <resource identifier="shared" type="webcontent" adlcp:scormType="asset">'
        '<file href="shared/course.css"/><file href="shared/api.js"/>'
        + "".join(f'<file href="media/clip-{v:02}.mp4"/>' for v in range(VIDEOS))
        + "</resource>\n  </resources>\n</manifest>\n"
    )
    files["imsmanifest.xml"] = manifest
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return len(manifest.encode())


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    package = OUT / "conformance-package.zip"
    if not package.exists():
        print("building the package (once)…")
        build_package(package)
    with zipfile.ZipFile(package) as archive:
        manifest_mb = archive.getinfo("imsmanifest.xml").file_size / 2**20
    result = time_probe(package, "certifier.probes.conformance:ConformanceProbe", RUNS)
    ratio = result["probe_s"] / result["inventory_s"]
    print(
        f"package: {result['files']:,} files, manifest {manifest_mb:.1f} MB, "
        f"{package.stat().st_size / 2**20:,.0f} MB zip"
    )
    print(
        f"inventory: {result['inventory_s']:.2f} s   conformance probe: {result['probe_s']:.2f} s   "
        f"ratio {ratio:.2f}× (target ≤ 1.5×)"
    )
    print(f"failed rules (expected none): {result['failed'] or 'none'}; peak RSS {result['peak_rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
