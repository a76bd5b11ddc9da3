"""JUnit XML: one testcase per rule per probe, so CI and LMS deployment pipelines can gate on it."""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from certifier.policy.findings import EVIDENCE_SHOWN, evidence_label, printable


def render_junit(report: dict[str, Any]) -> bytes:
    by_probe: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for finding in report["findings"]:
        by_probe[finding["rule_id"].split(".")[0]].append(finding)
    durations = {p["id"]: p["duration_s"] for p in report["probes"]}
    title = report["package"].get("title") or report["package"].get("name") or "course"
    suites = Element("testsuites", name=f"Course certification: {title}", verdict=report["verdict"])
    totals: defaultdict[str, int] = defaultdict(int)
    for probe, findings in sorted(by_probe.items()):
        counts = {
            "tests": len(findings),
            "failures": sum(f["status"] == "fail" for f in findings),
            "errors": sum(f["status"] == "error" for f in findings),
            "skipped": sum(f["status"] == "skipped" for f in findings),
        }
        suite = SubElement(
            suites,
            "testsuite",
            {"name": probe, "time": f"{durations.get(probe, 0):.3f}", **{k: str(v) for k, v in counts.items()}},
        )
        for key, value in counts.items():
            totals[key] += value
        for f in findings:
            case = SubElement(suite, "testcase", classname=probe, name=f["rule_id"], time="0")
            text = _details(f)
            if f["status"] == "fail":
                SubElement(case, "failure", message=f["message"][:500], type=f["severity"]).text = text
            elif f["status"] == "error":
                SubElement(case, "error", message=f["message"][:500], type=f["severity"]).text = text
            elif f["status"] == "skipped":
                SubElement(case, "skipped", message=f["message"][:500])
            elif f["status"] == "warn":
                SubElement(case, "system-out").text = f"WARNING ({f['severity']}): {text}"
    for key, value in totals.items():
        suites.set(key, str(value))
    for element in suites.iter():  # file names may hold control characters, which XML 1.0 forbids
        element.text = printable(element.text) if element.text else element.text
        for name, value in element.attrib.items():
            element.set(name, printable(value))
    body: bytes = tostring(suites, encoding="utf-8")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def _details(f: dict[str, Any]) -> str:
    lines = [f["message"]]
    if f.get("limit") is not None:
        lines.append(f"measured {f.get('measured')} vs limit {f['limit']} {f.get('unit') or ''}".rstrip())
    for e in f["evidence"][:EVIDENCE_SHOWN]:
        lines.append("at " + evidence_label(e) + (f" — {e['note']}" if e.get("note") else ""))
    if len(f["evidence"]) > EVIDENCE_SHOWN:
        lines.append(f"… and {len(f['evidence']) - EVIDENCE_SHOWN} more (all are in the JSON report)")
    if f.get("remediation"):
        lines.append("fix: " + f["remediation"])
    if f.get("it_risk"):
        lines.append("IT risk: " + f["it_risk"])
    return "\n".join(lines)
