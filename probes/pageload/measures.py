"""Page measures the page-load rules share: page weights (what the browser loaded, else what the pass fetched), the modelled load time, and one finding helper."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import unquote, urlsplit

from certifier.package.authoring_tools import in_stock_player
from certifier.policy.findings import Evidence, Finding, Status
from certifier.policy.rules import Rule
from certifier.staging.network import NetworkProfile

STATIC_TYPES = ("text/css", "text/javascript", "application/javascript", "image/", "font/", "application/font")
TEXT_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml", "application/xml")
MEDIA_TYPES = ("video/", "audio/")
DOCUMENT_STATUS_OK = range(200, 300)


def estimate_load_s(
    doc_bytes: int, resource_bytes: list[int], network: NetworkProfile, tls: bool, connections: int
) -> float:
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


def in_player(url_or_path: str, player: Sequence[str]) -> bool:
    """Whether a request (URL or package path) is one of the authoring tool's stock player files."""
    return in_stock_player(unquote(urlsplit(url_or_path).path).lstrip("/"), player)


def player_resources(page: Mapping[str, Any], player: Sequence[str]) -> list[int]:
    """Bytes of each stock player file among what the page loaded (see ``page_weight``)."""
    loaded = page.get("browser_load")
    if loaded:
        return list(loaded.get("player_resources") or [])
    return [r["bytes"] for r in page["requests"] if r["kind"] == "resource" and in_player(r.get("path") or "", player)]


def course_weight(page: Mapping[str, Any], player: Sequence[str]) -> tuple[int, list[int]]:
    """``page_weight`` without the tool's stock player: what this course adds, which a page budget
    judges (every course of the tool loads the same player; it is cached, not this course's defect)."""
    document, resources = page_weight(page)
    remaining = list(resources)
    for size in player_resources(page, player):
        if size in remaining:
            remaining.remove(size)
    return document, remaining


def course_total(page: Mapping[str, Any], player: Sequence[str]) -> int:
    document, resources = course_weight(page, player)
    return document + sum(resources)


def static_weight(page: Mapping[str, Any]) -> int:
    """Bytes of everything the page's markup and stylesheets name: what the lesson *can* reach."""
    return sum(r.get("bytes", 0) for r in page["requests"] if r["kind"] in ("document", "resource"))


def page_evidence(page: Mapping[str, Any], request: Mapping[str, Any] | None = None) -> Evidence:
    return Evidence(url=(request or {}).get("url") or page["url"], path=(request or {}).get("path") or page["launch"])


def rule_finding(
    rule: Rule, problems: list[tuple[str, Evidence]], ok: str, *, skipped: str | None = None, **kwargs: Any
) -> Finding:
    """``problems`` are (message, Evidence) pairs; a metric not measured is ``skipped`` with the reason."""
    if skipped:
        return rule.finding(
            Status.SKIPPED, f"Not measured: {skipped}", limit=kwargs.get("limit"), unit=kwargs.get("unit")
        )
    return rule.outcome(problems, ok, **kwargs)


def loaded_pages(evidence: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [p for p in evidence["pages"] if p["loaded"]]


def missing_from_package(record: Mapping[str, Any]) -> bool:
    """A 404 for a file the package itself lacks: the package's defect, reported once by conformance
    (missing reference, launch file), not again as a server's fault. Older evidence says nothing:
    then the server is not cleared."""
    return record.get("status") == 404 and record.get("in_package") is False


def package_pages(evidence: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The launch pages the package has (see missing_from_package)."""
    return [
        p
        for p in evidence["pages"]
        if not missing_from_package({**p["requests"][0], "in_package": p.get("in_package")})
    ]
