"""The ``plugins`` probe: what a course needs of a learner's desktop, with file:line evidence.

Two kinds of evidence, judged differently:

* **embeds** — where a page a learner reaches really runs a plug-in (:mod:`plugin_embeds`). Only
  these make a plug-in *required*, and only required plug-ins are judged by the policy.
* **mentions** — every file scanned as a stream of chunks (bounded memory on a gigabyte of text)
  for the words of old technologies. Player libraries are full of them (``ActiveXObject``
  fallbacks, Flash detection, ``msie`` sniffing, ``<!--[if IE]>``); they go in the requirements
  bill as "fallback / detection only" (info), with evidence. Matches inside base64 are ignored.

The probe's output is the course's **requirements bill**: plug-ins, browser features, runtime,
external hosts, minimum screen, media codecs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from certifier.package.reference_targets import decode_text
from certifier.policy import evidence_kinds as kinds
from certifier.policy.findings import Evidence, Finding, Severity, Status
from certifier.policy.presentation import SummaryRow
from certifier.policy.probe_api import Probe, ProbeContext
from certifier.policy.profiles import LimitSpec
from certifier.policy.rules import Rule, declared_in

from .embeds import embeds_in_page, launched_plugin_files
from .scanning import PluginScanner, prefetched
from .signals import END_OF_LIFE, FILE_SIGNALS, REPLACEMENTS, SCANNED_SUFFIXES, SIGNALS, Signal

POLICIES = ("allowed", "needs_approval", "blocked")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


# One declaration per technology, generated from the signal table (plugin_signals.SIGNALS).
PLUGIN_RULES = {
    s.technology: Rule(
        f"plugins.{s.technology}",
        f"No {s.what.removeprefix('the ')}",
        f"{_capital(s.what)} required",
        Severity.BLOCKER,
        remediation=REPLACEMENTS.get(s.technology, ""),
        it_risk=f"Desktop support: {s.what} does not run in current browsers; every learner would need an unsupported "
        "plug-in, and the helpdesk would get the calls.",
    )
    for s in SIGNALS
    if s.kind == END_OF_LIFE
}
FEATURE_RULES = {
    s.technology: Rule(
        f"plugins.{s.technology}",
        f"{_capital(s.what)} (needs of the course)",
        f"The course needs {s.what}",
        Severity.MINOR,
        remediation="Ask IT to approve this browser feature for the rollout, or remove it from the course.",
        it_risk=f"Desktop support: the learner's browser and IT policy must allow {s.what}.",
    )
    for s in SIGNALS
    if s.kind != END_OF_LIFE
}
FALLBACK_ONLY = Rule(
    "plugins.fallback-only",
    "Plug-in code that never runs",
    "Plug-in code that never runs (fallback / detection only)",
    Severity.INFO,
    it_risk="None for desktops: listed so a reviewer who searches the files for 'Flash' or 'ActiveX' sees why they "
    "do not count.",
)
REQUIREMENTS = Rule(
    "plugins.requirements",
    "What the course needs of a learner's desktop",
    "What the course needs of a learner's desktop",
    Severity.INFO,
    it_risk="Desktop support: the image learners use must provide all of this.",
)


class PluginsProbe(Probe):
    id = "plugins"
    title = "Plugin and browser requirements"
    description = (
        "End-of-life plugins (Flash, Java, Silverlight, ActiveX…) and modern browser features the course needs."
    )
    uses = (kinds.LAUNCH_MAP, kinds.REACHABLE_FILES, kinds.EXTERNAL_HOSTS, kinds.AUTHORING_TOOL, kinds.MEDIA_FILES)
    publishes = (kinds.REQUIREMENTS_BILL,)
    limits = {
        "technology_policy": LimitSpec(
            "table", "For each technology: allowed, needs_approval or blocked.", None, POLICIES
        )
    }
    rules = declared_in(PLUGIN_RULES.values(), FEATURE_RULES.values(), [FALLBACK_ONLY, REQUIREMENTS])
    grading = (
        "A plug-in is required only where a page a launch file reaches runs it with no HTML5 path: an "
        "<object> or <embed> of a plug-in type or file that exists, an ActiveX classid, a Java applet, a .swf "
        "launched or framed, a script embedding an existing .swf in a course with no HTML5 runtime, a page "
        "whose only scripts are VBScript. Only required plug-ins are judged by the profile's technology "
        "policy. Player libraries' fallbacks (ActiveXObject for XMLHttpRequest), detection code, "
        "<!--[if IE]> comments, browser sniffing, metadata formats, .swf names that do not exist and matches "
        "inside base64 are listed as 'fallback / detection only' (info). Browser features (pop-ups, WebGL…) "
        "count in files a launch page reaches."
    )

    def gather(self, ctx: ProbeContext) -> dict[str, Any]:
        found: dict[str, list[dict[str, Any]]] = {}
        stages: list[dict[str, Any]] = []
        scanner = PluginScanner(found, stages)
        files = ctx.course_inventory.files
        sizes = {f.path: f.size for f in files}
        launch_map = ctx.shared(kinds.LAUNCH_MAP) or []
        reachable = set(ctx.shared(kinds.REACHABLE_FILES) or []) if launch_map else None
        tool = ctx.shared(kinds.AUTHORING_TOOL) or {}
        html5_runtime = "html5" in (tool.get("runtime") or [])
        scanned = [f for f in files if f.path.lower().endswith(SCANNED_SUFFIXES)]
        total_bytes = sum(f.size for f in scanned) or 1
        done = 0
        for f in files:
            ext = "." + f.path.rsplit(".", 1)[-1].lower() if "." in f.path.rsplit("/", 1)[-1] else ""
            technology = FILE_SIGNALS.get(ext) or ("flash" if f.media_type == "application/x-shockwave-flash" else None)
            if technology:
                found.setdefault(technology, []).append({"path": f.path, "line": None, "snippet": f"file {f.path}"})
        # In the package's order: texts the read pass kept straight from memory, the others inflated ahead.
        with contextlib.closing(
            prefetched(ctx.course_package, [f.path for f in scanned if not ctx.course_package.is_kept(f.path)])
        ) as inflated:
            for f in scanned:
                ctx.checkpoint()
                path, chunks = (
                    (f.path, ctx.course_package.iter_chunks(f.path))
                    if ctx.course_package.is_kept(f.path)
                    else next(inflated)
                )
                done += scanner.scan_file(path, chunks)
                ctx.progress(0.9 * done / total_bytes, path)
        ctx.progress(0.92, "pages that embed plug-ins")
        pages = sorted(p for p in (reachable if reachable is not None else sizes) if p.lower().endswith(HTML_PAGES))
        embeds = [
            e
            for page in pages
            if sizes.get(page, 0) <= MAX_PAGE_BYTES
            for e in embeds_in_page(page, decode_text(ctx.course_package.read_bytes(page)), sizes, html5_runtime)
        ]
        launches = [u["launch"] for u in launch_map]
        embeds += launched_plugin_files(launches, sizes)
        signal_kinds = {s.technology: s.kind for s in SIGNALS}
        # Modern features count where a learner's browser runs them: files a launch page reaches.
        found = {
            tech: [
                h for h in hits if signal_kinds.get(tech) == END_OF_LIFE or reachable is None or h["path"] in reachable
            ]
            for tech, hits in found.items()
        }
        found = {tech: hits for tech, hits in found.items() if hits}
        stage = max(stages, key=lambda s: (s["width"], s["height"]), default=None)
        media_files = ctx.shared(kinds.MEDIA_FILES) or []
        codecs = sorted({s["codec"] for m in media_files if "error" not in m for s in m["streams"] if s.get("codec")})
        required = sorted({e["technology"] for e in embeds if e["required"]})
        evidence = {
            "signals": found,
            "embeds": embeds,
            "counts": {tech: len(hits) for tech, hits in found.items()},
            "stage": stage,
            "files_scanned": len(scanned),
            "bytes_scanned": done,
            "pages_checked": len(pages),
            "runtime": {
                "tool": tool.get("label"),
                "runtime": tool.get("runtime") or [],
                "evidence": tool.get("runtime_evidence"),
            },
        }
        evidence["outputs"] = {
            "requirements": {
                "plugins": required,
                "fallback_only": sorted({t for t in found if signal_kinds.get(t) == END_OF_LIFE} - set(required)),
                "runtime": tool.get("runtime") or [],
                "browser_features": sorted(t for t in found if signal_kinds.get(t) != END_OF_LIFE),
                "external_hosts": ctx.shared(kinds.EXTERNAL_HOSTS) or [],
                "min_screen": {"width": stage["width"], "height": stage["height"]} if stage else None,
                "media_codecs": codecs,
            }
        }
        return evidence

    def evaluate(self, evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> list[Finding]:
        policy = limits["technology_policy"]
        embeds = evidence.get("embeds", [])
        findings = []
        for signal in SIGNALS:
            mentions = evidence["signals"].get(signal.technology, [])
            if signal.kind == END_OF_LIFE:
                required = [e for e in embeds if e["technology"] == signal.technology and e["required"]]
                findings.append(
                    plugin_finding(signal, required, mentions, policy.get(signal.technology, "needs_approval"))
                )
            else:
                findings.append(technology_finding(signal, mentions, policy.get(signal.technology, "needs_approval")))
        findings.append(fallback_finding(evidence))
        findings.append(requirements_finding(evidence))
        return findings

    @classmethod
    def summary_rows(cls, report: Mapping[str, Any]) -> list[SummaryRow]:
        bill = cls.outputs_in(report).get("requirements")
        if not bill:
            return []
        needs = [*bill.get("plugins", []), *bill.get("browser_features", [])]
        text = ", ".join(needs) if needs else "a current browser; no plugin"
        if bill.get("fallback_only"):
            text += (
                f" (no plug-in to install: {', '.join(bill['fallback_only'])} appear only as fallback or "
                "detection code)"
            )
        return [SummaryRow("Desktops", text, 70)]


HTML_PAGES = (".html", ".htm", ".xhtml")
MAX_PAGE_BYTES = 16 * 1024 * 1024  # a page larger than this is not read whole for embeds
POLICY_OUTCOME = {
    "blocked": (Severity.BLOCKER, Status.FAIL),
    "needs_approval": (Severity.MINOR, Status.WARN),
    "allowed": (Severity.INFO, Status.PASS),
}


def plugin_finding(
    signal: Signal, required: list[dict[str, Any]], mentions: list[dict[str, Any]], policy: str
) -> Finding:
    """An end-of-life plug-in: judged by the policy only where a reachable page runs it."""
    rule = PLUGIN_RULES[signal.technology]
    if not required:
        extra = (
            f" {len(mentions)} mention{'s' if len(mentions) != 1 else ''} in the files are fallback or detection "
            "code only (listed under plugins.fallback-only)."
            if mentions
            else ""
        )
        return rule.finding(
            Status.PASS, f"No page the course launches runs {signal.what}.{extra}", measured=0, unit="pages"
        )
    severity, status = POLICY_OUTCOME[policy]
    where = ", ".join(f"{e['path']}:{e['line']}" if e.get("line") else e["path"] for e in required[:3])
    message = (
        f"{signal.what} is required: {len(required)} place{'s' if len(required) != 1 else ''} where a page the "
        f"course launches runs it ({where}{', …' if len(required) > 3 else ''}). Policy: {policy.replace('_', ' ')}."
    )
    return rule.finding(
        status,
        message,
        severity=severity,
        measured=len(required),
        unit="places",
        evidence=tuple(
            Evidence(
                path=e["path"],
                line=e.get("line"),
                column=e.get("column"),
                note=e["reason"] + (f" ('{e['target']}')" if e.get("target") else ""),
            )
            for e in required
        ),
        details={"policy": policy},
    )


def technology_finding(signal: Signal, hits: list[dict[str, Any]], policy: str) -> Finding:
    """A modern browser feature the course's reachable files use: IT's policy decides."""
    rule = FEATURE_RULES[signal.technology]
    if not hits:
        return rule.finding(
            Status.PASS,
            f"No {signal.what.removeprefix('the ')} found.",
            severity=Severity.INFO,
            measured=0,
            unit="occurrences",
        )
    where = ", ".join(f"{h['path']}:{h['line']}" if h.get("line") else h["path"] for h in hits[:3])
    message = f"{signal.what} found {len(hits)} time{'s' if len(hits) != 1 else ''} ({where}{', …' if len(hits) > 3 else ''})."
    severity, status = POLICY_OUTCOME[policy]
    return rule.finding(
        status,
        message + f" Policy: {policy.replace('_', ' ')}.",
        severity=severity,
        measured=len(hits),
        unit="occurrences",
        evidence=tuple(Evidence(path=h["path"], line=h.get("line"), note=h.get("snippet")) for h in hits),
        details={"policy": policy},
    )


def fallback_finding(evidence: Mapping[str, Any]) -> Finding:
    """Plug-in words and embeds that never run: information for the requirements bill."""
    signals_by_tech = {s.technology: s for s in SIGNALS}
    items: list[Evidence] = []
    counts: dict[str, int] = {}
    for tech, hits in sorted(evidence["signals"].items()):
        if signals_by_tech.get(tech) is None or signals_by_tech[tech].kind != END_OF_LIFE:
            continue
        counts[tech] = counts.get(tech, 0) + len(hits)
        items += [
            Evidence(
                path=h["path"],
                line=h.get("line"),
                note=f"{signals_by_tech[tech].what}: fallback / detection only"
                + (f" — `{h['snippet']}`" if h.get("snippet") else ""),
            )
            for h in hits
        ]
    for embed in evidence.get("embeds", []):
        if not embed["required"]:
            counts[embed["technology"]] = counts.get(embed["technology"], 0) + 1
            items.append(
                Evidence(
                    path=embed["path"],
                    line=embed.get("line"),
                    column=embed.get("column"),
                    note=f"{embed['technology']}: not required — {embed['reason']}",
                )
            )
    if not items:
        return FALLBACK_ONLY.finding(Status.PASS, "No file mentions an end-of-life plug-in.")
    summary = ", ".join(f"{tech} ×{n}" for tech, n in sorted(counts.items()))
    required = sorted({e["technology"] for e in evidence.get("embeds", []) if e["required"]})
    return FALLBACK_ONLY.finding(
        Status.WARN,
        f"Fallback or detection code only, never run by a page the course launches: {summary}. "
        + (
            f"These need nothing, but the course does need {', '.join(required)} elsewhere (see its finding)."
            if required
            else "Current browsers take the HTML5 path; nothing to install."
        ),
        measured=len(items),
        unit="occurrences",
        evidence=tuple(items),
        details={"counts": counts},
    )


def requirements_finding(evidence: Mapping[str, Any]) -> Finding:
    bill = evidence["outputs"]["requirements"]
    runtime = evidence.get("runtime") or {}
    parts = [f"plugins: {', '.join(bill['plugins']) or 'none'}"]
    if bill.get("fallback_only"):
        parts.append(f"fallback / detection only (not required): {', '.join(bill['fallback_only'])}")
    if runtime.get("runtime"):
        parts.append(
            f"runtime: {', '.join(runtime['runtime'])}"
            + (
                f" ({runtime['tool']}" + (f", {runtime['evidence']})" if runtime.get("evidence") else ")")
                if runtime.get("tool")
                else ""
            )
        )
    parts += [
        f"browser features: {', '.join(bill['browser_features']) or 'none'}",
        f"external hosts: {', '.join(bill['external_hosts']) or 'none'}",
        f"media codecs: {', '.join(bill['media_codecs']) or 'none'}",
    ]
    if bill["min_screen"]:
        parts.append(f"screen at least {bill['min_screen']['width']}×{bill['min_screen']['height']}")
    stage = evidence.get("stage")
    return REQUIREMENTS.finding(
        Status.PASS,
        "; ".join(parts) + ".",
        evidence=(Evidence(path=stage["path"], line=stage["line"]),) if stage else (),
        details=dict(bill),
    )
