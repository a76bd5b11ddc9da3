"""The ``pageload`` probe: each launch page fetched from staging as a browser would, timed and weighed.

Against IT's staging URL when one is given; otherwise against the embedded staging server
serving the package from the run's work folder. Every file fetched is hashed and compared with
the package: IT signs off the bytes learners will receive. Optionally, Qt WebEngine (in a helper
process) loads each lesson in the LMS frame and the SCORM runtime log is checked.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests

from certifier.package.inventory import FileRecord
from certifier.package.media_types import guess_by_name, is_audio_or_video
from certifier.package.reference_targets import decode_text
from certifier.package.references import css_references, html_references
from certifier.policy import evidence_kinds as kinds
from certifier.policy.findings import Finding, value_with_unit
from certifier.policy.presentation import Span, SummaryRow, Table, Waterfall
from certifier.policy.probe_api import Need, Probe, ProbeContext
from certifier.policy.profiles import LimitSpec
from certifier.policy.rules import declared_in
from certifier.staging.browser import BrowserSettings, representative, run_browser_timing
from certifier.staging.http_files import page_url
from certifier.staging.lms import launch_kind
from certifier.staging.server import StagingServer

from . import rules as pageload_rules
from . import runtime as pageload_runtime
from . import serving_rules as pageload_serving_rules
from . import xapi_rules as pageload_xapi_rules
from .fetch import FetchLimits, fetch, new_session, range_check
from .rules import all_rules
from .shaping import (
    NOT_LOADED,
    STALLS,
    attach_browser_loads,
    lesson_starts,
    not_waited_for,
    reported_missing,
    runtime_sequences,
    waterfall,
)

SCORM_STANDARDS = ("SCORM",)


class PageLoadProbe(Probe):
    id = "pageload"
    title = "Page load from staging"
    description = "Launch pages fetched from IT's staging server (or the embedded one): status, timing, weight, caching, deployed bytes."
    needs = frozenset({Need.PACKAGE, Need.UNPACKED})
    uses = (kinds.LAUNCH_MAP, kinds.AUTHORING_TOOL, kinds.TOOL_SETTINGS, kinds.PAGE_REFERENCES)
    publishes = (kinds.PAGE_LOADS, kinds.LESSON_STARTS)
    reads_sections = ("network",)
    limits = {
        "max_ttfb_ms": LimitSpec("number", "Longest time to the first byte of a launch page.", "ms"),
        "max_load_time_s": LimitSpec("number", "Longest estimated load of a launch page on the target network.", "s"),
        "max_page_weight_kb": LimitSpec("number", "Heaviest launch page with what it loads (media excluded).", "KB"),
        "max_uncompressed_text_kb": LimitSpec("number", "Text responses above this must be compressed.", "KB"),
        "require_cache_headers": LimitSpec("boolean", "Static files must carry Cache-Control, ETag or Last-Modified."),
        "parallel_connections": LimitSpec("integer", "Connections a browser opens per host (load model)."),
        "max_pages": LimitSpec("integer", "Launch pages checked at most."),
        "max_requests_per_page": LimitSpec("integer", "Requests made for one page at most."),
        "max_redirects": LimitSpec("integer", "Redirects followed for one request."),
        "request_timeout_s": LimitSpec("number", "Connect and read timeout of one request.", "s"),
        "max_response_s": LimitSpec("number", "Longest a response may take to arrive whole.", "s"),
        "max_response_mb": LimitSpec("number", "Largest response read.", "MB"),
        "ca_bundle": LimitSpec(
            "string", "A CA certificate file to trust for the staging server (empty: system store)."
        ),
        "browser_timing": LimitSpec("boolean", "Load each lesson in Qt WebEngine and check the SCORM runtime log."),
        "browser_timeout_s": LimitSpec("number", "Time the real-browser pass may take in all.", "s"),
        "browser_width_px": LimitSpec("integer", "Width of the page lessons run in.", "px"),
        "browser_height_px": LimitSpec("integer", "Height of the page lessons run in.", "px"),
        "browser_parallel_lessons": LimitSpec("integer", "Lessons the real-browser pass runs at once.", "lessons"),
        "browser_lessons": LimitSpec(
            "integer",
            "Lessons run in the real browser: a representative sample of the "
            "checked ones (the first, the last, evenly spread); 0 runs them all.",
            "lessons",
        ),
        "runtime_init_timeout_s": LimitSpec("number", "Time a SCO has to call Initialize after its page loads.", "s"),
        "runtime_settle_s": LimitSpec(
            "number", "Time after Initialize for the SCO's first Commit/SetValue calls.", "s"
        ),
        "runtime_same_failure_lessons": LimitSpec(
            "integer",
            "Lessons that fail to start the same way before the rest of the sample is reported, not "
            "awaited; 0 awaits every one.",
            "lessons",
        ),
    }
    # Generated from the rule declarations.
    rules = declared_in(pageload_rules, pageload_serving_rules, pageload_runtime, pageload_xapi_rules)

    def gather(self, ctx: ProbeContext) -> dict[str, Any]:
        limits = ctx.limits(self.id)
        launch_map = ctx.shared(kinds.LAUNCH_MAP)
        if launch_map is None:
            return {
                "skipped": "The page-load probe needs the course's launch map (published by the conformance "
                "probe); run both together."
            }
        local_units = [u for u in launch_map if "://" not in u["launch"]]
        units = local_units[: limits["max_pages"]]  # the first ones, in course order; the report says so
        if not units:
            return {"skipped": "The package has no launch page inside it to load."}
        fetch_limits = FetchLimits(
            limits["request_timeout_s"],
            limits["max_response_s"],
            int(limits["max_response_mb"] * 1024 * 1024),
            limits["max_redirects"],
            limits["ca_bundle"] or None,
        )
        records = {f.path: f for f in ctx.course_inventory.files}
        scorm = ctx.course_detection.standard.startswith(SCORM_STANDARDS)
        server = None
        sampled: list[dict[str, Any]] = []
        if ctx.staging_url:
            base = ctx.staging_url if ctx.staging_url.endswith("/") else ctx.staging_url + "/"
        else:
            ctx.progress(0.0, "starting the embedded staging server")
            server = StagingServer(ctx.workdir.course_folder(ctx.course_package), launch_units=units).start()
            base = server.url
        player = list((ctx.shared(kinds.AUTHORING_TOOL) or {}).get("player") or [])
        try:
            session = new_session(fetch_limits, ctx.staging_auth)
            pages: list[dict[str, Any]] = []
            stalled: dict[str, Any] | None = None  # the first launch page the server stalled on
            for index, unit in enumerate(units):
                ctx.progress(0.1 + 0.6 * index / len(units), unit["launch"])
                if stalled is not None:  # a server that has shown it stalls is not waited for again
                    pages.append(
                        {
                            **not_waited_for(unit, page_url(base, unit["launch"]), stalled),
                            "scorm": scorm,
                            "launch_kind": launch_kind(ctx.course_detection.standard),
                        }
                    )
                    continue
                pages.append(self._page(ctx, session, base, unit, records, fetch_limits, limits, scorm))
                document = pages[-1]["requests"][0]
                if (document.get("error") or {}).get("kind") in STALLS:
                    stalled = {"launch": unit["launch"], **document["error"]}
            browser: dict[str, Any]
            runtime_log: list[dict[str, Any]] = []
            lrs: dict[str, Any] = {"statements": [], "launches": []}
            if not limits["browser_timing"]:
                browser = {"skipped": "the profile turns the real-browser pass off (pageload.browser_timing)"}
            elif server is None:
                browser = {
                    "skipped": "the SCORM runtime log needs the embedded LMS frame; it is not available "
                    "against an external staging server"
                }
            else:
                ctx.progress(0.75, "loading lessons in Qt WebEngine")
                sampled = representative(units, limits["browser_lessons"])
                urls = [
                    server.launch_url(u["launch"], u["id"], launch_kind(ctx.course_detection.standard)) for u in sampled
                ]
                settings = BrowserSettings(
                    limits["browser_timeout_s"],
                    limits["runtime_init_timeout_s"],
                    limits["runtime_settle_s"],
                    limits["browser_width_px"],
                    limits["browser_height_px"],
                    limits["browser_parallel_lessons"],
                    limits["runtime_same_failure_lessons"],
                )
                browser = run_browser_timing(urls, settings, ctx.checkpoint)
                runtime_log = server.log_snapshot()
                lrs = server.lrs.snapshot()
                attach_browser_loads(pages, browser, player)
        finally:
            if server is not None:
                server.stop()
        evidence = {
            "target": base if server is None else "embedded",
            "embedded": server is not None,
            "pages": pages,
            "browser": browser,
            "runtime_log": runtime_log,
            "lrs": lrs,
            # What the runtime rules need to name a cause: the tool and its tracking switch.
            "authoring_tool": ctx.shared(kinds.AUTHORING_TOOL),
            "player": player,
            "tool_settings": ctx.shared(kinds.TOOL_SETTINGS) or [],
            "init_timeout_s": limits["runtime_init_timeout_s"],
            "lessons": {
                "total": len(local_units),
                "checked": len(units),
                "limit": limits["max_pages"],
                "in_browser": len(sampled),
                "browser_limit": limits["browser_lessons"],
            },
            "browser_units": [u["id"] for u in sampled],
            "reported_missing": reported_missing(browser, ctx.shared(kinds.PAGE_REFERENCES) or [], records),
        }
        evidence["outputs"] = {
            "waterfall": waterfall(pages),
            "runtime_log": runtime_sequences(units, runtime_log, lrs),
            "lesson_starts": lesson_starts(sampled, browser, limits["runtime_init_timeout_s"], local_units),
        }
        return evidence

    def _page(
        self,
        ctx: ProbeContext,
        session: requests.Session,
        base: str,
        unit: Mapping[str, Any],
        records: Mapping[str, FileRecord],
        fetch_limits: FetchLimits,
        limits: Mapping[str, Any],
        scorm: bool,
    ) -> dict[str, Any]:
        start = time.monotonic()
        url = page_url(base, unit["launch"])
        doc = fetch(session, url, fetch_limits, "document", start)
        doc["path"] = unit["launch"]
        requests_made = [doc]
        page = {
            "id": unit["id"],
            "title": unit["title"],
            "launch": unit["launch"],
            "url": url,
            "tls": urlsplit(url).scheme == "https",
            "scorm": scorm,
            "launch_kind": launch_kind(ctx.course_detection.standard),
            "loaded": "error" not in doc and 200 <= doc.get("status", 0) < 300,
            "external_hosts": [],
            # A launch page the package itself lacks is the package's defect (conformance.launch-file),
            # not the server's: the page-load rules leave it to that finding.
            "in_package": unit["launch"] in records,
        }
        if page["loaded"] and "_body" in doc:
            queue = self._targets(unit["launch"], decode_text(doc["_body"]), page)
            seen = set(queue)
            while queue and len(requests_made) < limits["max_requests_per_page"]:
                ctx.checkpoint()
                path = queue.pop(0)
                target_url = page_url(base, path)
                media_type = records[path].media_type if path in records else guess_by_name(path)
                if is_audio_or_video(media_type):
                    probe = range_check(session, target_url, fetch_limits)
                    requests_made.append(
                        {
                            "url": target_url,
                            "path": path,
                            "kind": "media",
                            "bytes": 0,
                            "expects_range": media_type.startswith("video/"),
                            **probe,
                        }
                    )
                    continue
                record = fetch(session, target_url, fetch_limits, "resource", start)
                record["path"] = path
                requests_made.append(record)
                if "_body" in record and path.lower().endswith(".css"):
                    for extra in self._targets(path, decode_text(record["_body"]), page):
                        if extra not in seen:
                            seen.add(extra)
                            queue.append(extra)
        for record in requests_made:
            record.pop("_body", None)
            expected = records.get(record.get("path", ""))
            record["in_package"] = expected is not None
            if record.get("complete") and record.get("status") == 200 and expected is not None:
                record["matches_package"] = record["sha256"] == expected.sha256
        page["requests"] = requests_made
        return page

    @staticmethod
    def _targets(source: str, text: str, page: dict[str, Any]) -> list[str]:
        """Same-origin files the page loads (links to other pages are not loaded)."""
        targets = []
        found = css_references(source, text) if source.lower().endswith(".css") else html_references(source, text)
        for ref in found:
            if (
                ref.scheme == ""
                and ref.resolved
                and ref.kind not in NOT_LOADED
                and not ref.rooted
                and ref.resolved not in targets
            ):
                targets.append(ref.resolved)
            elif ref.host and ref.host not in page["external_hosts"]:
                page["external_hosts"].append(ref.host)
        return targets

    def evaluate(self, evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> list[Finding]:
        return all_rules(evidence, limits)

    @classmethod
    def summary_rows(cls, report: Mapping[str, Any]) -> list[SummaryRow]:
        rows = []
        weight, load = cls.finding_in(report, "pageload.page-weight"), cls.finding_in(report, "pageload.load-time")
        if weight and weight.get("measured") is not None:
            on = ""
            if load and load.get("measured") is not None:
                network = (load.get("details") or {}).get("network", "the target network")
                on = f", {value_with_unit(load['measured'], 's')} on {network}"
            rows.append(SummaryRow("Network — heaviest page", value_with_unit(weight["measured"], "KB") + on, 11))
        deployed = cls.finding_in(report, "pageload.deployed-bytes")
        if deployed:
            staging = (report.get("run") or {}).get("staging_url")
            where = f"IT's staging server {staging}" if staging else "embedded staging server"
            rows.append(SummaryRow("Servers", f"{where} — {deployed['message']}", 40))
        return rows

    @classmethod
    def charts(cls, report: Mapping[str, Any]) -> list[Waterfall]:
        charts = []
        for page in cls.outputs_in(report).get("waterfall", []):
            spans = [
                Span(
                    r.get("path") or "",
                    r["start_ms"],
                    r["start_ms"] + r["ttfb_ms"],
                    r["start_ms"] + (r.get("transfer_ms") or r["ttfb_ms"]),
                )
                for r in page["requests"]
                if r.get("ttfb_ms") is not None
            ]
            charts.append(Waterfall.capped(f"Page-load waterfall: {page['launch']} (ms from the page request)", spans))
        return charts

    @classmethod
    def tables(cls, report: Mapping[str, Any]) -> list[Table]:
        """What each lesson did when it ran in the browser: SCORM calls or xAPI statements, in order."""
        lessons = cls.outputs_in(report).get("runtime_log") or []
        if not lessons:
            return []
        rows = []
        for lesson in lessons:
            events = " → ".join(lesson["events"]) or "nothing"
            if lesson["count"] > len(lesson["events"]):
                events += f" … ({lesson['count']} in all)"
            rows.append((lesson["launch"], lesson["kind"], events))
        return [
            Table(
                "runtime", "Runtime log", ("Lesson", "Log", "In order"), tuple(rows), code_columns=(0,), wrap_column=2
            )
        ]
