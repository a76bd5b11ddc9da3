"""Pure runtime rules: what happened when each lesson ran in a learner-sized, visible browser page.

A lesson that never calls Initialize gets its *cause* in the finding, from what the browser saw:
the tool's tracking switched off, a script error, a host the course needs at run time (blocked
here: the runtime pass contacts only the staging server), files it requested that are missing,
or nothing at all. The remediation follows the cause. Requests that failed are graded as the
static reference rules grade missing files; a lesson that renders nothing is a blocker. A rule
that observed nothing (no SCO, none initialised) is skipped with the reason, never passed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from certifier.policy.findings import Evidence, Finding, Severity, Status, quantity, counted
from certifier.policy.rules import Rule

# Resource Timing initiators whose failure costs a picture or a glyph, not the lesson.
COSMETIC_INITIATORS = ("css", "img", "image", "input")
# Blocked request types (Qt's resource types) without which a page's code or layout breaks.
ESSENTIAL_BLOCKED = ("Script", "Stylesheet", "Xhr", "SubFrame", "MainFrame", "Media", "Object", "Worker")
CODE_BLOCKED = ("Script", "Xhr", "SubFrame", "Worker", "Object")
IGNORED_PATHS = ("/favicon.ico",)
LMS_PATHS = ("/__lms__/", "/__lrs__/")  # asked for by the browser itself, not by the course

BROWSER_LOAD = Rule(
    "pageload.browser-load", "Real-browser load of each lesson",
    "Lessons fail to load in a real browser", Severity.INFO,
    remediation="Open the lesson in a browser's developer tools to see why it does not load.",
    it_risk="Support: what fails here fails for learners.")
RUNTIME_INITIALIZE = Rule(
    "pageload.runtime-initialize", "Each SCO initialises its LMS session",
    "SCOs do not initialise their LMS session", Severity.MAJOR,
    remediation='Call Initialize("") (LMSInitialize for SCORM 1.2) when the lesson loads.',
    it_risk="Support: no learner record is created; completions never reach the LMS.")
RUNTIME_TERMINATE = Rule(
    "pageload.runtime-terminate", "Each SCO terminates its LMS session",
    "SCOs do not terminate their LMS session", Severity.MAJOR,
    remediation='Call Commit and Terminate("") (LMSFinish for SCORM 1.2) on pagehide/unload.',
    it_risk="Support: lost learner records — progress and completions are not saved.")
RUNTIME_RENDER = Rule(
    "pageload.runtime-render", "Each lesson shows content", "A lesson renders nothing", Severity.BLOCKER,
    remediation="Publish the lesson again with every file it loads; open it in a browser to confirm it shows.",
    it_risk="Support: learners see an empty page; every one of them calls the helpdesk.")
RUNTIME_REQUESTS = Rule(
    "pageload.runtime-requests", "Requests a running lesson makes succeed",
    "Requests fail while lessons run", Severity.MAJOR,
    remediation="Add the files the lesson requests, or correct the paths its scripts build, and publish again.",
    it_risk="Support: broken scripts, data or media in the lesson; learners report a broken course.")
RUNTIME_STYLE_REQUESTS = Rule(
    "pageload.runtime-style-requests", "Images and fonts a running lesson asks for exist",
    "Images or fonts missing while lessons run", Severity.MINOR,
    remediation="Add the images or fonts, or remove the references to them.",
    it_risk="Support: an icon, background or font looks wrong.")
RUNTIME_HOSTS = Rule(
    "pageload.runtime-hosts", "Hosts a running lesson contacts", "Lessons contact other hosts at run time",
    Severity.INFO,
    remediation="Ask IT to allow these hosts through the proxy for learners, or bundle what they serve into "
                "the package.",
    it_risk="Network: each host must be reachable from every site, or the parts of the lesson it serves fail.")


def _evidence(page: Mapping[str, Any], note: str | None = None) -> Evidence:
    return Evidence(url=page["url"], path=page.get("launch"), note=note)


def paired(evidence: Mapping[str, Any]) -> list[tuple[Mapping[str, Any], Mapping[str, Any]]]:
    """(static page, browser page) per lesson; the browser ran the units in the same order."""
    browser_pages = evidence["browser"].get("pages", [])
    by_id: dict[str, Mapping[str, Any]] = {}
    for page in browser_pages:
        unit = parse_qs(urlsplit(page.get("url", "")).query).get("id", [""])[0]
        by_id.setdefault(unit, page)
    ran = evidence.get("browser_units")  # the representative sample; absent in older evidence: every page
    return [(page, by_id.get(page["id"], {})) for page in evidence["pages"] if ran is None or page["id"] in ran]


def _short(url: str) -> str:
    parts = urlsplit(url)
    return parts.path.lstrip("/") or url


def failed_requests(run: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Requests of the course that failed; the LMS's and LRS's own answers (a 404 for a state
    document the course has not written yet is how xAPI says 'none') are not failures."""
    return [r for r in run.get("failed_requests", []) if urlsplit(r["url"]).path not in IGNORED_PATHS
            and not urlsplit(r["url"]).path.startswith(LMS_PATHS)]


def cause(run: Mapping[str, Any], evidence: Mapping[str, Any]) -> tuple[str, str]:
    """Why a lesson did not initialise, and the kind of fix: tracking, host, missing, error, silent."""
    tracking_off = [s for s in evidence.get("tool_settings") or [] if s["setting"] == "tracking" and not s["enabled"]]
    blocked = [b for b in run.get("blocked_requests", []) if b.get("type") in ESSENTIAL_BLOCKED]
    hosts = sorted({b["host"] for b in blocked})
    errors = run.get("console_errors", [])
    missing = [r for r in failed_requests(run) if r["type"] not in COSMETIC_INITIATORS]
    if tracking_off:
        setting = tracking_off[0]
        return (f"tracking is off in {setting['path']} ({setting['name']}): the course never looks for the LMS",
                "tracking")
    error = f"the page threw `{errors[0]['message'].removeprefix('Uncaught ')}`" if errors else ""
    code_hosts = sorted({b["host"] for b in blocked if b.get("type") in CODE_BLOCKED})
    if code_hosts:  # a script or data the page needed never came
        return _host_cause(error, code_hosts), "host"
    if missing:
        listed = ", ".join(f"{_short(r['url'])} ({r['status']})" for r in missing[:3])
        return (f"{error + ' after ' if error else ''}requests failed: {listed}", "missing")
    if error:
        return error + (f" ({', '.join(hosts)} could not be reached)" if hosts else ""), "error"
    if hosts:
        return _host_cause("", hosts), "host"
    return (f"no error was seen, but it never started tracking (no Initialize call, no statement) within "
            f"{evidence.get('init_timeout_s', 20):g} s", "silent")


def _host_cause(error: str, hosts: list[str]) -> str:
    return (f"{error} after " if error else "") + f"{', '.join(hosts)} could not be reached: the course needs " \
           f"{'that host' if len(hosts) == 1 else 'those hosts'} at run time"


def remediation_for(kinds: set[str], evidence: Mapping[str, Any], runs: list[Mapping[str, Any]]) -> str:
    tool = (evidence.get("authoring_tool") or {}).get("label") or "the authoring tool"
    fixes = []
    if "tracking" in kinds:
        setting = next(s for s in evidence.get("tool_settings") or [] if s["setting"] == "tracking" and not s["enabled"])
        fixes.append(f"In {tool}, {setting['fix']}.")
    if "host" in kinds:
        hosts = sorted({b["host"] for r in runs for b in r.get("blocked_requests", []) if b.get("type") in ESSENTIAL_BLOCKED})
        fixes.append(f"Bundle what {', '.join(hosts)} serves into the package, or ask IT to allow "
                     f"{'that host' if len(hosts) == 1 else 'those hosts'} for every learner.")
    if "missing" in kinds:
        fixes.append("Add the files the lesson requests (see pageload.runtime-requests) and publish again.")
    if "error" in kinds:
        fixes.append("Fix the script error shown (open the lesson with the browser's developer tools).")
    if "silent" in kinds:
        fixes.append(f"Publish from {tool} for an LMS with SCORM tracking on; the lesson must call Initialize "
                     '("") (LMSInitialize for SCORM 1.2) when it loads.')
    return " ".join(fixes)


def runtime_rules(evidence: Mapping[str, Any]) -> list[Finding]:
    browser = evidence["browser"]
    rules = (BROWSER_LOAD, RUNTIME_INITIALIZE, RUNTIME_TERMINATE, RUNTIME_RENDER, RUNTIME_REQUESTS,
             RUNTIME_STYLE_REQUESTS, RUNTIME_HOSTS, CMI5_SEQUENCE, XAPI_STATEMENTS, XAPI_ACTIVITY)
    if browser.get("skipped"):
        return [rule.finding(Status.SKIPPED, f"Not measured: {browser['skipped']}",
                             it_risk="What this rule checks was not verified in a browser.") for rule in rules]
    pairs = paired(evidence)
    return [load_finding(browser, pairs, evidence.get("lessons")), *session_findings(evidence, pairs), render_finding(pairs),
            *request_findings(pairs), *xapi_findings(evidence, pairs)]


def lesson_sample(lessons: Mapping[str, Any] | None) -> str:
    """How the lessons run in the browser were chosen, when not every lesson ran: an explicit rule."""
    if not lessons:
        return ""
    parts = []
    ran = lessons.get("in_browser", lessons["checked"])
    if ran < lessons["checked"]:
        parts.append(f"a representative sample of the {lessons['checked']} checked: the first, the last and evenly "
                     f"spread ones; pageload.browser_lessons is {lessons['browser_limit']}, 0 runs them all")
    if lessons["checked"] < lessons["total"]:
        parts.append(f"the first {lessons['checked']} of {lessons['total']} lessons: pageload.max_pages is "
                     f"{lessons['limit']}")
    return f" ({'; '.join(parts)}; every lesson was checked statically)" if parts else ""


def load_finding(browser: Mapping[str, Any], pairs, lessons: Mapping[str, Any] | None = None) -> Finding:
    runs = [run for _, run in pairs if run]
    failed = [(f"{page['launch']}: {run['error']}", _evidence(page)) for page, run in pairs if run.get("error")]
    slowest = max((run.get("load_ms") or 0 for run in runs), default=0)
    loaded_mb = max((run.get("bytes_by_load") or 0 for run in runs), default=0) / 1024 / 1024
    width, height = browser.get("viewport") or (1280, 800)
    sample = lesson_sample(lessons)
    return BROWSER_LOAD.outcome(
        failed, f"{counted(len(runs), 'lesson')}{sample} ran in Qt WebEngine in a visible {width}×{height} page "
        f"({browser.get('parallel', 1)} at once); slowest load event at {quantity(slowest, 'ms')}, at most "
        f"{quantity(loaded_mb, 'MB')} loaded by then.", measured=slowest, unit="ms",
        details={"lessons": [{"launch": page["launch"], "load_ms": run.get("load_ms"), "init_ms": run.get("init_ms"),
                              "bytes_by_load": run.get("bytes_by_load"), "bytes_total": run.get("bytes_total")}
                             for page, run in pairs if run]})


def _called(entries, *names) -> bool:
    return any(e.get("fn") in names and e.get("result") == "true" for e in entries)


def session_findings(evidence: Mapping[str, Any], pairs) -> list[Finding]:
    by_sco: dict[str, list[Mapping[str, Any]]] = {}
    for entry in evidence.get("runtime_log", []):
        by_sco.setdefault(entry.get("sco", ""), []).append(entry)
    scos = [(page, run) for page, run in pairs if page.get("scorm")]
    if not scos:
        launched = {lu["kind"] for lu in (evidence.get("lrs") or {}).get("launches", [])}
        reason = ("the package has no SCORM lesson (SCOs)" + (f"; its {' and '.join(sorted(launched))} launches are "
                  "judged by the statement rules" if launched else ""))
        return [rule.finding(Status.SKIPPED, f"Not observed: {reason}.")
                for rule in (RUNTIME_INITIALIZE, RUNTIME_TERMINATE)]
    no_init, kinds, no_term, started = [], set(), [], 0
    for page, run in scos:
        entries = by_sco.get(page["id"], [])
        if not _called(entries, "Initialize", "LMSInitialize"):
            text, kind = cause(run, evidence) if run else ("the lesson did not run", "error")
            kinds.add(kind)
            no_init.append((f"{page['launch']} never called Initialize: {text}", _evidence(page)))
            continue
        started += 1
        if not _called(entries, "Terminate", "LMSFinish"):
            no_term.append((f"{page['launch']} never called Terminate/LMSFinish", _evidence(page)))
    initialize = RUNTIME_INITIALIZE.outcome(
        no_init, f"{started} of {len(scos)} SCOs called Initialize.",
        remediation=remediation_for(kinds, evidence, [run for _, run in scos]) or None,
        details={"causes": sorted(kinds)})
    if not started:
        skipped = "no SCO initialised, so there was no session to end or report on"
        return [initialize, RUNTIME_TERMINATE.finding(Status.SKIPPED, f"Not observed: {skipped}.")]
    # Completion is judged over a learner's whole session (session.completion), not on the first screen.
    return [initialize, RUNTIME_TERMINATE.outcome(no_term, f"All {started} SCOs that initialised also terminated.")]


def render_finding(pairs) -> Finding:
    """Nothing shown (no text, no image, canvas or video in any of the lesson's frames) after the
    settle time. With a failed request or a script error it is a blocker; with no error seen it is a
    warning (a launcher that opens its own window shows nothing here too)."""
    blank, quiet = [], []
    for page, run in pairs:
        shown = run.get("rendered")
        if not shown or shown.get("text_chars") or shown.get("media"):
            continue
        failures = [r for r in failed_requests(run) if r["type"] not in COSMETIC_INITIATORS]
        if failures or run.get("console_errors"):
            why = ", ".join(f"{_short(r['url'])} ({r['status']})" for r in failures[:5]) or \
                run["console_errors"][0]["message"]
            blank.append((f"{page['launch']} renders nothing: {why}", _evidence(page)))
        else:
            quiet.append((f"{page['launch']} renders nothing and shows no error", _evidence(page)))
    if blank:
        return RUNTIME_RENDER.outcome(blank + quiet, "")
    return RUNTIME_RENDER.outcome(quiet, "Every lesson shows text or images once it has run.",
                                  fail_status=Status.WARN, severity=Severity.MAJOR if quiet else None)


def request_findings(pairs) -> list[Finding]:
    essential: list[tuple[str, Evidence]] = []
    cosmetic: list[tuple[str, Evidence]] = []
    hosts: dict[str, list[tuple[Mapping[str, Any], Mapping[str, Any]]]] = {}
    for page, run in pairs:
        for request in failed_requests(run):
            note = f"{page['launch']}: {request['type']} {_short(request['url'])} answered {request['status']}"
            target = cosmetic if request["type"] in COSMETIC_INITIATORS else essential
            target.append((note, Evidence(url=request["url"], path=page["launch"], note=note)))
        for blocked in run.get("blocked_requests", []):
            hosts.setdefault(blocked["host"], []).append((page, blocked))
    host_problems = [(f"{host}: {', '.join(sorted({b['type'] for _, b in uses}))} for "
                      f"{', '.join(sorted({p['launch'] for p, _ in uses}))}",
                      Evidence(url=uses[0][1]["url"], path=uses[0][0]["launch"])) for host, uses in sorted(hosts.items())]
    return [
        RUNTIME_REQUESTS.outcome(essential, "Every script, data, page and media request of the running lessons "
                                            "succeeded.", count_prefix=True),
        RUNTIME_STYLE_REQUESTS.outcome(cosmetic, "Every image and font the running lessons asked for was there.",
                                       count_prefix=True),
        RUNTIME_HOSTS.outcome(host_problems, "The lessons contacted no host but the LMS while they ran.",
                              fail_status=Status.WARN, details={"hosts": sorted(hosts)}),
    ]


# --- cmi5 and xAPI --------------------------------------------------------------------------

CMI5_VERBS = {f"http://adlnet.gov/expapi/verbs/{v}" for v in ("initialized", "completed", "passed", "failed",
                                                                  "terminated")}
CMI5_SESSION = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"
CMI5_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/cmi5"
IRI_SCHEMES = ("http://", "https://", "urn:", "tag:", "mailto:")

CMI5_SEQUENCE = Rule(
    "pageload.cmi5-sequence", "Each AU follows the cmi5 sequence",
    "AUs break the cmi5 sequence", Severity.MAJOR,
    remediation="The AU must send initialized first, then completed/passed/failed as earned, and terminated "
                "last, each with the launch's registration and session id (cmi5 section 9.3).",
    it_risk="Support: the LMS never records the AU as satisfied; learners repeat it or call the helpdesk.",
    spec_ref="cmi5 9.3 (statement order), 9.6.2 (context)")
XAPI_STATEMENTS = Rule(
    "pageload.xapi-statements", "Statements the course sends are well-formed",
    "Malformed xAPI statements", Severity.MAJOR,
    remediation="Send statements with an actor the LRS can identify (mbox, account…), a verb IRI and an "
                "object IRI; fix the course's xAPI code or the tool's LRS settings.",
    it_risk="Compliance: the LRS rejects or misfiles these records; reports stay incomplete.")
XAPI_ACTIVITY = Rule(
    "pageload.xapi-activity", "Each xAPI activity sends statements", "xAPI activities send no statement",
    Severity.MAJOR,
    remediation="Publish for an LRS with tracking on; the course must read endpoint, auth and actor from its "
                "launch URL and send statements.",
    it_risk="Compliance: the LRS receives nothing; no learner is ever recorded.")


def _course_statements(lrs: Mapping[str, Any], unit: str) -> list[Mapping[str, Any]]:
    return [s["statement"] for s in lrs.get("statements", []) if s["unit"] == unit and s["by"] == "course"]


def statement_problems(statement: Mapping[str, Any]) -> list[str]:
    """What makes a statement one an LRS rejects or cannot file."""
    problems = []
    actor = statement.get("actor")
    if not isinstance(actor, dict) or not any(actor.get(k) for k in ("mbox", "mbox_sha1sum", "openid", "account", "member")):
        problems.append("its actor has no identifier (mbox, mbox_sha1sum, openid or account)")
    verb = statement.get("verb")
    if not isinstance(verb, dict) or not str(verb.get("id", "")).startswith(IRI_SCHEMES):
        problems.append("its verb has no IRI id")
    target = statement.get("object")
    if not isinstance(target, dict):
        problems.append("it has no object")
    elif target.get("objectType", "Activity") == "Activity" and not str(target.get("id", "")).startswith(IRI_SCHEMES):
        problems.append("its activity has no IRI id")
    scaled = ((statement.get("result") or {}).get("score") or {}).get("scaled") \
        if isinstance(statement.get("result"), dict) else None
    if scaled is not None and not (isinstance(scaled, (int, float)) and -1 <= scaled <= 1):
        problems.append(f"its scaled score {scaled!r} is outside -1…1")
    return problems


def xapi_findings(evidence: Mapping[str, Any], pairs) -> list[Finding]:
    lrs = evidence.get("lrs") or {}
    launches = {lu["unit"]: lu for lu in lrs.get("launches", [])}
    runs = {page["id"]: (page, run) for page, run in pairs}
    cmi5 = [(runs[u][0], runs[u][1], lu) for u, lu in launches.items() if lu["kind"] == "cmi5" and u in runs]
    xapi = [(runs[u][0], runs[u][1], lu) for u, lu in launches.items() if lu["kind"] == "xapi" and u in runs]
    malformed = []
    for stored in lrs.get("statements", []):
        if stored["by"] != "course":
            continue
        problems = statement_problems(stored["statement"])
        if problems:
            verb = ((stored["statement"].get("verb") or {}).get("id") or "?").rsplit("/", 1)[-1]
            note = f"{stored['unit'] or 'an unknown launch'}: a '{verb}' statement: " + "; ".join(problems)
            malformed.append((note, Evidence(path=runs.get(stored["unit"], ({"launch": None},))[0].get("launch"), note=note)))
    sent = sum(1 for s in lrs.get("statements", []) if s["by"] == "course")
    findings = [XAPI_STATEMENTS.outcome(malformed, f"All {sent} statements the course sent are well-formed.",
                                        count_prefix=True) if sent else
                XAPI_STATEMENTS.finding(Status.SKIPPED, "Not observed: the course sent no statement.")]
    findings.append(_cmi5_sequence(cmi5, evidence) if cmi5 else
                    CMI5_SEQUENCE.finding(Status.SKIPPED, "Not observed: no cmi5 AU was launched."))
    if xapi:
        silent = []
        for page, run, launch in xapi:
            if not _course_statements(lrs, launch["unit"]):
                text, _ = cause(run, evidence) if run else ("the activity did not run", "error")
                silent.append((f"{page['launch']} sent no statement: {text}", _evidence(page)))
        findings.append(XAPI_ACTIVITY.outcome(silent, f"All {len(xapi)} launched activities sent statements."))
    else:
        findings.append(XAPI_ACTIVITY.finding(Status.SKIPPED, "Not observed: no xAPI (Tin Can) activity was launched."))
    return findings


def _cmi5_sequence(aus, evidence: Mapping[str, Any]) -> Finding:
    lrs = evidence.get("lrs") or {}
    problems = []
    for page, run, launch in aus:
        statements = [s for s in _course_statements(lrs, launch["unit"])
                      if (s.get("verb") or {}).get("id") in CMI5_VERBS
                      and (s.get("object") or {}).get("id") == launch["activity_id"]]
        verbs = [s["verb"]["id"].rsplit("/", 1)[-1] for s in statements]
        where = _evidence(page)
        if not launch.get("token_used"):
            problems.append((f"{page['launch']} never fetched its credentials from the fetch URL", where))
        if "initialized" not in verbs:
            text, _ = cause(run, evidence) if run else ("the AU did not run", "error")
            problems.append((f"{page['launch']} never sent initialized: {text}", where))
            continue
        if verbs[0] != "initialized":
            problems.append((f"{page['launch']} sent {verbs[0]} before initialized", where))
        if "terminated" not in verbs:
            problems.append((f"{page['launch']} never sent terminated (sequence: {' → '.join(verbs)})", where))
        elif verbs[-1] != "terminated":
            problems.append((f"{page['launch']} sent {verbs[-1]} after terminated", where))
        for statement in statements:
            context = statement.get("context") or {}
            verb = statement["verb"]["id"].rsplit("/", 1)[-1]
            if context.get("registration") != launch["registration"]:
                problems.append((f"{page['launch']}: {verb} does not carry the launch's registration", where))
            if (context.get("extensions") or {}).get(CMI5_SESSION) != launch["session_id"]:
                problems.append((f"{page['launch']}: {verb} does not carry the session id", where))
    sequences = "; ".join(f"{page['launch']}: launched → " + " → ".join(
        (s.get("verb") or {}).get("id", "?").rsplit("/", 1)[-1] for s in _course_statements(lrs, launch["unit"]))
        for page, _, launch in aus)
    return CMI5_SEQUENCE.outcome(problems, f"Every AU followed the cmi5 sequence ({sequences}).")
