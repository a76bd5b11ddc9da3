"""Pure rules over what cmi5 AUs and xAPI lessons sent the embedded LRS: the cmi5 statement sequence, well-formed statements, activity ids."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from certifier.policy.findings import Evidence, Finding, Severity, Status
from certifier.policy.rules import Rule

from .lesson_runs import Pairs, cause, lesson_evidence

# --- cmi5 and xAPI --------------------------------------------------------------------------

CMI5_VERBS = {
    f"http://adlnet.gov/expapi/verbs/{v}" for v in ("initialized", "completed", "passed", "failed", "terminated")
}
CMI5_SESSION = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"
CMI5_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/cmi5"
IRI_SCHEMES = ("http://", "https://", "urn:", "tag:", "mailto:")

CMI5_SEQUENCE = Rule(
    "pageload.cmi5-sequence",
    "Each AU follows the cmi5 sequence",
    "AUs break the cmi5 sequence",
    Severity.MAJOR,
    remediation="The AU must send initialized first, then completed/passed/failed as earned, and terminated "
    "last, each with the launch's registration and session id (cmi5 section 9.3).",
    it_risk="Support: the LMS never records the AU as satisfied; learners repeat it or call the helpdesk.",
    spec_ref="cmi5 9.3 (statement order), 9.6.2 (context)",
)
XAPI_STATEMENTS = Rule(
    "pageload.xapi-statements",
    "Statements the course sends are well-formed",
    "Malformed xAPI statements",
    Severity.MAJOR,
    remediation="Send statements with an actor the LRS can identify (mbox, account…), a verb IRI and an "
    "object IRI; fix the course's xAPI code or the tool's LRS settings.",
    it_risk="Compliance: the LRS rejects or misfiles these records; reports stay incomplete.",
)
XAPI_ACTIVITY = Rule(
    "pageload.xapi-activity",
    "Each xAPI activity sends statements",
    "xAPI activities send no statement",
    Severity.MAJOR,
    remediation="Publish for an LRS with tracking on; the course must read endpoint, auth and actor from its "
    "launch URL and send statements.",
    it_risk="Compliance: the LRS receives nothing; no learner is ever recorded.",
)


def _course_statements(lrs: Mapping[str, Any], unit: str) -> list[Mapping[str, Any]]:
    return [s["statement"] for s in lrs.get("statements", []) if s["unit"] == unit and s["by"] == "course"]


def statement_problems(statement: Mapping[str, Any]) -> list[str]:
    """What makes a statement one an LRS rejects or cannot file."""
    problems = []
    actor = statement.get("actor")
    if not isinstance(actor, dict) or not any(
        actor.get(k) for k in ("mbox", "mbox_sha1sum", "openid", "account", "member")
    ):
        problems.append("its actor has no identifier (mbox, mbox_sha1sum, openid or account)")
    verb = statement.get("verb")
    if not isinstance(verb, dict) or not str(verb.get("id", "")).startswith(IRI_SCHEMES):
        problems.append("its verb has no IRI id")
    target = statement.get("object")
    if not isinstance(target, dict):
        problems.append("it has no object")
    elif target.get("objectType", "Activity") == "Activity" and not str(target.get("id", "")).startswith(IRI_SCHEMES):
        problems.append("its activity has no IRI id")
    scaled = (
        ((statement.get("result") or {}).get("score") or {}).get("scaled")
        if isinstance(statement.get("result"), dict)
        else None
    )
    if scaled is not None and not (isinstance(scaled, (int, float)) and -1 <= scaled <= 1):
        problems.append(f"its scaled score {scaled!r} is outside -1…1")
    return problems


def xapi_findings(evidence: Mapping[str, Any], pairs: Pairs) -> list[Finding]:
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
            malformed.append(
                (note, Evidence(path=runs.get(stored["unit"], ({"launch": None},))[0].get("launch"), note=note))
            )
    sent = sum(1 for s in lrs.get("statements", []) if s["by"] == "course")
    findings = [
        XAPI_STATEMENTS.outcome(malformed, f"All {sent} statements the course sent are well-formed.", count_prefix=True)
        if sent
        else XAPI_STATEMENTS.finding(Status.SKIPPED, "Not observed: the course sent no statement.")
    ]
    findings.append(
        _cmi5_sequence(cmi5, evidence)
        if cmi5
        else CMI5_SEQUENCE.finding(Status.SKIPPED, "Not observed: no cmi5 AU was launched.")
    )
    if xapi:
        silent = []
        for page, run, launch in xapi:
            if not _course_statements(lrs, launch["unit"]):
                text, _ = cause(run, evidence) if run else ("the activity did not run", "error")
                silent.append((f"{page['launch']} sent no statement: {text}", lesson_evidence(page)))
        findings.append(XAPI_ACTIVITY.outcome(silent, f"All {len(xapi)} launched activities sent statements."))
    else:
        findings.append(XAPI_ACTIVITY.finding(Status.SKIPPED, "Not observed: no xAPI (Tin Can) activity was launched."))
    return findings


def _cmi5_sequence(aus: list[tuple[Mapping[str, Any], Mapping[str, Any], Any]], evidence: Mapping[str, Any]) -> Finding:
    lrs = evidence.get("lrs") or {}
    problems = []
    for page, run, launch in aus:
        statements = [
            s
            for s in _course_statements(lrs, launch["unit"])
            if (s.get("verb") or {}).get("id") in CMI5_VERBS
            and (s.get("object") or {}).get("id") == launch["activity_id"]
        ]
        verbs = [s["verb"]["id"].rsplit("/", 1)[-1] for s in statements]
        where = lesson_evidence(page)
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
    sequences = "; ".join(
        f"{page['launch']}: launched → "
        + " → ".join(
            (s.get("verb") or {}).get("id", "?").rsplit("/", 1)[-1] for s in _course_statements(lrs, launch["unit"])
        )
        for page, _, launch in aus
    )
    return CMI5_SEQUENCE.outcome(problems, f"Every AU followed the cmi5 sequence ({sequences}).")
