"""What a lesson's SCORM calls say, read as an LMS and a SCORM engineer read them: the data it set
against the standard's smallest permitted maximums (SPM), the calls the run-time rejected, whether
it reported completion, what it stored for a resumed launch and whether it read that back, and
how often it writes to the LMS. Pure functions of the call log (in call order)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from certifier.package.standards import SCORM_2004_2ND, SCORM_2004_3RD

Call = Mapping[str, Any]

# Smallest permitted maximum (characters) an LMS must store for an element; beyond it an LMS may
# truncate or reject the value (SCORM 1.2 RTE 3.4; SCORM 2004 RTE 4.2). Indexes read as ``n``.
SPM_12 = {
    "cmi.suspend_data": 4096,
    "cmi.core.lesson_location": 255,
    "cmi.comments": 4096,
    "cmi.interactions.n.id": 255,
    "cmi.interactions.n.student_response": 255,
    "cmi.interactions.n.correct_responses.n.pattern": 255,
    "cmi.objectives.n.id": 255,
}
SPM_2004 = {
    "cmi.suspend_data": 64000,
    "cmi.location": 1000,
    "cmi.comments_from_learner.n.comment": 4000,
    "cmi.comments_from_learner.n.location": 250,
    "cmi.interactions.n.id": 4000,
    "cmi.interactions.n.description": 250,
    "cmi.objectives.n.id": 4000,
    "cmi.objectives.n.description": 250,
    "cmi.learner_preference.language": 250,
}
# SCORM 2004's 2nd and 3rd editions kept suspend_data at 4,000 characters (the 4th raised it).
SPM_2004_EARLY = {**SPM_2004, "cmi.suspend_data": 4000}

GETS = ("GetValue", "LMSGetValue")
SETS = ("SetValue", "LMSSetValue")
INITS = ("Initialize", "LMSInitialize")
COMMITS = ("Commit", "LMSCommit")
TERMINATES = ("Terminate", "LMSFinish")
STATUS_ELEMENTS = ("cmi.core.lesson_status", "cmi.completion_status", "cmi.success_status")
# Values that tell the LMS the learner finished (completion) or was judged (success).
REPORTED = {
    "cmi.core.lesson_status": ("completed", "passed", "failed"),
    "cmi.completion_status": ("completed",),
    "cmi.success_status": ("passed", "failed"),
}
# xAPI verbs (last path segment) that report completion or success to an LRS.
REPORTING_VERBS = ("completed", "passed", "failed")
# Values that carry nothing: refusing them loses nothing (an authoring or publishing fault).
EMPTY_VALUES = ("nan", "undefined", "null", "infinity", "-infinity")
STATE_ELEMENTS = ("cmi.suspend_data", "cmi.core.lesson_location", "cmi.location")
BEFORE_INITIALIZE = ("122", "132", "142", "301")
TRIGGERED_MS = 2000  # writes this soon after a press, the launch or the exit were caused by them


def element_pattern(element: str) -> str:
    return re.sub(r"\.\d+(?=\.|$)", ".n", element)


def spm_table(version: str, edition: str) -> Mapping[str, int]:
    if version == "1.2":
        return SPM_12
    return SPM_2004_EARLY if edition in (SCORM_2004_2ND, SCORM_2004_3RD) else SPM_2004


def succeeded(call: Call) -> bool:
    return call.get("result") == "true" and str(call.get("error", "0")) == "0"


def scorm_calls(calls: Iterable[Call]) -> list[Call]:
    return [c for c in calls if c.get("api") in ("1.2", "2004")]


def version_of(calls: list[Call]) -> str:
    return next((str(c["api"]) for c in calls if c.get("fn") in INITS), str(calls[0]["api"]) if calls else "")


def over_spm(calls: list[Call], version: str, edition: str) -> list[dict[str, Any]]:
    """Elements set with values longer than their SPM: the longest value of each, with its call."""
    table = spm_table(version, edition)
    worst: dict[str, dict[str, Any]] = {}
    for call in calls:
        if call.get("fn") not in SETS or not call.get("args"):
            continue
        element = str(call["args"][0])
        limit = table.get(element_pattern(element))
        length = call.get("length") or 0
        if limit is not None and length > limit and length > worst.get(element, {}).get("length", 0):
            worst[element] = {
                "element": element,
                "length": length,
                "limit": limit,
                "seq": call.get("seq"),
                "accepted": succeeded(call),
            }
    return list(worst.values())


def beyond_spm(call: Call, version: str, edition: str) -> bool:
    """Whether a write's value is longer than its element's SPM (named by session.data-limits)."""
    if call.get("fn") not in SETS or not call.get("args"):
        return False
    limit = spm_table(version, edition).get(element_pattern(str(call["args"][0])))
    return limit is not None and (call.get("length") or 0) > limit


def growth(calls: list[Call], element: str, screen_times: list[float]) -> float | None:
    """How much a value grows per screen (characters), from its length on the first and the last
    screen it was set on; None when it was set on fewer than two screens."""
    lengths: dict[int, int] = {}
    for call in calls:
        if call.get("fn") in SETS and call.get("args") and call["args"][0] == element:
            screen = sum(1 for t in screen_times if t <= (call.get("t_ms") or 0))
            lengths[screen] = call.get("length") or 0
    if len(lengths) < 2:
        return None
    first, last = min(lengths), max(lengths)
    return (lengths[last] - lengths[first]) / (last - first)


def rejected(calls: list[Call]) -> list[Call]:
    """Calls the run-time refused: writes and session calls with an error, and reads made before
    Initialize. Other refused reads (an element not set yet is how SCORM 2004 says 'empty') change
    nothing the LMS keeps."""
    out = []
    for call in calls:
        error = str(call.get("error", "0"))
        if call.get("fn") in GETS:
            if error in BEFORE_INITIALIZE:
                out.append(call)
        elif call.get("fn") in (*SETS, *INITS, *COMMITS, *TERMINATES) and error not in ("0", ""):
            out.append(call)
    return out


def loses_nothing(call: Call) -> bool:
    """A refused call the LMS keeps nothing less for: a read (made before Initialize, it returns an
    empty value: what the lesson does with it, such as resuming, is judged on its own) or a write
    that carries nothing (NaN, undefined, an empty number)."""
    return call.get("fn") in GETS or carries_nothing(call)


def carries_nothing(call: Call) -> bool:
    args = call.get("args") or []
    return call.get("fn") in SETS and len(args) >= 2 and str(args[1]).strip().lower() in EMPTY_VALUES


def reported_status(calls: list[Call]) -> list[str]:
    """The completion and success values the lesson reported and the run-time accepted."""
    return [
        f"{c['args'][0]} = {c['args'][1]}"
        for c in calls
        if c.get("fn") in SETS
        and succeeded(c)
        and len(c.get("args") or []) >= 2
        and c["args"][1] in REPORTED.get(c["args"][0], ())
    ]


def refused_status(calls: list[Call]) -> list[Call]:
    return [
        c
        for c in calls
        if c.get("fn") in SETS and not succeeded(c) and c.get("args") and c["args"][0] in STATUS_ELEMENTS
    ]


def stored_state(calls: list[Call]) -> dict[str, str]:
    """What an LMS keeps of the state elements: the values set before the last Commit/Terminate
    that the run-time accepted (only the first characters of each value are in the log)."""
    pending: dict[str, str] = {}
    kept: dict[str, str] = {}
    for call in calls:
        if call.get("fn") in SETS and succeeded(call) and call.get("args") and call["args"][0] in STATE_ELEMENTS:
            pending[call["args"][0]] = str(call["args"][1]) if len(call["args"]) > 1 else ""
        elif call.get("fn") in (*COMMITS, *TERMINATES) and succeeded(call):
            kept.update(pending)
    return {element: value for element, value in kept.items() if value}


def resume_outcome(first: list[Call], resumed: list[Call] | None) -> dict[str, Any]:
    """Whether a resumed launch picked up what the first session stored: it must read a stored
    state element back before it writes any of them."""
    stored = stored_state(first)
    if not stored:
        return {"outcome": "nothing stored"}
    if resumed is None:
        return {"outcome": "not resumed", "stored": sorted(stored)}
    if not any(c.get("fn") in INITS and succeeded(c) for c in resumed):
        return {"outcome": "lost", "stored": sorted(stored), "why": "the resumed launch never initialised"}
    for call in resumed:
        element = (call.get("args") or [""])[0]
        if element not in STATE_ELEMENTS:
            continue
        if call.get("fn") in GETS:
            return {"outcome": "read back", "stored": sorted(stored), "read": element}
        if call.get("fn") in SETS and element in stored:
            value = str(call["args"][1]) if len(call["args"]) > 1 else ""
            return {
                "outcome": "lost",
                "stored": sorted(stored),
                "seq": call.get("seq"),
                "why": f"it set {element} to {shorten(value)!r} before reading what it had stored",
            }
    return {"outcome": "lost", "stored": sorted(stored), "why": "it never read the state it had stored"}


def shorten(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[:limit] + "…"


def lms_load(calls: list[Call], action_times: list[float], walk_end_ms: float | None) -> dict[str, Any]:
    """How hard the lesson writes to the LMS. Writes are Commit and Terminate (each a round trip
    the LMS stores); data is what SetValue sent (element and value). Writes soon after the launch,
    a press or the exit were caused by the learner; the others came from the lesson's timers, and
    their rate is taken over the time the learner did nothing."""
    started = next((c.get("t_ms") or 0.0 for c in calls if c.get("fn") in INITS), None)
    if started is None:
        return {}
    ended = max([walk_end_ms or 0.0, *[c.get("t_ms") or 0.0 for c in calls]])
    windows = sorted([started, *action_times, walk_end_ms or ended])
    busy = _union_ms([(t, t + TRIGGERED_MS) for t in windows], started, ended)
    writes = [c for c in calls if c.get("fn") in (*COMMITS, *TERMINATES) and succeeded(c)]
    timed = [c for c in writes if not any(t <= (c.get("t_ms") or 0) < t + TRIGGERED_MS for t in windows)]
    sent = sum(len(str(c["args"][0])) + (c.get("length") or 0) for c in calls if c.get("fn") in SETS and c.get("args"))
    idle_minutes = max(ended - started - busy, 0.0) / 60000
    return {
        "session_s": round((ended - started) / 1000, 1),
        "calls": len(calls),
        "writes": len(writes),
        "timed_writes": len(timed),
        "learner_writes": len(writes) - len(timed),
        "idle_s": round(idle_minutes * 60, 1),
        "timed_writes_per_min": round(len(timed) / idle_minutes, 1) if idle_minutes >= 0.05 else None,
        "bytes": sent,
    }


def _union_ms(spans: list[tuple[float, float]], low: float, high: float) -> float:
    total, reach = 0.0, low
    for start, end in sorted(spans):
        start, end = max(start, reach), min(end, high)
        if end > start:
            total += end - start
            reach = end
    return total
