"""Refresh or check the vendored SCORM run-time (scorm-again, MIT) that the LMS frame loads.

    python scripts/refresh_scorm_again.py --check          # the vendored files match PINNED.json
    python scripts/refresh_scorm_again.py 3.4.3            # fetch that release from npm and pin it

A refresh runs ``npm pack scorm-again@VERSION``, checks the tarball against the integrity the
registry publishes for it (sha512), and copies the two release builds and the licence into
``resources/vendor/scorm-again/`` with their SHA-256 in ``PINNED.json``. Nothing else of the
package is kept. ``--check`` needs no network: it is what the tests run.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VENDOR = Path(__file__).resolve().parent.parent / "resources" / "vendor" / "scorm-again"
PINNED = VENDOR / "PINNED.json"
# The release builds the LMS frame loads (UMD bundles that define window.Scorm12API / Scorm2004API).
FILES = {
    "package/dist/scorm12.min.js": "scorm12.min.js",
    "package/dist/scorm2004.min.js": "scorm2004.min.js",
    "package/LICENSE": "LICENSE",
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check() -> list[str]:
    """What does not match the pin (empty when every vendored file is the pinned one)."""
    if not PINNED.is_file():
        return [f"{PINNED} is missing"]
    pinned = json.loads(PINNED.read_text(encoding="utf-8"))
    problems = []
    for name, digest in pinned["sha256"].items():
        path = VENDOR / name
        if not path.is_file():
            problems.append(f"{name} is missing")
        elif sha256(path) != digest:
            problems.append(f"{name} differs from scorm-again {pinned['version']} as pinned")
    return problems


def refresh(version: str) -> None:
    npm = shutil.which("npm")
    if not npm:
        sys.exit("refresh_scorm_again: npm is needed to fetch a release")
    spec = f"scorm-again@{version}"
    integrity = subprocess.run(
        [npm, "view", spec, "dist.integrity"], check=True, capture_output=True, text=True
    ).stdout.strip()
    with tempfile.TemporaryDirectory() as work:
        name = (
            subprocess.run([npm, "pack", spec, "--silent"], cwd=work, check=True, capture_output=True, text=True)
            .stdout.strip()
            .splitlines()[-1]
        )
        tarball = Path(work) / name
        algorithm, _, expected = integrity.partition("-")
        actual = base64.b64encode(hashlib.new(algorithm, tarball.read_bytes()).digest()).decode()
        if actual != expected:
            sys.exit(f"refresh_scorm_again: {name} does not match the registry's integrity {integrity}")
        with tarfile.open(tarball) as archive:
            for member, target in FILES.items():
                source = archive.extractfile(member)
                if source is None:
                    sys.exit(f"refresh_scorm_again: {member} is not in {name}")
                (VENDOR / target).write_bytes(source.read())
    PINNED.write_text(
        json.dumps(
            {
                "package": "scorm-again",
                "version": version,
                "licence": "MIT",
                "npm_integrity": integrity,
                "sha256": {target: sha256(VENDOR / target) for target in FILES.values()},
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"scorm-again {version} vendored in {VENDOR}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("version", nargs="?", help="the npm release to vendor, e.g. 3.4.3")
    parser.add_argument("--check", action="store_true", help="only check the vendored files against the pin")
    args = parser.parse_args(argv)
    if args.check or not args.version:
        problems = check()
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    refresh(args.version)
    return 0


if __name__ == "__main__":
    sys.exit(main())
