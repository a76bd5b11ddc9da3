"""Pure page-load rules: measured requests and the network model against the profile's budgets."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from certifier.policy.findings import Evidence, Finding, Severity, Status, quantity, counted
from certifier.policy.rules import Rule
from certifier.staging.network import NetworkProfile, network_profiles

from .runtime import runtime_rules

STATIC_TYPES = ("text/css", "text/javascript", "application/javascript", "image/", "font/", "application/font")
TEXT_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml", "application/xml")
MEDIA_TYPES = ("video/", "audio/")
DOCUMENT_STATUS_OK = range(200, 300)


def estimate_load_s(doc_bytes: int, resource_bytes: list[int], network: NetworkProfile, tls: bool,
                    connections: int) -> float:
    """Load time on a link, the way Lighthouse's simulation reasons: a connection set-up (one round
    trip, two with TLS), one round trip for the document, one per wave of ``connections`` parallel
    requests, and every byte through the link's bandwidth."""
    rtt = network.rtt_ms / 1000
    setup = rtt * (2 if tls else 1)
    waves = math.ceil(len(resource_bytes) / max(connections, 1))
    transfer = (doc_bytes + sum(resource_bytes)) * 8 / (network.down_kbps * 1000)
    return setup + rtt + waves * rtt + transfer


def total_weight(page: Mapping[str, Any]) -> int:
    document, resources = page_weight(page)
    return document + sum(resources)


def page_weight(page: Mapping[str, Any]) -> tuple[int, list[int]]:
    """(document bytes, bytes of each sub-resource) of a lesson until it can be used: what the real
    browser loaded by the load event when it ran (Resource Timing), else the page's static
    references as fetched — media excluded either way: it streams on demand."""
    loaded = page.get("browser_load")
    if loaded:
        return loaded["doc_bytes"], list(loaded["resources"])
    doc = next((r for r in page["requests"] if r["kind"] == "document"), None)
    resources = [r["bytes"] for r in page["requests"] if r["kind"] == "resource"]
    return (doc["bytes"] if doc else 0), resources


def static_weight(page: Mapping[str, Any]) -> int:
    """Bytes of everything the page's markup and stylesheets name: what the lesson *can* reach."""
    return sum(r.get("bytes", 0) for r in page["requests"] if r["kind"] in ("document", "resource"))


def _ev(page: Mapping[str, Any], request: Mapping[str, Any] | None = None) -> Evidence:
    return Evidence(url=(request or {}).get("url") or page["url"], path=(request or {}).get("path") or page["launch"])


def _finding(rule: Rule, problems, ok, *, skipped: str | None = None, **kwargs) -> Finding:
    """``problems`` are (message, Evidence) pairs; a metric not measured is ``skipped`` with the reason."""
    if skipped:
        return rule.finding(Status.SKIPPED, f"Not measured: {skipped}", limit=kwargs.get("limit"),
                            unit=kwargs.get("unit"))
    return rule.outcome(problems, ok, **kwargs)


def loaded_pages(evidence: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [p for p in evidence["pages"] if p["loaded"]]


REACHABLE = Rule(
    "pageload.reachable", "Launch pages load from the staging server",
    "Launch pages do not load from the staging server", Severity.BLOCKER,
    remediation="Check the staging URL, that the course is deployed there, and that this machine can reach it "
                "(proxy, firewall, certificate).",
    it_risk="Support: learners cannot open the course.")


def reachable(evidence: Mapping[str, Any]) -> Finding:
    problems = []
    for page in evidence["pages"]:
        doc = page["requests"][0]
        if "error" in doc:
            problems.append((f"{page['url']}: {doc['error']['kind']} — {doc['error']['message']}", _ev(page)))
        elif doc["status"] not in DOCUMENT_STATUS_OK:
            problems.append((f"{page['url']} answered HTTP {doc['status']}", _ev(page)))
    where = "the embedded staging server" if evidence["embedded"] else evidence["target"]
    return _finding(REACHABLE, problems, f"All {len(evidence['pages'])} launch pages load from {where}.")


HTTP_ERRORS = Rule(
    "pageload.http-errors", "Every resource a page loads answers",
    "Resources a page loads answer with errors", Severity.MAJOR,
    remediation="Deploy the missing files or fix the server's access rules for them.",
    it_risk="Support: broken pages; server load: errors are retried by browsers.")


def http_errors(evidence: Mapping[str, Any]) -> Finding:
    problems = []
    for page in loaded_pages(evidence):
        for r in page["requests"][1:]:
            if "error" in r and r["error"]["kind"] not in ("too-large", "too-slow"):
                problems.append((f"{r['url']}: {r['error']['kind']}", _ev(page, r)))
            elif r.get("status", 200) >= 400:
                problems.append((f"{r['url']} answered HTTP {r['status']}", _ev(page, r)))
    return _finding(HTTP_ERRORS, problems, "No resource answered 4xx/5xx or failed.")


RESPONSE_LIMITS = Rule(
    "pageload.response-limits", "Responses arrive whole and in time",
    "Responses incomplete or too slow", Severity.MAJOR,
    remediation="Check the server: a response that trickles or never ends ties up learners' browsers and the "
                "server's connections.",
    it_risk="Server load: slow or endless responses hold connections open for every learner.")


def response_limits(evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> Finding:
    problems = [(f"{r['url']}: {r['error']['message']}", _ev(page, r)) for page in evidence["pages"]
                for r in page["requests"] if "error" in r and r["error"]["kind"] in ("too-large", "too-slow")]
    return _finding(RESPONSE_LIMITS, problems, "Every response arrived within the byte and time limits.",
                    limit=limits["max_response_s"], unit="s")


TTFB = Rule(
    "pageload.ttfb", "Time to first byte",
    "Time to first byte over budget", Severity.MAJOR,
    remediation="Look at the staging server's load and configuration: static files should be served in a few tens of "
                "milliseconds.",
    it_risk="Server load: slow first bytes grow with learners online at once.")


def ttfb(evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> Finding:
    limit = limits["max_ttfb_ms"]
    docs = [(page, page["requests"][0]) for page in loaded_pages(evidence)]
    if not docs:
        return _finding(TTFB, [], "", remediation="", it_risk="", limit=limit, unit="ms",
                        skipped="no launch page loaded")
    worst = max(d["ttfb_ms"] for _, d in docs)
    problems = [(f"{d['url']} took {quantity(d['ttfb_ms'], 'ms')} to answer", _ev(p)) for p, d in docs
                if d["ttfb_ms"] > limit]
    note = " (loopback: the embedded server shows the course's cost, not a network's)" if evidence["embedded"] else ""
    return _finding(TTFB, problems, f"Launch pages answer within {quantity(worst, 'ms')}{note}.", measured=worst,
                    limit=limit, unit="ms")


LOAD_TIME = Rule(
    "pageload.load-time", "Load time on the target network",
    "Load time on the target network over budget", Severity.MAJOR,
    remediation="Reduce what the page loads before it can be used: compress images, defer scripts, combine small "
                "files.",
    it_risk="Bandwidth: learners on this link wait, retry, and call the helpdesk.")


def load_time(evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> Finding:
    networks = network_profiles({"network": limits["network"]})
    target = networks[limits["network"]["target_network"]]
    limit = limits["max_load_time_s"]
    pages = loaded_pages(evidence)
    if not pages:
        return _finding(LOAD_TIME, [], "", limit=limit, unit="s", skipped="no launch page loaded")
    estimates = []
    for page in pages:
        doc_bytes, resources = page_weight(page)
        estimates.append((page, estimate_load_s(doc_bytes, resources, target, page["tls"],
                                                limits["parallel_connections"]), doc_bytes + sum(resources)))
    worst = max(e for _, e, _ in estimates)
    problems = [(f"{p['launch']} needs {e:.1f} s for {quantity(b / 1024, 'KB')} on {target.name} "
                 f"({quantity(target.down_kbps, 'kbps')}, {target.rtt_ms:g} ms)", _ev(p)) for p, e, b in estimates
                if e > limit]
    return _finding(LOAD_TIME, problems, f"Every launch page loads within {worst:.1f} s on {target.name}.",
                    measured=round(worst, 2), limit=limit, unit="s", details={"network": target.name})


PAGE_WEIGHT = Rule(
    "pageload.page-weight", "Page weight",
    "Page weight over budget", Severity.MAJOR,
    remediation="Compress images (WebP/AVIF or optimised JPEG/PNG), minify scripts and styles.",
    it_risk="Bandwidth: every learner downloads this at every launch.")


def weight(evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> Finding:
    limit = limits["max_page_weight_kb"]
    pages = loaded_pages(evidence)
    if not pages:
        return _finding(PAGE_WEIGHT, [], "", remediation="", it_risk="", limit=limit, unit="KB",
                        skipped="no launch page loaded")
    weights = [(p, total_weight(p) / 1024) for p in pages]
    worst = max(w for _, w in weights)
    problems = [(f"{p['launch']} weighs {quantity(w, 'KB')}", _ev(p)) for p, w in weights if w > limit]
    measured_by = ("what the browser loaded by the load event" if any(p.get("browser_load") for p in pages)
                   else "the files its markup and stylesheets name")
    reach = max(static_weight(p) for p in pages) / 1024
    return _finding(PAGE_WEIGHT, problems,
                    f"The heaviest launch page weighs {quantity(worst, 'KB')}: {measured_by}, media streamed on "
                    f"demand excluded (its markup and stylesheets can reach {quantity(reach, 'KB')} in all).",
                    measured=round(worst, 1), limit=limit, unit="KB",
                    details={"measured_by": measured_by,
                             "static_kb": {p["launch"]: round(static_weight(p) / 1024, 1) for p in pages}})


COMPRESSION = Rule(
    "pageload.compression", "Text is compressed in transit",
    "Text not compressed in transit", Severity.MINOR,
    remediation="Enable gzip or Brotli for HTML, CSS, JavaScript and JSON on the server.",
    it_risk="Bandwidth: text compresses 3–10×; without it every learner pays the difference.")


def compression(evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> Finding:
    limit_kb = limits["max_uncompressed_text_kb"]
    problems = [(f"{r['url']} ({quantity(r['bytes'] / 1024, 'KB')}) is sent uncompressed", _ev(p, r))
                for p in loaded_pages(evidence) for r in p["requests"]
                if r.get("complete") and r.get("status") == 200 and r.get("content_type", "").startswith(TEXT_TYPES)
                and not r.get("encoding") and r["bytes"] > limit_kb * 1024]
    return _finding(COMPRESSION, problems,
                    f"No text response over {quantity(limit_kb, 'KB')} is sent uncompressed.", limit=limit_kb,
                    unit="KB")


CACHE_HEADERS = Rule(
    "pageload.cache-headers", "Static files can be cached",
    "Static files cannot be cached", Severity.MINOR,
    remediation="Serve course assets with Cache-Control (e.g. max-age=3600) and an ETag.",
    it_risk="Bandwidth and server load: without caching every page view downloads everything again.")


def cache_headers(evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> Finding:
    problems = []
    if limits["require_cache_headers"]:
        for p in loaded_pages(evidence):
            for r in p["requests"][1:]:
                if (r.get("status") == 200 and r.get("content_type", "").startswith(STATIC_TYPES)
                        and not r.get("cache_control") and not r.get("etag") and not r.get("last_modified")):
                    problems.append((f"{r['url']} has no Cache-Control, ETag or Last-Modified", _ev(p, r)))
    return _finding(CACHE_HEADERS, problems, "Static files carry cache headers.")


MEDIA_MIME = Rule(
    "pageload.media-mime", "Media served with a media type",
    "Media served without a media type", Severity.MAJOR,
    remediation="Map .mp4 to video/mp4, .webm to video/webm, .mp3 to audio/mpeg, .vtt to text/vtt on the server.",
    it_risk="Support: some browsers refuse to play media served as text or octet-stream.")
RANGE_SUPPORT = Rule(
    "pageload.range-support", "Video can be seeked (HTTP Range)",
    "Video cannot be seeked (no HTTP Range)", Severity.MAJOR,
    remediation="Enable byte-range requests (Accept-Ranges: bytes) for media on the server or CDN.",
    it_risk="Bandwidth and support: without ranges players download whole files and cannot seek.")


def media_serving(evidence: Mapping[str, Any]) -> list[Finding]:
    wrong_type, no_range = [], []
    checked = 0
    for p in loaded_pages(evidence):
        for r in p["requests"]:
            if r["kind"] != "media":
                continue
            checked += 1
            if "error" in r:
                no_range.append((f"{r['url']}: {r['error']['kind']}", _ev(p, r)))
                continue
            if not r.get("content_type", "").startswith(MEDIA_TYPES):
                wrong_type.append((f"{r['url']} is served as '{r.get('content_type') or 'nothing'}'", _ev(p, r)))
            if r.get("status") != 206 and r.get("expects_range"):
                no_range.append((f"{r['url']} answered a byte-range request with HTTP {r.get('status')}", _ev(p, r)))
    none = "No media on the launch pages." if not checked else None
    return [
        _finding(MEDIA_MIME, wrong_type, none or f"{checked} media files served as audio/video."),
        _finding(RANGE_SUPPORT, no_range, none or f"{checked} media files answer byte-range requests."),
    ]


DEPLOYED_BYTES = Rule(
    "pageload.deployed-bytes", "The staging copy is the package being certified",
    "The staging copy differs from the package being certified", Severity.BLOCKER,
    remediation="Deploy this exact package to staging (or certify the package that is deployed).",
    it_risk="Security and support: IT would sign off bytes other than those learners receive.")


def deployed_bytes(evidence: Mapping[str, Any]) -> Finding:
    problems = []
    for p in evidence["pages"]:
        doc = p["requests"][0]
        if doc.get("status") == 404:
            problems.append((f"the staging copy has no {p['launch']}", _ev(p)))
    for p in loaded_pages(evidence):
        for r in p["requests"]:
            if r.get("matches_package") is False:
                problems.append((f"{r['url']} differs from {r['path']} in the package", _ev(p, r)))
    compared = sum(1 for p in evidence["pages"] for r in p["requests"] if r.get("matches_package") is not None)
    return _finding(DEPLOYED_BYTES, problems,
                    f"{counted(compared, 'file')} fetched from staging match the package byte for byte.")


PROBE_SKIPPED = Rule(
    "pageload.probe-skipped", "Page load not measured", "Page load not measured", Severity.INFO,
    it_risk="Page load was not verified for this course.")


def all_rules(evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> list[Finding]:
    if evidence.get("skipped"):
        return [PROBE_SKIPPED.finding(Status.SKIPPED, evidence["skipped"])]
    return [reachable(evidence), deployed_bytes(evidence), http_errors(evidence), response_limits(evidence, limits),
            ttfb(evidence, limits), load_time(evidence, limits), weight(evidence, limits),
            compression(evidence, limits), cache_headers(evidence, limits), *media_serving(evidence),
            *runtime_rules(evidence)]
