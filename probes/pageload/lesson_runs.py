"""What the browser saw when each lesson ran, read for the runtime rules: lessons paired with their browser pages, failed requests, and the cause and remedy when a lesson does not start."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from certifier.policy.findings import Evidence

# Resource Timing initiators whose failure costs a picture or a glyph, not the lesson.
COSMETIC_INITIATORS = ("css", "img", "image", "input")
# Blocked request types (Qt's resource types) without which a page's code or layout breaks.
ESSENTIAL_BLOCKED = ("Script", "Stylesheet", "Xhr", "SubFrame", "MainFrame", "Media", "Object", "Worker")
CODE_BLOCKED = ("Script", "Xhr", "SubFrame", "Worker", "Object")
IGNORED_PATHS = ("/favicon.ico",)
LMS_PATHS = ("/__lms__/", "/__lrs__/")  # asked for by the browser itself, not by the course


def lesson_evidence(page: Mapping[str, Any], note: str | None = None) -> Evidence:
    return Evidence(url=page["url"], path=page.get("launch"), note=note)


# (static page, browser page) of each lesson the browser ran.
Pairs = list[tuple[Mapping[str, Any], Mapping[str, Any]]]


def paired(evidence: Mapping[str, Any]) -> Pairs:
    """(static page, browser page) per lesson; the browser ran the units in the same order."""
    browser_pages = evidence["browser"].get("pages", [])
    by_id: dict[str, Mapping[str, Any]] = {}
    for page in browser_pages:
        unit = parse_qs(urlsplit(page.get("url", "")).query).get("id", [""])[0]
        by_id.setdefault(unit, page)
    ran = evidence.get("browser_units")  # the representative sample; absent in older evidence: every page
    # A lesson whose launch file the package lacks is conformance.launch-file's, not judged again here.
    return [
        (page, by_id.get(page["id"], {}))
        for page in evidence["pages"]
        if (ran is None or page["id"] in ran) and page.get("in_package") is not False
    ]


def short_url(url: str) -> str:
    parts = urlsplit(url)
    return parts.path.lstrip("/") or url


def failed_requests(run: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Requests of the course that failed; the LMS's and LRS's own answers (a 404 for a state
    document the course has not written yet is how xAPI says 'none') are not failures."""
    return [
        r
        for r in run.get("failed_requests", [])
        if urlsplit(r["url"]).path not in IGNORED_PATHS and not urlsplit(r["url"]).path.startswith(LMS_PATHS)
    ]


def cause(run: Mapping[str, Any], evidence: Mapping[str, Any]) -> tuple[str, str]:
    """Why a lesson did not initialise, and the kind of fix: tracking, host, missing, error, silent
    (or not-awaited: the lessons before it failed the same way, and their cause stands for it)."""
    if run.get("not_awaited"):
        return str(run["not_awaited"]), "not-awaited"
    tracking_off = [s for s in evidence.get("tool_settings") or [] if s["setting"] == "tracking" and not s["enabled"]]
    blocked = [b for b in run.get("blocked_requests", []) if b.get("type") in ESSENTIAL_BLOCKED]
    hosts = sorted({b["host"] for b in blocked})
    errors = [e for e in run.get("console_errors", []) if not e.get("on_leave")]
    missing = [r for r in failed_requests(run) if r["type"] not in COSMETIC_INITIATORS]
    if tracking_off:
        setting = tracking_off[0]
        return (
            f"tracking is off in {setting['path']} ({setting['name']}): the course never looks for the LMS",
            "tracking",
        )
    error = f"the page threw {thrown(errors[0])}" if errors else ""
    code_hosts = sorted({b["host"] for b in blocked if b.get("type") in CODE_BLOCKED})
    if code_hosts:  # a script or data the page needed never came
        return _host_cause(error, code_hosts), "host"
    if missing:
        listed = ", ".join(f"{short_url(r['url'])} ({r['status']})" for r in missing[:3])
        return (f"{error + ' after ' if error else ''}requests failed: {listed}", "missing")
    if error:
        return error + (f" ({', '.join(hosts)} could not be reached)" if hosts else ""), "error"
    if hosts:
        return _host_cause("", hosts), "host"
    pressed = (run.get("started_by") or {}).get("name")
    on_leave = [e for e in run.get("console_errors", []) if e.get("on_leave")]
    return (
        (
            f"no error was seen, but it never started tracking (no Initialize call, no statement) within "
            f"{evidence.get('init_timeout_s', 20):g} s"
            + (f", its start control '{pressed}' pressed" if pressed else "")
            + (f" (closed, it threw {thrown(on_leave[0])})" if on_leave else "")
        ),
        "silent",
    )


def thrown(error: Mapping[str, Any]) -> str:
    """A script error as the author finds it: its message, and the served file and line that threw it."""
    message = f"`{str(error.get('message', '')).removeprefix('Uncaught ')}`"
    source = str(error.get("source") or "")
    if source.startswith(("http://", "https://")) and error.get("line"):
        return f"{message} ({short_url(source)}:{error['line']})"
    return message


def _host_cause(error: str, hosts: list[str]) -> str:
    return (
        (f"{error} after " if error else "") + f"{', '.join(hosts)} could not be reached: the course needs "
        f"{'that host' if len(hosts) == 1 else 'those hosts'} at run time"
    )


def remediation_for(kinds: set[str], evidence: Mapping[str, Any], runs: list[Mapping[str, Any]]) -> str:
    tool = (evidence.get("authoring_tool") or {}).get("label") or "the authoring tool"
    fixes = []
    if "tracking" in kinds:
        setting = next(
            s for s in evidence.get("tool_settings") or [] if s["setting"] == "tracking" and not s["enabled"]
        )
        fixes.append(f"In {tool}, {setting['fix']}.")
    if "host" in kinds:
        hosts = sorted(
            {b["host"] for r in runs for b in r.get("blocked_requests", []) if b.get("type") in ESSENTIAL_BLOCKED}
        )
        fixes.append(
            f"Bundle what {', '.join(hosts)} serves into the package, or ask IT to allow "
            f"{'that host' if len(hosts) == 1 else 'those hosts'} for every learner."
        )
    if "missing" in kinds:
        fixes.append("Add the files the lesson requests (see pageload.runtime-requests) and publish again.")
    if "error" in kinds:
        fixes.append("Fix the script error shown (open the lesson with the browser's developer tools).")
    if "silent" in kinds:
        fixes.append(
            f"Publish from {tool} for an LMS with SCORM tracking on; the lesson must call Initialize "
            '("") (LMSInitialize for SCORM 1.2) when it loads.'
        )
    return " ".join(fixes)
