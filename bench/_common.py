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
    result = subprocess.run([sys.executable, "-c", prologue + code, *args], capture_output=True, text=True,
                            check=True, cwd=REPO_ROOT)
    return json.loads(result.stdout.strip().splitlines()[-1])
