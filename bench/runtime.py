"""The runtime pass (real Qt WebEngine) on a 200-SCO SCORM 1.2 course: lessons one at a time
against the profile's pool of lessons run at once, measured in the same run.

Run from the repository root: .venv/bin/python bench/runtime.py [--scos 200] [--parallel 2]
Each SCO initialises 100 ms after it loads, sets its status, commits, and finishes on pagehide.
"""

from __future__ import annotations

import argparse
import time

from _common import OUT

from certifier.policy.registry import discover_probes, load_profile
from certifier.run.runner import Runner

SCO = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Lesson {n}</title></head><body><h1>Lesson {n}</h1>
<p>{text}</p><script>
function findApi(w) {{ for (var i = 0; w && i < 10; i++) {{ if (w.API) {{ return w.API; }} if (w.parent === w) {{ break; }} w = w.parent; }} return null; }}
setTimeout(function () {{ var api = findApi(window); api.LMSInitialize(""); api.LMSSetValue("cmi.core.lesson_status", "completed");
  api.LMSCommit(""); window.addEventListener("pagehide", function () {{ api.LMSFinish(""); }}); }}, 100);
</script></body></html>"""


def build(folder, scos: int):
    folder.mkdir(parents=True, exist_ok=True)
    items = "".join(
        f'<item identifier="i{n}" identifierref="r{n}"><title>Lesson {n}</title></item>' for n in range(scos)
    )
    resources = "".join(
        f'<resource identifier="r{n}" type="webcontent" adlcp:scormtype="sco" href="l{n:03}/index.html">'
        f'<file href="l{n:03}/index.html"/></resource>'
        for n in range(scos)
    )
    (folder / "imsmanifest.xml").write_text(
        '<?xml version="1.0"?><manifest identifier="m" version="1" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" '
        'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"><metadata><schema>ADL SCORM</schema>'
        f'<schemaversion>1.2</schemaversion></metadata><organizations default="o"><organization identifier="o">'
        f"<title>Bench</title>{items}</organization></organizations><resources>{resources}</resources></manifest>"
    )
    for n in range(scos):
        (folder / f"l{n:03}").mkdir(exist_ok=True)
        (folder / f"l{n:03}" / "index.html").write_text(SCO.format(n=n, text="Reading. " * 200))


def run(course, scos: int, parallel: int) -> tuple[float, dict]:
    profile_path = OUT / f"runtime-{parallel}.toml"
    profile_path.write_text(
        f'extends = "default"\n[certification]\nprobe_timeout_s = 3600\n'
        f"[pageload]\nmax_pages = {scos}\nbrowser_parallel_lessons = {parallel}\n"
        f"browser_timeout_s = 3600\nruntime_settle_s = 0.5\n"
    )
    profile = load_profile(str(profile_path))
    probes = discover_probes()[0]
    start = time.perf_counter()
    record = Runner(probes).run(course, profile, ["conformance", "pageload"], None)
    seconds = time.perf_counter() - start
    run = next(r for r in record.probe_runs if r.probe_id == "pageload")
    if run.evidence is None:
        raise SystemExit(f"the pageload probe did not finish: {run.status} {run.reason}")
    return seconds, run.evidence


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scos", type=int, default=200)
    parser.add_argument("--parallel", type=int, default=2)
    args = parser.parse_args()
    course = OUT / f"runtime-{args.scos}-scos"
    build(course, args.scos)
    results = {}
    for parallel in (1, args.parallel):
        seconds, evidence = run(course, args.scos, parallel)
        pages = evidence["browser"].get("pages", [])
        started = [p for p in pages if p.get("initialized")]
        init = sorted(p["init_ms"] for p in started)
        results[parallel] = seconds
        print(
            f"{parallel} lesson(s) at once: {seconds:.1f} s for {len(pages)} lessons "
            f"({seconds / max(len(pages), 1) * 1000:.0f} ms per lesson), {len(started)} initialised, "
            f"median time to Initialize {init[len(init) // 2] if init else 0:.0f} ms, "
            f"slowest {init[-1] if init else 0:.0f} ms"
        )
    print(f"pool of {args.parallel} vs one at a time: {results[args.parallel] / results[1]:.2f}× the time")


if __name__ == "__main__":
    main()
