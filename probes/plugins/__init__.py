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
from certifier.policy.findings import Finding
from certifier.policy.presentation import SummaryRow
from certifier.policy.probe_api import Probe, ProbeContext
from certifier.policy.profiles import LimitSpec
from certifier.policy.rules import declared_in

from .embeds import embeds_in_page, launched_plugin_files
from .rules import (
    FALLBACK_ONLY,
    FEATURE_RULES,
    PLUGIN_RULES,
    POLICIES,
    REQUIREMENTS,
    course_own,
    fallback_finding,
    plugin_finding,
    requirements_finding,
    technology_finding,
)
from .scanning import PluginScanner, prefetched
from .signals import END_OF_LIFE, FILE_SIGNALS, SCANNED_SUFFIXES, SIGNALS


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
        player = list(tool.get("player") or [])
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
            "player": player,
            "player_label": tool.get("label") or "",
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
                "browser_features": sorted(
                    t for t, hits in found.items() if signal_kinds.get(t) != END_OF_LIFE and course_own(hits, player)
                ),
                "player_features": sorted(
                    t
                    for t, hits in found.items()
                    if signal_kinds.get(t) != END_OF_LIFE and not course_own(hits, player)
                ),
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
                findings.append(
                    technology_finding(
                        signal,
                        mentions,
                        policy.get(signal.technology, "needs_approval"),
                        evidence.get("player") or [],
                        evidence.get("player_label") or "",
                    )
                )
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
        if bill.get("player_features"):
            text += f"; the tool's stock player can also use {', '.join(bill['player_features'])} when the course asks"
        return [SummaryRow("Desktops", text, 70)]


HTML_PAGES = (".html", ".htm", ".xhtml")
MAX_PAGE_BYTES = 16 * 1024 * 1024  # a page larger than this is not read whole for embeds
