"""Pure rules on a learner's whole session: how far the walk got, whether the lesson reported
completion, the data it stored against the standard's limits, the calls the run-time refused,
whether a resumed launch picked up the stored state, and how hard the lesson writes to the LMS."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from certifier.policy.findings import Evidence, Finding, Severity, Status, counted, quantity
from certifier.policy.rules import Rule

from . import calls as lms
from . import fixes
from .load import LMS_LOAD, load_finding

WALK = Rule(
    "session.walk",
    "A learner's walk reaches the end of each sampled lesson",
    "The walk could not reach the end of some lessons",
    Severity.INFO,
    remediation="Open the lesson as a learner would and check what stops progress at the screen named "
    "(a control that waits for media, a question the walk does not answer).",
    it_risk="Coverage: what comes after the screen reached was not checked by this run.",
    consequence_of=(
        *("conformance.content-page-missing", "conformance.launch-file", "conformance.course-data-missing"),
        "conformance.tracking-disabled",
    ),
)
COMPLETION = Rule(
    "session.completion",
    "Each lesson reports completion or success by its last screen",
    "Lessons reach their last screen and report no completion",
    Severity.MAJOR,
    remediation='Report completion when the learner reaches the end: cmi.completion_status = "completed" '
    '(SCORM 2004) or cmi.core.lesson_status = "completed"/"passed" (SCORM 1.2), then Commit. '
    "In the authoring tool, set the course's completion to the slides viewed or the result.",
    it_risk="Support: learners finish and stay 'incomplete'; the LMS help desk's first ticket.",
    spec_ref="SCORM 2004 RTE 4.2.4 (completion_status); SCORM 1.2 RTE 3.4.2 (lesson_status)",
    consequence_of=(
        *("conformance.content-page-missing", "conformance.launch-file", "conformance.course-data-missing"),
        "conformance.tracking-disabled",
    ),
)
DATA_LIMITS = Rule(
    "session.data-limits",
    "Data the lesson stores fits the standard's limits",
    "The lesson stores more than the standard lets an LMS keep",
    Severity.MAJOR,
    remediation="Publish for SCORM 2004 4th Edition (an LMS keeps at least 64,000 characters of "
    "suspend_data) or reduce the state the course keeps between sessions.",
    it_risk="Support: an LMS that keeps only the standard's minimum truncates or refuses the value; "
    "learners lose their place and restart the course.",
    spec_ref="SCORM 1.2 RTE 3.4 (CMIString4096); SCORM 2004 RTE 4.2 (smallest permitted maximum)",
)
# Past the limit, a value the lesson resumes from loses the learner's place (major); a text the LMS
# only reports (a question's wording, a response, a comment) shows truncated or blank (minor).
REPORT_TEXT_FIX = (
    "Shorten the text the course reports to the LMS (a question's wording sent as the interaction's "
    "description, a learner's response) to the standard's limit, or stop sending it."
)
REPORT_TEXT_RISK = (
    "Reporting: an LMS that keeps only the standard's minimum truncates or refuses the text; the "
    "learner's progress and result are not affected."
)
REJECTED = Rule(
    "session.rejected-calls",
    "The run-time accepts every call the lesson makes",
    "The run-time rejects calls the lesson makes",
    Severity.MAJOR,
    remediation="Send only the values the standard defines (vocabularies, types, time formats), never write "
    "read-only elements, and call Initialize before anything else.",
    it_risk="Support: what the LMS rejects is lost (scores, progress, interactions).",
    spec_ref="SCORM 2004 RTE 3.1.7 (error codes); SCORM 1.2 RTE 3.3",
)
RESUME = Rule(
    "session.resume",
    "A resumed launch picks up the stored state",
    "A resumed launch loses the learner's place",
    Severity.MAJOR,
    remediation='On a launch with cmi.entry = "resume", read cmi.suspend_data and cmi.location '
    "(cmi.core.lesson_location in SCORM 1.2) before writing them, and restore the learner's place.",
    it_risk="Support: learners who leave and come back start again from the first screen.",
    spec_ref="SCORM 2004 RTE 4.2.9 (entry), 4.2.23 (suspend_data)",
)

REACHED_END = ("end", "terminated")
END_WORDS = {
    "end": "no control goes on",
    "terminated": "the lesson ended its session",
    "stuck": "a control that should go on did nothing",
    "question": "a question the walk could not answer",
    "waiting": "the player's next control stayed disabled (it waits for media or an interaction)",
    "media": "the screen's clip could not play in this browser, and the lesson may wait for it to end",
    "no control": "the walk found no control it could press (a player it does not drive, or a one-screen lesson)",
    "more lessons": "no control goes on, yet the course's outline lists more lessons after this one (the player waits "
    "for something the walk did not do, such as opening every callout of an interactive graphic)",
    "drawn": "its player paints the screen and shows no control the walk recognises, even after letting its "
    "timeline run (a painted arrow or click area has no name it can read): the last screen of such a player is "
    "not told apart",
    "budget": "the walk's time budget ran out",
    "screen limit": "the walk's screen limit was reached",
    "unreadable": "the lesson's screen could not be read",
}


def _where(lesson: Mapping[str, Any], note: str | None = None) -> Evidence:
    return Evidence(path=lesson["launch"], note=note)


def _last_title(lesson: Mapping[str, Any]) -> str:
    screens = lesson.get("screens") or []
    return f"screen {len(screens)}" + (f" '{screens[-1]['title']}'" if screens and screens[-1].get("title") else "")


def session_rules(evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> list[Finding]:
    rules = (WALK, COMPLETION, DATA_LIMITS, REJECTED, RESUME, LMS_LOAD)
    if evidence.get("skipped"):
        return [rule.finding(Status.SKIPPED, f"Not observed: {evidence['skipped']}") for rule in rules]
    lessons = [lesson for lesson in evidence["lessons"] if lesson.get("initialized")]
    if not lessons:
        reason = "no sampled lesson initialised its LMS session (see pageload.runtime-initialize)"
        return [rule.finding(Status.SKIPPED, f"Not observed: {reason}.") for rule in rules]
    failed_completion: set[str] = set()
    tool = evidence.get("tool")
    completion = completion_finding(lessons, failed_completion, tool)
    return [
        walk_finding(evidence, lessons),
        completion,
        data_limit_finding(lessons, evidence.get("standard", ""), tool),
        rejected_finding(lessons, failed_completion, evidence.get("standard", "")),
        resume_finding(lessons),
        load_finding(lessons, limits["learner_screen_s"]),
    ]


def walk_finding(evidence: Mapping[str, Any], lessons: Sequence[Mapping[str, Any]]) -> Finding:
    short, summary = [], []
    for lesson in lessons:
        screens = counted(len(lesson.get("screens") or []), "screen")
        why = END_WORDS.get(lesson.get("end", ""), lesson.get("end", ""))
        summary.append(
            {
                "launch": lesson["launch"],
                "screens": len(lesson.get("screens") or []),
                "end": lesson.get("end"),
                "presses": len(lesson.get("actions") or []),
                "started_by": (lesson.get("started_by") or {}).get("name"),
            }
        )
        if lesson.get("end") not in REACHED_END:
            short.append(
                (f"{lesson['launch']}: {screens} reached, stopped at {_last_title(lesson)}: {why}", _where(lesson))
            )
    sample = evidence.get("sampled", len(lessons))
    total = evidence.get("total", sample)
    walked = f"{counted(len(lessons), 'lesson')} walked" + (
        f" (a representative sample of {total}; session.lessons = 0 walks them all)" if sample < total else ""
    )
    return WALK.outcome(
        short,
        f"{walked}; each to its end: "
        + "; ".join(
            f"{s['launch']} {counted(s['screens'], 'screen')}"
            + (f" from its start control '{s['started_by']}'" if s["started_by"] else "")
            for s in summary
        )
        + ".",
        fail_status=Status.WARN,
        details={"lessons": summary},
    )


def completion_finding(lessons: Sequence[Mapping[str, Any]], failed: set[str], tool: str | None = None) -> Finding:
    """Judged where the walk established the lesson's end (it moved through the lesson and nothing
    went on, or the lesson ended its session on a press) or the lesson reported anyway."""
    problems, judged = [], 0
    for lesson in lessons:
        first = lms.scorm_calls(lesson.get("calls") or [])
        verbs = (lesson.get("statements") or {}).get("verbs") or []
        outcomes = (lesson.get("statements") or {}).get("outcomes") or 0
        reported = lms.reported_status(first) or [v for v in verbs if v in lms.REPORTING_VERBS] or outcomes
        if not reported and lesson.get("end") not in REACHED_END:
            continue
        judged += 1
        if reported or (not first and not verbs):
            continue
        failed.add(lesson["launch"])
        refused = lms.refused_status(first)
        if refused:
            call = refused[0]
            why = (
                f'it sent {call["fn"]}("{call["args"][0]}", "{lms.shorten(str(call["args"][1]))}"), a value '
                f"the standard does not define, which the run-time rejected (error {call.get('error')}"
                + (f": {call['message']}" if call.get("message") else "")
                + ")"
            )
        elif verbs:
            why = f"it sent no completed, passed or failed statement (only {', '.join(sorted(set(verbs)))})"
        else:
            why = "it never set a completion or success status"
        problems.append(
            (f"{lesson['launch']} reached its last screen ({_last_title(lesson)}) and {why}", _where(lesson))
        )
    if not judged:
        return COMPLETION.finding(
            Status.SKIPPED,
            "Not judged: no walk reached a lesson's last screen and no lesson "
            "reported completion on the way (see session.walk).",
        )
    return COMPLETION.outcome(
        problems,
        f"Each of the {counted(judged, 'lesson')} walked to its end reported completion or success.",
        remediation=fixes.for_tool(fixes.COMPLETION, tool, COMPLETION.remediation),
    )


def data_limit_finding(lessons: Sequence[Mapping[str, Any]], edition: str, tool: str | None = None) -> Finding:
    problems, worst, state = [], 0, False
    for lesson in lessons:
        first = lms.scorm_calls(lesson.get("calls") or [])
        if not first:
            continue
        version = lms.version_of(first)
        screen_times = [s.get("at_ms") or 0 for s in lesson.get("screens") or []]
        for over in lms.over_spm(first, version, edition):
            worst = max(worst, over["length"])
            per_screen = lms.growth(first, over["element"], screen_times)
            grows = f", growing about {quantity(per_screen)} characters a screen" if per_screen else ""
            taken = "the run-time accepted it" if over["accepted"] else "the run-time refused it"
            state = state or over["element"] in lms.STATE_ELEMENTS
            problems.append(
                (
                    (
                        f"{lesson['launch']}: {over['element']} reached {quantity(over['length'])} characters; "
                        f"the SCORM {version} limit an LMS must keep is {quantity(over['limit'])}{grows} "
                        f"({taken}; a strict LMS truncates or refuses it)"
                    ),
                    _where(lesson),
                )
            )
    finding = DATA_LIMITS.outcome(
        problems,
        "Every value the lessons stored fits the smallest maximum the standard lets an LMS keep.",
        measured=worst or None,
        unit="characters",
        remediation=fixes.for_tool(fixes.DATA_LIMITS, tool, DATA_LIMITS.remediation),
    )
    if problems and not state:
        finding = dataclasses.replace(
            finding, severity=Severity.MINOR, remediation=REPORT_TEXT_FIX, it_risk=REPORT_TEXT_RISK
        )
    return finding


def rejected_finding(lessons: Sequence[Mapping[str, Any]], completion_failed: set[str], edition: str = "") -> Finding:
    """Refused calls, each once (a call refused in both launches is one defect; a value refused for
    its length is session.data-limits'). Reads before Initialize (Lectora's own check of whether the
    session has started is one) and values that carry nothing (NaN, undefined, an empty number) lose
    nothing the LMS keeps when refused: minor; the rest: major."""
    problems: list[tuple[str, Evidence]] = []
    seen: dict[tuple[Any, ...], list[str]] = {}
    serious = False
    for lesson in lessons:
        for launch, key in (("", "calls"), ("resumed", "resume_calls")):
            calls = lms.scorm_calls(lesson.get(key) or [])
            version = lms.version_of(calls)
            for call in lms.rejected(calls):
                if lesson["launch"] in completion_failed and call in lms.refused_status(calls):
                    continue  # named by session.completion: one defect, one finding
                if lms.beyond_spm(call, version, edition):
                    continue  # named by session.data-limits
                same = (lesson["launch"], call["fn"], tuple(call.get("args") or ()), call.get("error"))
                if same in seen:
                    seen[same].append(launch)
                    continue
                seen[same] = [launch]
                serious = serious or not lms.loses_nothing(call)
                args = ", ".join(f'"{lms.shorten(str(a))}"' for a in call.get("args") or [])
                message = f": {call['message']}" if call.get("message") else ""
                problems.append(
                    (
                        (
                            f"{lesson['launch']}{' (resumed)' if launch else ''}: call {call.get('seq')} "
                            f"{call['fn']}({args}) → error "
                            f"{call.get('error')}{message}"
                        ),
                        _where(lesson),
                    )
                )
    again = sum(1 for launches in seen.values() if len(launches) > 1)
    ok = "The run-time accepted every call the lessons made."
    finding = REJECTED.outcome(
        problems, ok, count_prefix=True, severity=None if serious or not problems else Severity.MINOR
    )
    if again:
        finding = dataclasses.replace(
            finding, message=finding.message + f" ({again} of them again in the resumed launch)"
        )
    return finding


def resume_finding(lessons: Sequence[Mapping[str, Any]]) -> Finding:
    problems, read_back, stored_none, told = [], [], [], []
    for lesson in lessons:
        resumed = lesson.get("resume")
        told += [f"{lesson['launch']}: '{d['message']}'" for d in (resumed or {}).get("dialogs") or []][:1]
        outcome = lms.resume_outcome(
            lms.scorm_calls(lesson.get("calls") or []),
            lms.scorm_calls(lesson.get("resume_calls") or []) if resumed else None,
        )
        new_errors = [
            e["message"]
            for e in (resumed or {}).get("console_errors", [])
            if e["message"] not in {seen["message"] for seen in lesson.get("console_errors") or []}
        ]
        if outcome["outcome"] == "lost":
            problems.append(
                (f"{lesson['launch']} stored {', '.join(outcome['stored'])}; resumed, {outcome['why']}", _where(lesson))
            )
        elif resumed and not resumed.get("initialized"):
            problems.append(
                (f"{lesson['launch']}: launched again with entry = resume, it never initialised", _where(lesson))
            )
        elif new_errors:
            problems.append(
                (f"{lesson['launch']}: launched again with entry = resume, it threw `{new_errors[0]}`", _where(lesson))
            )
        if outcome["outcome"] == "read back":
            read_back.append(lesson["launch"])
        elif outcome["outcome"] == "nothing stored":
            stored_none.append(lesson["launch"])
    if not read_back:
        ok = (
            "No walked lesson stores state between sessions (suspend_data, location), so there was nothing to "
            "resume; each was launched again with entry = resume and started without an error."
        )
    else:
        ok = (
            f"{counted(len(read_back), 'lesson')} read back the state {'it' if len(read_back) == 1 else 'they'} "
            f"stored when resumed"
            + (f"; {counted(len(stored_none), 'lesson')} stored none" if stored_none else "")
            + "."
        )
    if told:  # a dialog a learner meets on coming back (CourseLab's test says where it goes on)
        ok += f" Resumed, the learner was told (and pressed OK): {'; '.join(told[:3])}."
    return RESUME.outcome(problems, ok)
