"""The ``plugins`` probe: what a course needs of a learner's desktop, with file:line evidence.

Every HTML, script, style and XML file is scanned as a stream of chunks (never whole), so a
package with a gigabyte of text is scanned in bounded memory. The probe's output is the course's
**requirements bill**: plugins, browser features, external hosts, minimum screen, media codecs.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Mapping
from typing import Any

from certifier.findings import Evidence, Finding, Severity, Status
from certifier.probe_api import Probe, ProbeContext
from certifier.profiles import LimitSpec

from .plugin_signals import (END_OF_LIFE, FILE_SIGNALS, HINTS, REPLACEMENTS, SCANNED_SUFFIXES, SIGNALS,
                             SIGNALS_BY_HINT, STAGE_HINTS, STAGE_SIZE, Signal)

MAX_CARRY_BYTES = 256 * 1024   # a line longer than this (minified scripts) is scanned in overlapping parts
OVERLAP_BYTES = 4096           # enough for any single signal to be seen whole in one part
EVIDENCE_PER_TECHNOLOGY = 25
POLICIES = ("allowed", "needs_approval", "blocked")


class PluginScanner:
    """Collects signal occurrences across chunks of one file, with their line numbers."""

    def __init__(self, found: dict[str, list[dict[str, Any]]], stages: list[dict[str, Any]]):
        self.found = found
        self.stages = stages

    def scan_file(self, path: str, chunks) -> int:
        line_base, carry, total = 1, b"", 0
        seen: set[tuple[str, int]] = set()
        for chunk in chunks:
            total += len(chunk)
            buffer = carry + chunk
            cut = buffer.rfind(b"\n") + 1
            if cut == 0 and len(buffer) > MAX_CARRY_BYTES:
                cut = len(buffer) - OVERLAP_BYTES
                body, carry = buffer[:cut], buffer[cut - OVERLAP_BYTES:]  # keep an overlap: nothing split unseen
            else:
                body, carry = buffer[:cut], buffer[cut:]
            self._scan(path, body, line_base, seen)
            line_base += body.count(b"\n")
        self._scan(path, carry, line_base, seen)
        return total

    def _scan(self, path: str, body: bytes, line_base: int, seen: set[tuple[str, int]]) -> None:
        if not body:
            return
        hints = {match.group(0).lower() for match in HINTS.finditer(body)}
        if not hints:
            return  # the common case: one fast pass and nothing to look at
        signals = {signal for hint in hints for signal in SIGNALS_BY_HINT.get(hint, ())}
        for signal in SIGNALS:
            if signal in signals:
                self._matches(path, body, line_base, signal, seen)
        if hints & set(STAGE_HINTS):
            for match in STAGE_SIZE.finditer(body):
                self.stages.append({"width": int(match.group(1)), "height": int(match.group(2)), "path": path,
                                    "line": line_base + body.count(b"\n", 0, match.start())})

    def _matches(self, path: str, body: bytes, line_base: int, signal: Signal, seen: set[tuple[str, int]]) -> None:
        hits = self.found.setdefault(signal.technology, [])
        for match in signal.pattern.finditer(body):
            line = line_base + body.count(b"\n", 0, match.start())
            if (signal.technology, line) in seen:
                continue
            seen.add((signal.technology, line))
            if len(hits) < EVIDENCE_PER_TECHNOLOGY:
                snippet = match.group(0)[:120].decode("utf-8", "replace")
                hits.append({"path": path, "line": line, "snippet": snippet})
            else:
                hits.append({"path": path, "line": line}) if len(hits) < EVIDENCE_PER_TECHNOLOGY * 40 else None


PREFETCH_CHUNKS = 8  # at most this many chunks (of 1 MB) wait in memory


def prefetched(package, paths: list[str]):
    """Yield (path, chunk iterator) while a reader thread inflates ahead.

    zlib releases the GIL while it inflates and the matching holds it, so the two overlap on two
    cores; the bounded queue keeps memory flat however large the package.
    """
    chunks: queue.Queue = queue.Queue(maxsize=PREFETCH_CHUNKS)
    stop = threading.Event()
    end_of_file = object()

    def read() -> None:
        try:
            for path in paths:
                for chunk in package.iter_chunks(path):
                    while not stop.is_set():
                        try:
                            chunks.put(chunk, timeout=0.1)
                            break
                        except queue.Full:
                            continue
                    if stop.is_set():
                        return
                chunks.put(end_of_file)
        except BaseException as exc:  # a damaged entry: the scanning side raises it
            chunks.put(exc)

    def one_file():
        while True:
            item = chunks.get()
            if item is end_of_file:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    reader = threading.Thread(target=read, name="plugins-reader", daemon=True)
    reader.start()
    try:
        for path in paths:
            yield path, one_file()
    finally:
        stop.set()
        reader.join(5)


class PluginsProbe(Probe):
    id = "plugins"
    title = "Plugin and browser requirements"
    description = "End-of-life plugins (Flash, Java, Silverlight, ActiveX…) and modern browser features the course needs."
    uses = ("conformance", "media")
    limits = {
        "technology_policy": LimitSpec("table", "For each technology: allowed, needs_approval or blocked.", None,
                                       POLICIES),
    }
    rules = {f"plugins.{s.technology}": s.what for s in SIGNALS} | {"plugins.requirements": "Requirements bill"}

    def gather(self, ctx: ProbeContext) -> dict[str, Any]:
        found: dict[str, list[dict[str, Any]]] = {}
        stages: list[dict[str, Any]] = []
        scanner = PluginScanner(found, stages)
        files = ctx.inventory.files
        scanned = [f for f in files if f.path.lower().endswith(SCANNED_SUFFIXES)]
        total_bytes = sum(f.size for f in scanned) or 1
        done = 0
        for f in files:
            ext = "." + f.path.rsplit(".", 1)[-1].lower() if "." in f.path.rsplit("/", 1)[-1] else ""
            technology = FILE_SIGNALS.get(ext) or ("flash" if f.media_type == "application/x-shockwave-flash" else None)
            if technology:
                found.setdefault(technology, []).append({"path": f.path, "line": None, "snippet": f"file {f.path}"})
        for path, chunks in prefetched(ctx.package, [f.path for f in scanned]):
            ctx.checkpoint()
            done += scanner.scan_file(path, chunks)
            ctx.progress(done / total_bytes, path)
        found = {tech: hits for tech, hits in found.items() if hits}
        stage = max(stages, key=lambda s: (s["width"], s["height"]), default=None)
        media_files = ctx.evidence.get("media", {}).get("files", [])
        codecs = sorted({s["codec"] for m in media_files if "error" not in m for s in m["streams"] if s.get("codec")})
        evidence = {
            "signals": found,
            "counts": {tech: len(hits) for tech, hits in found.items()},
            "stage": stage,
            "files_scanned": len(scanned),
            "bytes_scanned": done,
        }
        kinds = {s.technology: s.kind for s in SIGNALS}
        evidence["outputs"] = {"requirements": {
            "plugins": sorted(t for t in found if kinds.get(t) == END_OF_LIFE),
            "browser_features": sorted(t for t in found if kinds.get(t) != END_OF_LIFE),
            "external_hosts": ctx.evidence.get("conformance", {}).get("outputs", {}).get("external_hosts", []),
            "min_screen": {"width": stage["width"], "height": stage["height"]} if stage else None,
            "media_codecs": codecs,
        }}
        return evidence

    def evaluate(self, evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> list[Finding]:
        policy = limits["technology_policy"]
        findings = [technology_finding(signal, evidence["signals"].get(signal.technology, []),
                                       policy.get(signal.technology, "needs_approval"))
                    for signal in SIGNALS]
        findings.append(requirements_finding(evidence))
        return findings


def technology_finding(signal: Signal, hits: list[dict[str, Any]], policy: str) -> Finding:
    rule = f"plugins.{signal.technology}"
    eol = signal.kind == END_OF_LIFE
    title = f"{'No ' if eol else ''}{signal.what}" + ("" if eol else " (needs of the course)")
    if not hits:
        return Finding(rule, title, Severity.INFO if not eol else Severity.BLOCKER, Status.PASS,
                       f"No {signal.what} found.", measured=0, unit="occurrences")
    where = ", ".join(f"{h['path']}:{h['line']}" if h.get("line") else h["path"] for h in hits[:3])
    message = f"{signal.what} found {len(hits)} time{'s' if len(hits) != 1 else ''} ({where}{', …' if len(hits) > 3 else ''})."
    severity, status = {"blocked": (Severity.BLOCKER, Status.FAIL), "needs_approval": (Severity.MINOR, Status.WARN),
                        "allowed": (Severity.INFO, Status.PASS)}[policy]
    remediation = REPLACEMENTS.get(signal.technology) or (
        "Ask IT to approve this browser feature for the rollout, or remove it from the course."
        if policy != "allowed" else "")
    risk = (f"Desktop support: {signal.what} does not run in current browsers; every learner would need an "
            "unsupported plug-in, and the helpdesk would get the calls." if eol else
            f"Desktop support: the learner's browser and IT policy must allow {signal.what}.")
    return Finding(rule, title, severity, status, message + f" Policy: {policy.replace('_', ' ')}.",
                   measured=len(hits), unit="occurrences",
                   evidence=tuple(Evidence(path=h["path"], line=h.get("line")) for h in hits[:50]),
                   remediation=remediation, it_risk=risk, details={"policy": policy})


def requirements_finding(evidence: Mapping[str, Any]) -> Finding:
    bill = evidence["outputs"]["requirements"]
    parts = [f"plugins: {', '.join(bill['plugins']) or 'none'}",
             f"browser features: {', '.join(bill['browser_features']) or 'none'}",
             f"external hosts: {', '.join(bill['external_hosts']) or 'none'}",
             f"media codecs: {', '.join(bill['media_codecs']) or 'none'}"]
    if bill["min_screen"]:
        parts.append(f"screen at least {bill['min_screen']['width']}×{bill['min_screen']['height']}")
    stage = evidence.get("stage")
    return Finding("plugins.requirements", "What the course needs of a learner's desktop", Severity.INFO, Status.PASS,
                   "; ".join(parts) + ".",
                   evidence=(Evidence(path=stage["path"], line=stage["line"]),) if stage else (),
                   it_risk="Desktop support: the image learners use must provide all of this.",
                   details=dict(bill))
