"""Shaping what the page-load pass gathered into its evidence: each lesson's call sequence, what the browser loaded by the load event, lesson starts, the waterfall, and pages not waited for."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from certifier.package.references import JS_ABSOLUTE, LINK, SCRIPT_CANDIDATE

from .measures import in_player

MEDIA_INITIATORS = ("video", "audio", "track")
SEQUENCE_SHOWN = 40  # calls or statements listed per lesson in the report


def runtime_sequences(
    units: list[dict[str, Any]], log: list[dict[str, Any]], lrs: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Per lesson, what it did in order: its SCORM calls, or the statements it and the LMS sent."""
    sequences = []
    for unit in units:
        calls = [
            e.get("fn", "?") + (f"({e['args'][0]})" if e.get("args") and e.get("fn", "").endswith("SetValue") else "")
            for e in log
            if e.get("sco") == unit["id"] and e.get("api") != "frame"
        ]
        statements = [
            ("LMS " if s["by"] == "lms" else "")
            + ((s["statement"].get("verb") or {}).get("id") or "?").rsplit("/", 1)[-1]
            for s in lrs.get("statements", [])
            if s["unit"] == unit["id"]
        ]
        events = calls + statements
        sequences.append(
            {
                "launch": unit["launch"],
                "kind": "statements" if statements else "SCORM calls",
                "count": len(events),
                "events": events[:SEQUENCE_SHOWN],
            }
        )
    return sequences


def attach_browser_loads(pages: list[dict[str, Any]], browser: Mapping[str, Any], player: Sequence[str] = ()) -> None:
    """Give each page what the real browser loaded by its load event (Resource Timing): the page
    weight and load time are judged on that, not on every file a stylesheet names. Resources under
    the authoring tool's ``player`` folders are also listed apart (``player_resources``)."""
    by_unit: dict[str, Mapping[str, Any]] = {}
    for run in browser.get("pages", []):
        by_unit.setdefault(parse_qs(urlsplit(run.get("url", "")).query).get("id", [""])[0], run)
    for page in pages:
        run = by_unit.get(page.get("id") or "", {})
        load_ms = run.get("load_ms")
        if not load_ms or run.get("error"):
            continue
        loaded = [
            r
            for r in run.get("resources", [])
            if (r.get("response_end_ms") or 0) <= load_ms
            and r.get("type") not in MEDIA_INITIATORS
            and r.get("status", 200) < 400
        ]
        page["browser_load"] = {
            "doc_bytes": run.get("doc_bytes") or 0,
            "resources": [r["transfer_bytes"] for r in loaded],
            "player_resources": [r["transfer_bytes"] for r in loaded if in_player(r.get("name") or "", player)],
        }


# References a page does not load by itself: links the learner may follow, script strings.
NOT_LOADED = (LINK, JS_ABSOLUTE, SCRIPT_CANDIDATE)


STALLS = ("too-slow", "timeout")  # a launch page the server did not answer in time


def not_waited_for(unit: Mapping[str, Any], url: str, stalled: Mapping[str, Any]) -> dict[str, Any]:
    """A launch page not requested because the server already stalled on another: reported with that
    cause, so a stalling server costs one wait, not one per page."""
    reason = stalled["message"].split(": ", 1)[-1]
    return {
        "id": unit["id"],
        "title": unit["title"],
        "launch": unit["launch"],
        "url": url,
        "tls": urlsplit(url).scheme == "https",
        "loaded": False,
        "external_hosts": [],
        "not_waited_for": True,
        "requests": [
            {
                "url": url,
                "path": unit["launch"],
                "kind": "document",
                "bytes": 0,
                "complete": False,
                "error": {
                    "kind": stalled["kind"],
                    "message": f"not waited for: the server stalled on {stalled['launch']} ({reason})",
                },
            }
        ],
    }


def lesson_starts(
    units: list[dict[str, Any]],
    browser: Mapping[str, Any],
    waited_s: float,
    course_units: Sequence[Mapping[str, Any]] = (),
) -> list[dict[str, Any]]:
    """Each lesson the browser ran: whether it started tracking, so that no later pass waits for a
    lesson that never starts a second time. When the pass stopped awaiting lessons that all failed
    to start the same way, every other lesson of the course is reported with that reason too."""
    by_unit = {parse_qs(urlsplit(run.get("url", "")).query).get("id", [""])[0]: run for run in browser.get("pages", [])}
    starts = []
    gave_up = ""
    for unit in units:
        run = by_unit.get(unit["id"])
        if not run or run.get("error"):
            continue
        start = {"id": unit["id"], "launch": unit["launch"], "initialized": bool(run.get("initialized"))}
        if run.get("not_awaited"):
            gave_up = run["not_awaited"]
            starts.append({**start, "waited_s": 0.0, "not_awaited": gave_up})
        else:
            starts.append({**start, "waited_s": float(waited_s)})
    if gave_up:
        seen = {s["id"] for s in starts}
        starts.extend(
            {"id": u["id"], "launch": u["launch"], "initialized": False, "waited_s": 0.0, "not_awaited": gave_up}
            for u in course_units
            if u["id"] not in seen
        )
    return starts


def waterfall(pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per page, each request's start, time to first byte and transfer: the report's waterfall."""
    return [
        {
            "launch": p["launch"],
            "requests": [
                {
                    "path": r.get("path"),
                    "start_ms": r.get("start_ms", 0),
                    "ttfb_ms": r.get("ttfb_ms"),
                    "transfer_ms": r.get("transfer_ms"),
                    "bytes": r.get("bytes", 0),
                    "kind": r["kind"],
                    "status": r.get("status"),
                }
                for r in p["requests"]
                if r["kind"] != "media"
            ],
        }
        for p in pages
    ]


def reported_missing(
    browser: Mapping[str, Any], references: Sequence[Mapping[str, Any]], package: Mapping[str, Any]
) -> list[str]:
    """Files the running lessons asked for and got 404, that the package lacks and its pages name:
    conformance reports each once as a missing reference, so the runtime rules do not again. A 404
    for a file no page names (a request built at run time) stays the runtime rules' own finding."""
    named = {r["resolved"] for r in references if r.get("scheme") == "" and r.get("resolved")}
    failed = {
        unquote(urlsplit(r["url"]).path.lstrip("/"))
        for run in browser.get("pages", [])
        for r in run.get("failed_requests", [])
        if r.get("status") == 404
    }
    return sorted(path for path in failed & named if path not in package)
