"""Pure conformance rules of the URLs a course's files name: plain http, the author's own disk, the external hosts a learner's browser contacts (the stock player's own embed support apart), and the references that miss their file."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from certifier.package.authoring_tools import in_stock_player
from certifier.package.references import JS_ABSOLUTE, LINK, SCRIPT_CANDIDATE
from certifier.policy.findings import Finding, Severity, Status
from certifier.policy.rules import Rule

from .common import PASSIVE_KINDS, FileIndex, Problem, outcome
from .references import CASE_MISMATCH, missing_reference_rules

# --- files and references ---------------------------------------------------------------------

INSECURE_URL = Rule(
    "conformance.insecure-url",
    "No scripts, styles or frames loaded over plain http",
    "Scripts, styles or frames loaded over plain http",
    Severity.MAJOR,
    remediation="Use https:// URLs (or copy the resource into the package).",
    it_risk="Security: browsers block http content on an https LMS (mixed content), so the page breaks.",
)
INSECURE_MEDIA_URL = Rule(
    "conformance.insecure-media-url",
    "No images or media over plain http",
    "Images or media loaded over plain http",
    Severity.MINOR,
    remediation="Use https:// URLs for these images and media (or copy them into the package).",
    it_risk="Security: on an https LMS, browsers upgrade these to https or leave them out, so an image or clip may "
    "be missing.",
)
LOCAL_FILE_URL = Rule(
    "conformance.local-file-url",
    "No references to the author's own disk",
    "References to the author's own disk",
    Severity.BLOCKER,
    remediation="Copy the file into the package and reference it with a relative path.",
    it_risk="Support: the resource exists only on the author's computer; every learner sees it broken.",
)
EXTERNAL_HOSTS = Rule(
    "conformance.external-hosts",
    "External hosts the course contacts",
    "The course contacts external hosts",
    Severity.INFO,
    remediation="Ask IT to allow these hosts through the proxy/firewall, or copy the resources into the package.",
    it_risk="Network: each host must be reachable through the proxy from every site.",
)


def reference_rules(evidence: Mapping[str, Any], files: FileIndex) -> list[Finding]:
    insecure: list[Problem] = []
    passive: list[Problem] = []
    local: list[Problem] = []
    reachable = set(evidence.get("reachable") or [])
    everything = not evidence.get("outputs", {}).get("launch_map")
    player = (evidence.get("authoring_tool") or {}).get("player") or []
    external, player_only = contacted_hosts(evidence["references"], reachable, everything, player)
    for ref in evidence["references"]:
        scheme = ref["scheme"]
        if not (everything or ref["source"] in reachable):
            continue  # a file no launch page loads: nothing a learner's browser asks for
        if scheme in ("file", "drive"):
            local.append(
                Problem(
                    f"'{ref['target']}' points to a file on the author's computer",
                    ref["source"],
                    ref["line"],
                    column=ref.get("column"),
                )
            )
        elif scheme == "http" and ref["kind"] not in (LINK, JS_ABSOLUTE, SCRIPT_CANDIDATE):
            # Browsers block active mixed content; images and media are upgraded to https or dropped.
            bucket = passive if ref["kind"] in PASSIVE_KINDS else insecure
            bucket.append(
                Problem(
                    f"{ref['kind']} '{ref['target']}' is loaded over plain http",
                    ref["source"],
                    ref["line"],
                    column=ref.get("column"),
                )
            )
    host_problems = [
        Problem(
            f"{host} ({len(refs)} reference{'s' if len(refs) > 1 else ''})",
            refs[0]["source"],
            refs[0]["line"],
            column=refs[0].get("column"),
        )
        for host, refs in sorted(external.items())
    ]
    findings = missing_reference_rules(evidence, files)
    case_finding = next(f for f in findings if f.rule_id == "conformance.case-mismatch")
    manifest_case = _manifest_case_problems(evidence, files)
    if manifest_case:
        merged = [(e.note or "", e) for e in case_finding.evidence] + [(p.message, p.evidence) for p in manifest_case]
        findings[findings.index(case_finding)] = CASE_MISMATCH.outcome(merged, case_finding.message, count_prefix=True)
    return [
        *findings,
        outcome(INSECURE_URL, insecure, "No page loads a script, stylesheet, frame or object over plain http."),
        outcome(INSECURE_MEDIA_URL, passive, "No page loads an image or media file over plain http."),
        outcome(LOCAL_FILE_URL, local, "No reference points to file:// or a drive letter."),
        outcome(
            EXTERNAL_HOSTS,
            host_problems,
            "The course contacts no external host." + _player_hosts_note(player_only, evidence),
            fail_status=Status.WARN,
            details={"hosts": sorted(external), "player_only_hosts": sorted(player_only)},
        ),
    ]


def contacted_hosts(
    references: list[Mapping[str, Any]], reachable: set[str], everything: bool, player: list[str]
) -> tuple[dict[str, list[Mapping[str, Any]]], set[str]]:
    """The hosts a learner's browser contacts (each with the references to it), named by files a
    launch page loads; and the hosts only the tool's stock player names (its support for what a
    course may embed, a YouTube clip: contacted only when the course's own files embed from it)."""
    course: dict[str, list[Mapping[str, Any]]] = {}
    player_only: set[str] = set()
    for ref in references:
        if ref["scheme"] not in ("http", "https", "protocol-relative") or not ref["host"]:
            continue
        if not (everything or ref["source"] in reachable):
            continue  # a file no launch page loads: nothing a learner's browser asks for
        if in_stock_player(ref["source"], player):
            player_only.add(ref["host"])
        else:
            course.setdefault(ref["host"], []).append(ref)
    return course, player_only - set(course)


def _player_hosts_note(hosts: set[str], evidence: Mapping[str, Any]) -> str:
    if not hosts:
        return ""
    tool = (evidence.get("authoring_tool") or {}).get("name") or "authoring tool"
    return (
        f" The {tool} player's own code names {', '.join(sorted(hosts))}: contacted only when a course embeds "
        "from them, and this course's files embed nothing from them."
    )


def _manifest_case_problems(evidence: Mapping[str, Any], files: FileIndex) -> list[Problem]:
    """Case-only mismatches between manifest <file>/launch hrefs and the real files."""
    if "scorm" not in evidence:
        return []
    problems: list[Problem] = []
    for res in evidence["scorm"]["resources"]:
        targets = [(f["path"], f["line"]) for f in res["files"]]
        if res.get("launch"):
            targets.append((res["launch"], res["line"]))
        for path, line in targets:
            if "://" not in path and not files.exists(path) and files.case_variant(path):
                problems.append(
                    Problem(
                        f"manifest names '{path}', the file is '{files.case_variant(path)}'", evidence["manifest"], line
                    )
                )
    return problems
