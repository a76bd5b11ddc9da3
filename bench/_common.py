"""Helpers shared by the benchmarks: timing, peak memory of a child process, the work folder."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
OUT = REPO_ROOT / "bench" / "out"
sys.path.insert(0, str(REPO_ROOT))


def best_of(runs: int, fn) -> float:
    """Fastest wall time of ``runs`` calls: the least disturbed by other load."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def run_child(code: str, *args: str) -> dict:
    """Run Python code in a fresh process that prints one JSON line (with its own peak RSS)."""
    prologue = (
        "import json, sys, time\n"
        "def peak_rss_mb():\n"
        "    try:\n"
        "        import resource\n"
        "        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "    except ImportError:\n"
        "        import psutil\n"
        "        return psutil.Process().memory_info().peak_wset / 2**20\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", prologue + code, *args], capture_output=True, text=True, check=True, cwd=REPO_ROOT
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


PROBE_CHILD = """
from certifier.package.archive import open_package
from certifier.package.inventory import build_inventory
from certifier.policy.registry import load_profile
from certifier.run.runner import archive_limits
from certifier.policy.probe_api import ProbeContext
from certifier.package.standards import detect_standard
from certifier.package.workdir import WorkDir
import importlib
module, name = sys.argv[3].rsplit(":", 1)
probe = getattr(importlib.import_module(module), name)()
profile = load_profile("default")
limits = archive_limits(profile)
inventory_s = probe_s = float("inf")
for _ in range(int(sys.argv[2])):
    start = time.perf_counter()
    with open_package(sys.argv[1], limits) as package:
        inventory = build_inventory(package)
    inventory_s = min(inventory_s, time.perf_counter() - start)
    with open_package(sys.argv[1], limits) as package, WorkDir() as workdir:
        ctx = ProbeContext(profile=profile, workdir=workdir, package=package, inventory=inventory,
                           detection=detect_standard(package))
        start = time.perf_counter()
        evidence = probe.gather(ctx)
        findings = probe.evaluate(evidence, profile.section(probe.id))
        probe_s = min(probe_s, time.perf_counter() - start)
print(json.dumps({"inventory_s": inventory_s, "probe_s": probe_s, "files": len(inventory.files),
                  "failed": sorted(f.rule_id for f in findings if f.status.value == "fail"),
                  "counts": evidence.get("counts"), "bytes": evidence.get("bytes_scanned"),
                  "peak_rss_mb": peak_rss_mb()}))
"""


def time_probe(package, probe: str, runs: int) -> dict:
    """Inventory and one probe (gather + rules) on ``package`` in a fresh process; best of ``runs``."""
    return run_child(PROBE_CHILD, str(package), str(runs), probe)


def scorm_2004_manifest(identifier: str, title: str, launches: list[str]) -> str:
    """A SCORM 2004 4th Edition manifest with one SCO per launch page ("Lesson 1", "Lesson 2", …)."""
    items = "".join(
        f'<item identifier="i{n}" identifierref="r{n}"><title>Lesson {n + 1}</title></item>'
        for n in range(len(launches))
    )
    resources = "".join(
        f'<resource identifier="r{n}" type="webcontent" adlcp:scormType="sco" href="{href}">'
        f'<file href="{href}"/></resource>'
        for n, href in enumerate(launches)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><manifest identifier="{identifier}" version="1" '
        'xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3">'
        "<metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>"
        f'<organizations default="o"><organization identifier="o"><title>{title}</title>{items}'
        f"</organization></organizations><resources>{resources}</resources></manifest>"
    )
