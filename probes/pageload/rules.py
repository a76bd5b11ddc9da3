"""Pure page-load rules: measured requests and the network model against the profile's budgets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from certifier.policy.findings import Finding, Severity, Status, quantity
from certifier.policy.rules import Rule
from certifier.staging.network import network_profiles

from .measures import (
    DOCUMENT_STATUS_OK,
    course_total,
    course_weight,
    estimate_load_s,
    loaded_pages,
    missing_from_package,
    package_pages,
    page_evidence,
    player_resources,
    rule_finding,
    static_weight,
)
from .runtime import runtime_rules
from .serving_rules import cache_headers, compression, deployed_bytes, media_serving

REACHABLE = Rule(
    "pageload.reachable",
    "Launch pages load from the staging server",
    "Launch pages do not load from the staging server",
    Severity.BLOCKER,
    remediation="Check the staging URL, that the course is deployed there, and that this machine can reach it "
    "(proxy, firewall, certificate).",
    it_risk="Support: learners cannot open the course.",
)


def reachable(evidence: Mapping[str, Any]) -> Finding:
    problems = []
    for page in package_pages(evidence):
        doc = page["requests"][0]
        if "error" in doc:
            problems.append((f"{page['url']}: {doc['error']['kind']} — {doc['error']['message']}", page_evidence(page)))
        elif doc["status"] not in DOCUMENT_STATUS_OK:
            problems.append((f"{page['url']} answered HTTP {doc['status']}", page_evidence(page)))
    where = "the embedded staging server" if evidence["embedded"] else evidence["target"]
    return rule_finding(REACHABLE, problems, f"All {len(evidence['pages'])} launch pages load from {where}.")


HTTP_ERRORS = Rule(
    "pageload.http-errors",
    "Every resource a page loads answers",
    "Resources a page loads answer with errors",
    Severity.MAJOR,
    remediation="Deploy the missing files or fix the server's access rules for them.",
    it_risk="Support: broken pages; server load: errors are retried by browsers.",
    consequence_of=("conformance.course-data-missing", "conformance.missing-reference"),
)


def http_errors(evidence: Mapping[str, Any]) -> Finding:
    problems = []
    for page in loaded_pages(evidence):
        for r in page["requests"][1:]:
            if "error" in r and r["error"]["kind"] not in ("too-large", "too-slow"):
                problems.append((f"{r['url']}: {r['error']['kind']}", page_evidence(page, r)))
            elif r.get("status", 200) >= 400 and not missing_from_package(r):
                problems.append((f"{r['url']} answered HTTP {r['status']}", page_evidence(page, r)))
    return rule_finding(HTTP_ERRORS, problems, "No resource answered 4xx/5xx or failed.")


RESPONSE_LIMITS = Rule(
    "pageload.response-limits",
    "Responses arrive whole and in time",
    "Responses incomplete or too slow",
    Severity.MAJOR,
    remediation="Check the server: a response that trickles or never ends ties up learners' browsers and the "
    "server's connections.",
    it_risk="Server load: slow or endless responses hold connections open for every learner.",
)


def response_limits(evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> Finding:
    problems = [
        (f"{r['url']}: {r['error']['message']}", page_evidence(page, r))
        for page in evidence["pages"]
        for r in page["requests"]
        if "error" in r and r["error"]["kind"] in ("too-large", "too-slow")
    ]
    return rule_finding(
        RESPONSE_LIMITS,
        problems,
        "Every response arrived within the byte and time limits.",
        limit=limits["max_response_s"],
        unit="s",
    )


TTFB = Rule(
    "pageload.ttfb",
    "Time to first byte",
    "Time to first byte over budget",
    Severity.MAJOR,
    remediation="Look at the staging server's load and configuration: static files should be served in a few tens of "
    "milliseconds.",
    it_risk="Server load: slow first bytes grow with learners online at once.",
)


def ttfb(evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> Finding:
    limit = limits["max_ttfb_ms"]
    docs = [(page, page["requests"][0]) for page in loaded_pages(evidence)]
    if not docs:
        return rule_finding(
            TTFB, [], "", remediation="", it_risk="", limit=limit, unit="ms", skipped="no launch page loaded"
        )
    worst = max(d["ttfb_ms"] for _, d in docs)
    problems = [
        (f"{d['url']} took {quantity(d['ttfb_ms'], 'ms')} to answer", page_evidence(p))
        for p, d in docs
        if d["ttfb_ms"] > limit
    ]
    note = " (loopback: the embedded server shows the course's cost, not a network's)" if evidence["embedded"] else ""
    return rule_finding(
        TTFB,
        problems,
        f"Launch pages answer within {quantity(worst, 'ms')}{note}.",
        measured=worst,
        limit=limit,
        unit="ms",
    )


LOAD_TIME = Rule(
    "pageload.load-time",
    "Load time on the target network",
    "Load time on the target network over budget",
    Severity.MAJOR,
    remediation="Reduce what the page loads before it can be used: compress images, defer scripts, combine small "
    "files.",
    it_risk="Bandwidth: learners on this link wait, retry, and call the helpdesk.",
)


def load_time(evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> Finding:
    networks = network_profiles({"network": limits["network"]})
    target = networks[limits["network"]["target_network"]]
    limit = limits["max_load_time_s"]
    pages = loaded_pages(evidence)
    if not pages:
        return rule_finding(LOAD_TIME, [], "", limit=limit, unit="s", skipped="no launch page loaded")
    player = evidence.get("player") or []
    estimates = []
    for page in pages:
        doc_bytes, resources = course_weight(page, player)
        estimates.append(
            (
                page,
                estimate_load_s(doc_bytes, resources, target, page["tls"], limits["parallel_connections"]),
                doc_bytes + sum(resources),
            )
        )
    worst = max(e for _, e, _ in estimates)
    stock = max((sum(player_resources(p, player)) for p in pages), default=0)
    first_launch = (
        f" The {tool_name(evidence)} player adds {stock * 8 / (target.down_kbps * 1000):.1f} s at a learner's first "
        f"launch ({quantity(stock / 1024, 'KB')}, the same files in every course it publishes; cached afterwards)."
        if stock
        else ""
    )
    problems = [
        (
            (
                f"{p['launch']} needs {e:.1f} s for {quantity(b / 1024, 'KB')} on {target.name} "
                f"({quantity(target.down_kbps, 'kbps')}, {target.rtt_ms:g} ms)"
            ),
            page_evidence(p),
        )
        for p, e, b in estimates
        if e > limit
    ]
    return rule_finding(
        LOAD_TIME,
        [(message + first_launch, where) for message, where in problems[:1]] + problems[1:],
        f"Every launch page loads within {worst:.1f} s on {target.name}." + first_launch,
        measured=round(worst, 2),
        limit=limit,
        unit="s",
        details={"network": target.name},
    )


PAGE_WEIGHT = Rule(
    "pageload.page-weight",
    "Page weight",
    "Page weight over budget",
    Severity.MAJOR,
    remediation="Compress images (WebP/AVIF or optimised JPEG/PNG), minify scripts and styles.",
    it_risk="Bandwidth: every learner downloads this at every launch.",
)


def weight(evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> Finding:
    limit = limits["max_page_weight_kb"]
    pages = loaded_pages(evidence)
    if not pages:
        return rule_finding(
            PAGE_WEIGHT, [], "", remediation="", it_risk="", limit=limit, unit="KB", skipped="no launch page loaded"
        )
    player = evidence.get("player") or []
    weights = [(p, course_total(p, player) / 1024) for p in pages]
    worst = max(w for _, w in weights)
    stock_kb = max((sum(player_resources(p, player)) for p in pages), default=0) / 1024
    stock = (
        f" The {tool_name(evidence)} player's {quantity(stock_kb, 'KB')} is not counted: the same files in every "
        "course it publishes, which a proxy or browser cache serves once per learner."
        if stock_kb
        else ""
    )
    problems = [
        (f"{p['launch']} weighs {quantity(w, 'KB')}" + stock, page_evidence(p)) for p, w in weights if w > limit
    ]
    measured_by = (
        "what the browser loaded by the load event"
        if any(p.get("browser_load") for p in pages)
        else "the files its markup and stylesheets name"
    )
    reach = max(static_weight(p) for p in pages) / 1024
    return rule_finding(
        PAGE_WEIGHT,
        problems,
        f"The heaviest launch page weighs {quantity(worst, 'KB')}: {measured_by}, media streamed on "
        f"demand excluded (its markup and stylesheets can reach {quantity(reach, 'KB')} in all)." + stock,
        measured=round(worst, 1),
        limit=limit,
        unit="KB",
        details={
            "measured_by": measured_by,
            "static_kb": {p["launch"]: round(static_weight(p) / 1024, 1) for p in pages},
            "player_kb": round(stock_kb, 1),
        },
    )


def tool_name(evidence: Mapping[str, Any]) -> str:
    return str((evidence.get("authoring_tool") or {}).get("name") or "authoring tool's")


PROBE_SKIPPED = Rule(
    "pageload.probe-skipped",
    "Page load not measured",
    "Page load not measured",
    Severity.INFO,
    it_risk="Page load was not verified for this course.",
)


def all_rules(evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> list[Finding]:
    if evidence.get("skipped"):
        return [PROBE_SKIPPED.finding(Status.SKIPPED, evidence["skipped"])]
    return [
        reachable(evidence),
        deployed_bytes(evidence),
        http_errors(evidence),
        response_limits(evidence, limits),
        ttfb(evidence, limits),
        load_time(evidence, limits),
        weight(evidence, limits),
        compression(evidence, limits),
        cache_headers(evidence, limits),
        *media_serving(evidence),
        *runtime_rules(evidence),
    ]
