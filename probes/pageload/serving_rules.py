"""Pure rules on how the staging server serves the course: compression, cache headers, media types and byte ranges, and whether staging holds the package's bytes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from certifier.policy.findings import Finding, Severity, counted, quantity
from certifier.policy.rules import Rule

from .measures import MEDIA_TYPES, STATIC_TYPES, TEXT_TYPES, loaded_pages, package_pages, page_evidence, rule_finding

COMPRESSION = Rule(
    "pageload.compression",
    "Text is compressed in transit",
    "Text not compressed in transit",
    Severity.MINOR,
    remediation="Enable gzip or Brotli for HTML, CSS, JavaScript and JSON on the server.",
    it_risk="Bandwidth: text compresses 3–10×; without it every learner pays the difference.",
)


def compression(evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> Finding:
    limit_kb = limits["max_uncompressed_text_kb"]
    problems = [
        (f"{r['url']} ({quantity(r['bytes'] / 1024, 'KB')}) is sent uncompressed", page_evidence(p, r))
        for p in loaded_pages(evidence)
        for r in p["requests"]
        if r.get("complete")
        and r.get("status") == 200
        and r.get("content_type", "").startswith(TEXT_TYPES)
        and not r.get("encoding")
        and r["bytes"] > limit_kb * 1024
    ]
    return rule_finding(
        COMPRESSION,
        problems,
        f"No text response over {quantity(limit_kb, 'KB')} is sent uncompressed.",
        limit=limit_kb,
        unit="KB",
    )


CACHE_HEADERS = Rule(
    "pageload.cache-headers",
    "Static files can be cached",
    "Static files cannot be cached",
    Severity.MINOR,
    remediation="Serve course assets with Cache-Control (e.g. max-age=3600) and an ETag.",
    it_risk="Bandwidth and server load: without caching every page view downloads everything again.",
)


def cache_headers(evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> Finding:
    problems = []
    if limits["require_cache_headers"]:
        for p in loaded_pages(evidence):
            for r in p["requests"][1:]:
                if (
                    r.get("status") == 200
                    and r.get("content_type", "").startswith(STATIC_TYPES)
                    and not r.get("cache_control")
                    and not r.get("etag")
                    and not r.get("last_modified")
                ):
                    problems.append((f"{r['url']} has no Cache-Control, ETag or Last-Modified", page_evidence(p, r)))
    return rule_finding(CACHE_HEADERS, problems, "Static files carry cache headers.")


MEDIA_MIME = Rule(
    "pageload.media-mime",
    "Media served with a media type",
    "Media served without a media type",
    Severity.MAJOR,
    remediation="Map .mp4 to video/mp4, .webm to video/webm, .mp3 to audio/mpeg, .vtt to text/vtt on the server.",
    it_risk="Support: some browsers refuse to play media served as text or octet-stream.",
)
RANGE_SUPPORT = Rule(
    "pageload.range-support",
    "Video can be seeked (HTTP Range)",
    "Video cannot be seeked (no HTTP Range)",
    Severity.MAJOR,
    remediation="Enable byte-range requests (Accept-Ranges: bytes) for media on the server or CDN.",
    it_risk="Bandwidth and support: without ranges players download whole files and cannot seek.",
)


def media_serving(evidence: Mapping[str, Any]) -> list[Finding]:
    wrong_type, no_range = [], []
    checked = 0
    for p in loaded_pages(evidence):
        for r in p["requests"]:
            if r["kind"] != "media":
                continue
            checked += 1
            if "error" in r:
                no_range.append((f"{r['url']}: {r['error']['kind']}", page_evidence(p, r)))
                continue
            if not r.get("content_type", "").startswith(MEDIA_TYPES):
                wrong_type.append(
                    (f"{r['url']} is served as '{r.get('content_type') or 'nothing'}'", page_evidence(p, r))
                )
            if r.get("status") != 206 and r.get("expects_range"):
                no_range.append(
                    (f"{r['url']} answered a byte-range request with HTTP {r.get('status')}", page_evidence(p, r))
                )
    none = "No media on the launch pages." if not checked else None
    return [
        rule_finding(MEDIA_MIME, wrong_type, none or f"{checked} media files served as audio/video."),
        rule_finding(RANGE_SUPPORT, no_range, none or f"{checked} media files answer byte-range requests."),
    ]


DEPLOYED_BYTES = Rule(
    "pageload.deployed-bytes",
    "The staging copy is the package being certified",
    "The staging copy differs from the package being certified",
    Severity.BLOCKER,
    remediation="Deploy this exact package to staging (or certify the package that is deployed).",
    it_risk="Security and support: IT would sign off bytes other than those learners receive.",
)


def deployed_bytes(evidence: Mapping[str, Any]) -> Finding:
    problems = []
    for p in package_pages(evidence):
        doc = p["requests"][0]
        if doc.get("status") == 404:
            problems.append((f"the staging copy has no {p['launch']}, which the package has", page_evidence(p)))
    for p in loaded_pages(evidence):
        for r in p["requests"]:
            if r.get("matches_package") is False:
                problems.append((f"{r['url']} differs from {r['path']} in the package", page_evidence(p, r)))
    compared = sum(1 for p in evidence["pages"] for r in p["requests"] if r.get("matches_package") is not None)
    return rule_finding(
        DEPLOYED_BYTES, problems, f"{counted(compared, 'file')} fetched from staging match the package byte for byte."
    )
