"""Pure runtime rules: what happened when each lesson ran in a learner-sized, visible browser page.

A lesson that never calls Initialize gets its *cause* in the finding, from what the browser saw:
the tool's tracking switched off, a script error, a host the course needs at run time (blocked
here: the runtime pass contacts only the staging server), files it requested that are missing,
or nothing at all. The remediation follows the cause. Requests that failed are graded as the
static reference rules grade missing files; a lesson that renders nothing is a blocker. A rule
that observed nothing (no SCO, none initialised) is skipped with the reason, never passed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

from certifier.policy.findings import Evidence, Finding, Severity, Status, counted, quantity
from certifier.policy.rules import Rule

from .lesson_runs import (
    COSMETIC_INITIATORS,
    Pairs,
    cause,
    failed_requests,
    lesson_evidence,
    paired,
    remediation_for,
    short_url,
)
from .xapi_rules import CMI5_SEQUENCE, XAPI_ACTIVITY, XAPI_STATEMENTS, xapi_findings

BROWSER_LOAD = Rule(
    "pageload.browser-load",
    "Real-browser load of each lesson",
    "Lessons fail to load in a real browser",
    Severity.INFO,
    remediation="Open the lesson in a browser's developer tools to see why it does not load.",
    it_risk="Support: what fails here fails for learners.",
)
RUNTIME_INITIALIZE = Rule(
    "pageload.runtime-initialize",
    "Each SCO initialises its LMS session",
    "SCOs do not initialise their LMS session",
    Severity.MAJOR,
    remediation='Call Initialize("") (LMSInitialize for SCORM 1.2) when the lesson loads.',
    it_risk="Support: no learner record is created; completions never reach the LMS.",
    consequence_of=(
        *("conformance.content-page-missing", "conformance.launch-file", "conformance.course-data-missing"),
        "conformance.tracking-disabled",
    ),
)
RUNTIME_TERMINATE = Rule(
    "pageload.runtime-terminate",
    "Each SCO terminates its LMS session",
    "SCOs do not terminate their LMS session",
    Severity.MAJOR,
    remediation='Call Commit and Terminate("") (LMSFinish for SCORM 1.2) on pagehide/unload.',
    it_risk="Support: lost learner records — progress and completions are not saved.",
)
RUNTIME_RENDER = Rule(
    "pageload.runtime-render",
    "Each lesson shows content",
    "A lesson renders nothing",
    Severity.BLOCKER,
    remediation="Publish the lesson again with every file it loads; open it in a browser to confirm it shows.",
    it_risk="Support: learners see an empty page; every one of them calls the helpdesk.",
    consequence_of=("conformance.content-page-missing", "conformance.launch-file", "conformance.course-data-missing"),
)
RUNTIME_REQUESTS = Rule(
    "pageload.runtime-requests",
    "Requests a running lesson makes succeed",
    "Requests fail while lessons run",
    Severity.MAJOR,
    remediation="Add the files the lesson requests, or correct the paths its scripts build, and publish again.",
    it_risk="Support: broken scripts, data or media in the lesson; learners report a broken course.",
    consequence_of=("conformance.content-page-missing", "conformance.launch-file", "conformance.course-data-missing"),
)
RUNTIME_STYLE_REQUESTS = Rule(
    "pageload.runtime-style-requests",
    "Images and fonts a running lesson asks for exist",
    "Images or fonts missing while lessons run",
    Severity.MINOR,
    remediation="Add the images or fonts, or remove the references to them.",
    it_risk="Support: an icon, background or font looks wrong.",
)
RUNTIME_HOSTS = Rule(
    "pageload.runtime-hosts",
    "Hosts a running lesson contacts",
    "Lessons contact other hosts at run time",
    Severity.INFO,
    remediation="Ask IT to allow these hosts through the proxy for learners, or bundle what they serve into "
    "the package.",
    it_risk="Network: each host must be reachable from every site, or the parts of the lesson it serves fail.",
)


def runtime_rules(evidence: Mapping[str, Any]) -> list[Finding]:
    browser = evidence["browser"]
    rules = (
        BROWSER_LOAD,
        RUNTIME_INITIALIZE,
        RUNTIME_TERMINATE,
        RUNTIME_RENDER,
        RUNTIME_REQUESTS,
        RUNTIME_STYLE_REQUESTS,
        RUNTIME_HOSTS,
        CMI5_SEQUENCE,
        XAPI_STATEMENTS,
        XAPI_ACTIVITY,
    )
    if browser.get("skipped"):
        return [
            rule.finding(
                Status.SKIPPED,
                f"Not measured: {browser['skipped']}",
                it_risk="What this rule checks was not verified in a browser.",
            )
            for rule in rules
        ]
    pairs = paired(evidence)
    return [
        load_finding(browser, pairs, evidence.get("lessons")),
        *session_findings(evidence, pairs),
        render_finding(pairs),
        *request_findings(pairs, set(evidence.get("reported_missing") or ())),
        *xapi_findings(evidence, pairs),
    ]


def lesson_sample(lessons: Mapping[str, Any] | None) -> str:
    """How the lessons run in the browser were chosen, when not every lesson ran: an explicit rule."""
    if not lessons:
        return ""
    parts = []
    ran = lessons.get("in_browser", lessons["checked"])
    if ran < lessons["checked"]:
        parts.append(
            f"a representative sample of the {lessons['checked']} checked: the first, the last and evenly "
            f"spread ones; pageload.browser_lessons is {lessons['browser_limit']}, 0 runs them all"
        )
    if lessons["checked"] < lessons["total"]:
        parts.append(
            f"the first {lessons['checked']} of {lessons['total']} lessons: pageload.max_pages is {lessons['limit']}"
        )
    return f" ({'; '.join(parts)}; every lesson was checked statically)" if parts else ""


def load_finding(browser: Mapping[str, Any], pairs: Pairs, lessons: Mapping[str, Any] | None = None) -> Finding:
    runs = [run for _, run in pairs if run and not run.get("not_awaited")]
    unawaited = sum(1 for _, run in pairs if run.get("not_awaited"))
    failed = [(f"{page['launch']}: {run['error']}", lesson_evidence(page)) for page, run in pairs if run.get("error")]
    slowest = max((run.get("load_ms") or 0 for run in runs), default=0)
    loaded_mb = max((run.get("bytes_by_load") or 0 for run in runs), default=0) / 1024 / 1024
    width, height = browser.get("viewport") or (1280, 800)
    sample = lesson_sample(lessons)
    return BROWSER_LOAD.outcome(
        failed,
        f"{counted(len(runs), 'lesson')}{sample} ran in Qt WebEngine in a visible {width}×{height} page "
        f"({browser.get('parallel', 1)} at once); slowest load event at {quantity(slowest, 'ms')}, at most "
        f"{quantity(loaded_mb, 'MB')} loaded by then."
        + (
            f" {counted(unawaited, 'more lesson')} of the sample not awaited: those run failed to start the same way."
            if unawaited
            else ""
        ),
        measured=slowest,
        unit="ms",
        details={
            "lessons": [
                {
                    "launch": page["launch"],
                    "load_ms": run.get("load_ms"),
                    "init_ms": run.get("init_ms"),
                    "bytes_by_load": run.get("bytes_by_load"),
                    "bytes_total": run.get("bytes_total"),
                }
                for page, run in pairs
                if run
            ]
        },
    )


def _called(entries: Iterable[Mapping[str, Any]], *names: str) -> bool:
    return any(e.get("fn") in names and e.get("result") == "true" for e in entries)


def session_findings(evidence: Mapping[str, Any], pairs: Pairs) -> list[Finding]:
    by_sco: dict[str, list[Mapping[str, Any]]] = {}
    for entry in evidence.get("runtime_log", []):
        by_sco.setdefault(entry.get("sco", ""), []).append(entry)
    scos = [(page, run) for page, run in pairs if page.get("scorm")]
    if not scos:
        launched = {lu["kind"] for lu in (evidence.get("lrs") or {}).get("launches", [])}
        reason = "the package has no SCORM lesson (SCOs)" + (
            f"; its {' and '.join(sorted(launched))} launches are judged by the statement rules" if launched else ""
        )
        return [
            rule.finding(Status.SKIPPED, f"Not observed: {reason}.") for rule in (RUNTIME_INITIALIZE, RUNTIME_TERMINATE)
        ]
    no_init, kinds, no_term, started, on_press = [], set(), [], 0, []
    for page, run in scos:
        entries = by_sco.get(page["id"], [])
        if not _called(entries, "Initialize", "LMSInitialize"):
            text, kind = cause(run, evidence) if run else ("the lesson did not run", "error")
            kinds.add(kind)
            no_init.append((f"{page['launch']} never called Initialize: {text}", lesson_evidence(page)))
            continue
        started += 1
        if run and (run.get("started_by") or {}).get("name"):
            on_press.append(f"{page['launch']} ('{run['started_by']['name']}')")
        if not _called(entries, "Terminate", "LMSFinish"):
            no_term.append((f"{page['launch']} never called Terminate/LMSFinish", lesson_evidence(page)))
    initialize = RUNTIME_INITIALIZE.outcome(
        no_init,
        f"{started} of {len(scos)} SCOs called Initialize"
        + (
            f"; {len(on_press)} only once its start control was pressed, as a learner does: {', '.join(on_press[:3])}."
            if on_press
            else "."
        ),
        remediation=remediation_for(kinds, evidence, [run for _, run in scos]) or None,
        details={"causes": sorted(kinds)},
    )
    if not started:
        skipped = "no SCO initialised, so there was no session to end or report on"
        return [initialize, RUNTIME_TERMINATE.finding(Status.SKIPPED, f"Not observed: {skipped}.")]
    # Completion is judged over a learner's whole session (session.completion), not on the first screen.
    return [initialize, RUNTIME_TERMINATE.outcome(no_term, f"All {started} SCOs that initialised also terminated.")]


EXTERNAL_FRAMES = ("MainFrame", "SubFrame")  # blocked requests that were a frame's document


def render_finding(pairs: Pairs) -> Finding:
    """Nothing shown (no text, no image, canvas or video, no large start button in any of the lesson's frames) after the
    settle time. With a failed request or a script error it is a blocker; with no error seen it is a
    warning (a launcher that opens its own window shows nothing here too). A frame whose document
    answered 4xx/5xx shows the server's error page: its text is not content (a SCORM driver whose
    content frame 404s still 'shows text'), and beside real content it is a major finding."""
    blank, quiet, broken_frames, elsewhere = [], [], [], []
    for page, run in pairs:
        shown = run.get("rendered") or {}
        errors = shown.get("error_frames") or []
        if errors and (shown.get("text_chars") or shown.get("media")):
            # A frame of the lesson shows the server's error page beside content that did load.
            why = ", ".join(f"{short_url(f['url'])} ({f['status']})" for f in errors[:5])
            broken_frames.append(
                (f"{page['launch']}: a frame shows an error page, not content: {why}", lesson_evidence(page))
            )
            continue
        if not shown or shown.get("text_chars") or shown.get("media") or shown.get("start_buttons"):
            continue  # a large start button shows too: the learner presses it (the session walk does)
        failures = [r for r in failed_requests(run) if r["type"] not in COSMETIC_INITIATORS]
        if failures or run.get("console_errors"):
            why = (
                ", ".join(f"{short_url(r['url'])} ({r['status']})" for r in failures[:5])
                or run["console_errors"][0]["message"]
            )
            blank.append((f"{page['launch']} renders nothing: {why}", lesson_evidence(page)))
        elif frames := sorted({b["host"] for b in run.get("blocked_requests", []) if b.get("type") in EXTERNAL_FRAMES}):
            # Its content is a page on another host (a SCORM driver wrapping a Vimeo or web page):
            # this run contacts loopback only, so what shows there is judged where that host is reached.
            elsewhere.append(
                (
                    (
                        f"{page['launch']} shows a page from {', '.join(frames)}, which this run does not "
                        "contact (see pageload.runtime-hosts): not judged here"
                    ),
                    lesson_evidence(page),
                )
            )
        else:
            quiet.append((f"{page['launch']} renders nothing and shows no error", lesson_evidence(page)))
    if blank:
        return RUNTIME_RENDER.outcome(blank + quiet + broken_frames, "")
    if broken_frames:
        return RUNTIME_RENDER.outcome(broken_frames + quiet, "", severity=Severity.MAJOR)
    if elsewhere and not quiet:
        # The content is outside the package: certification covers its wrapper only (CONDITIONAL).
        return RUNTIME_RENDER.outcome(
            elsewhere,
            "",
            fail_status=Status.WARN,
            severity=Severity.MINOR,
            remediation="Open the lesson where that host is reachable to confirm it shows, and ask IT to allow the "
            "host for learners; or bring the content into the package, where it can be checked.",
        )
    return RUNTIME_RENDER.outcome(
        quiet + elsewhere,
        "Every lesson shows text or images once it has run.",
        fail_status=Status.WARN,
        severity=Severity.MAJOR if quiet else None,
    )


def request_findings(pairs: Pairs, reported_missing: frozenset[str] | set[str] = frozenset()) -> list[Finding]:
    """Failed requests of the running lessons; a 404 for a file the package lacks and a page names
    is conformance's missing reference (``reported_missing``), not counted here again."""
    essential: list[tuple[str, Evidence]] = []
    cosmetic: list[tuple[str, Evidence]] = []
    hosts: dict[str, list[tuple[Mapping[str, Any], Mapping[str, Any]]]] = {}
    known: dict[str, set[str]] = {"essential": set(), "cosmetic": set()}  # 404s conformance already reports
    for page, run in pairs:
        for request in failed_requests(run):
            kind = "cosmetic" if request["type"] in COSMETIC_INITIATORS else "essential"
            path = unquote(urlsplit(request["url"]).path.lstrip("/"))
            if request.get("status") == 404 and path in reported_missing:
                known[kind].add(path)
                continue
            note = f"{page['launch']}: {request['type']} {short_url(request['url'])} answered {request['status']}"
            target = cosmetic if kind == "cosmetic" else essential
            target.append((note, Evidence(url=request["url"], path=page["launch"], note=note)))
        for blocked in run.get("blocked_requests", []):
            hosts.setdefault(blocked["host"], []).append((page, blocked))
    host_problems = [
        (
            (
                f"{host}: {', '.join(sorted({b['type'] for _, b in uses}))} for "
                f"{', '.join(sorted({p['launch'] for p, _ in uses}))}"
            ),
            Evidence(url=uses[0][1]["url"], path=uses[0][0]["launch"]),
        )
        for host, uses in sorted(hosts.items())
    ]
    return [
        RUNTIME_REQUESTS.outcome(
            essential,
            _but_known(
                "Every script, data, page and media request of the running lessons succeeded", known["essential"]
            ),
            count_prefix=True,
        ),
        RUNTIME_STYLE_REQUESTS.outcome(
            cosmetic,
            _but_known("Every image and font the running lessons asked for was there", known["cosmetic"]),
            count_prefix=True,
        ),
        RUNTIME_HOSTS.outcome(
            host_problems,
            "The lessons contacted no host but the LMS while they ran.",
            fail_status=Status.WARN,
            details={"hosts": sorted(hosts)},
        ),
    ]


def _but_known(passed: str, known: set[str]) -> str:
    """A pass that names the requests it left to conformance.missing-reference, never hides them."""
    if not known:
        return passed + "."
    listed = ", ".join(sorted(known)[:3]) + (f" and {len(known) - 3} more" if len(known) > 3 else "")
    return (
        f"{passed}, but for {counted(len(known), 'file')} the package lacks, answered 404 "
        f"({listed}): conformance.missing-reference reports {'it' if len(known) == 1 else 'them'}."
    )
