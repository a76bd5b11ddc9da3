"""The ``session`` probe: a learner's whole session, walked in a real browser against a real
SCORM run-time (scorm-again in the embedded LMS frame).

Each sampled lesson is launched, walked screen by screen as a learner would (reading, letting media
play, pressing what goes on, answering what is asked), left as a learner closing the window, and
launched again with ``entry = resume``. The evidence is the lesson's calls in call order, the
screens reached, what it requested and when; the rules judge completion, the data it stores
against the standard's limits, refused calls, resume, and how hard it writes to the LMS.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from typing import Any

from certifier.policy import evidence_kinds as kinds
from certifier.policy.findings import Finding, counted, quantity
from certifier.policy.presentation import CheckOption, SummaryRow, Table
from certifier.policy.probe_api import Need, Probe, ProbeContext
from certifier.policy.profiles import LimitSpec
from certifier.policy.rules import declared_in
from certifier.staging.browser import WalkSettings, representative, run_session_walk
from certifier.staging.lms import launch_kind
from certifier.staging.server import StagingServer

from . import load as session_load
from . import rules as session_rules
from .timeline import compact_timeline

CALLS_KEPT = 2000  # calls kept per launch in the evidence (the log is in call order)
READ_CALLS = (
    "GetValue",
    "LMSGetValue",
    "GetLastError",
    "LMSGetLastError",
    "GetErrorString",
    "LMSGetErrorString",
    "GetDiagnostic",
    "LMSGetDiagnostic",
)
# Players whose own next control is known by selector, tried before controls found by their names.
PLAYER_CONTROLS: Mapping[str, tuple[str, ...]] = {}
# Players that paint their slides (canvases, SVG shapes named by their kind: "Image", "This is a
# Scalable Vector Graphic"): a custom arrow or a click area has no name the walk can read, so the
# last screen is never told from one that waits for such a press.
PAINTED_PLAYERS = frozenset({"Adobe Captivate"})


class SessionProbe(Probe):
    id = "session"
    title = "A learner's whole session"
    description = (
        "Each sampled lesson walked in a real browser against a real SCORM run-time, left and resumed: "
        "completion, stored data, refused calls, resume, and the LMS's load."
    )
    needs = frozenset({Need.PACKAGE, Need.UNPACKED})
    uses = (kinds.LAUNCH_MAP, kinds.AUTHORING_TOOL, kinds.MEDIA_FILES, kinds.LESSON_STARTS)
    publishes = (kinds.LMS_LOAD, kinds.SESSION_TRAFFIC)
    check_options = (
        CheckOption(
            "--walk-lessons",
            "lessons",
            "N",
            "Lessons the learner's session walks (0: every lesson; default: the profile's)",
        ),
    )
    limits = {
        "walk": LimitSpec("boolean", "Walk a learner's session through the sampled lessons."),
        "lessons": LimitSpec(
            "integer",
            "Lessons walked: a representative sample (the first, the last, evenly spread); 0 walks them all.",
            "lessons",
        ),
        "timeout_s": LimitSpec("number", "Time every walk, exit and resume may take in all.", "s"),
        "walk_budget_s": LimitSpec("number", "Time one lesson's walk may take.", "s"),
        "init_timeout_s": LimitSpec("number", "Time a lesson has to call Initialize after its page loads.", "s"),
        "dwell_s": LimitSpec("number", "Time the learner spends reading each new screen.", "s"),
        "media_wait_s": LimitSpec("number", "Time a screen's audio or video may play before the learner goes on.", "s"),
        "change_wait_s": LimitSpec("number", "Time a press has to change the screen.", "s"),
        "max_screens": LimitSpec("integer", "Screens one lesson's walk visits at most.", "screens"),
        "min_session_s": LimitSpec("number", "Time a lesson stays open at least (its timed LMS writes show).", "s"),
        "resume": LimitSpec("boolean", "Launch each walked lesson again with entry = resume."),
        "resume_settle_s": LimitSpec("number", "Time a resumed lesson has to restore its state.", "s"),
        "parallel_lessons": LimitSpec("integer", "Lessons walked at once.", "lessons"),
        "width_px": LimitSpec("integer", "Width of the page lessons run in.", "px"),
        "height_px": LimitSpec("integer", "Height of the page lessons run in.", "px"),
        "learner_screen_s": LimitSpec(
            "number",
            "A learner's time on one screen, for the LMS load at a learner's pace (the walk moves faster).",
            "s",
        ),
    }
    rules = declared_in(session_rules, session_load)
    grading = (
        "A lesson that reaches its last screen without reporting completion or success, stores more than "
        "the standard's minimum an LMS must keep, has calls refused, or loses its state when resumed fails "
        "at major. A walk that cannot reach a lesson's end is information, with the screens reached."
    )

    def gather(self, ctx: ProbeContext) -> dict[str, Any]:
        limits = ctx.limits(self.id)
        launch_map = ctx.shared(kinds.LAUNCH_MAP)
        kind = launch_kind(ctx.course_detection.standard)
        if not limits["walk"]:
            return {"skipped": "the profile turns the learner's session off (session.walk)"}
        if launch_map is None:
            return {"skipped": "the session needs the course's launch map (published by the conformance probe)"}
        units = [u for u in launch_map if "://" not in u["launch"] and u.get("launch_exists", True)]
        if kind == "untracked" or not units:
            return {"skipped": "the package has no lesson that tracks a learner in the browser (SCORM, cmi5, xAPI)"}
        sampled = representative(units, limits["lessons"])
        # A lesson the runtime pass saw never start is not waited for again: it is reported, not walked.
        never = {s["id"]: s for s in ctx.shared(kinds.LESSON_STARTS) or [] if not s["initialized"]}
        unstarted = [u for u in sampled if u["id"] in never]
        sampled = [u for u in sampled if u["id"] not in never]
        if not sampled:
            return {
                "kind": kind,
                "standard": ctx.course_detection.standard,
                "sampled": len(unstarted),
                "total": len(units),
                "lessons": [not_started(u, never[u["id"]]) for u in unstarted],
                "outputs": {"walks": [], "traffic": []},
            }
        tool = ctx.shared(kinds.AUTHORING_TOOL) or {}
        settings = WalkSettings(
            timeout_s=limits["timeout_s"],
            init_timeout_s=limits["init_timeout_s"],
            walk_budget_s=limits["walk_budget_s"],
            dwell_s=limits["dwell_s"],
            media_wait_s=limits["media_wait_s"],
            change_wait_s=limits["change_wait_s"],
            max_screens=limits["max_screens"],
            min_session_s=limits["min_session_s"],
            resume_settle_s=limits["resume_settle_s"],
            resume=limits["resume"],
            width=limits["width_px"],
            height=limits["height_px"],
            parallel=limits["parallel_lessons"],
            controls=PLAYER_CONTROLS.get(tool.get("name", ""), ()),
            painted=tool.get("name") in PAINTED_PLAYERS,
        )
        ctx.progress(0.05, "walking lessons as a learner")
        clips = {
            f["path"]: {"kbps": f.get("avg_kbps"), "duration_s": f.get("duration_s")}
            for f in ctx.shared(kinds.MEDIA_FILES) or []
            if f.get("avg_kbps")
        }
        if clips:
            media_file = ctx.workdir.path / "session-media.json"
            media_file.write_text(json.dumps(clips), encoding="utf-8")
            settings = dataclasses.replace(settings, media_file=str(media_file))
        with StagingServer(ctx.workdir.course_folder(ctx.course_package), launch_units=sampled) as server:
            urls = [server.launch_url(u["launch"], u["id"], kind) for u in sampled]
            walked = run_session_walk(urls, settings, ctx.checkpoint)
            log = server.log_snapshot()
            statements = server.lrs.snapshot().get("statements", [])
        if walked.get("skipped"):
            return {"skipped": walked["skipped"]}
        lessons = [
            lesson_evidence(unit, run, log, statements)
            for unit, run in zip(sampled, walked.get("lessons", []), strict=False)
        ]
        lessons += [not_started(u, never[u["id"]]) for u in unstarted]
        outputs: dict[str, Any] = {"walks": walk_table(lessons), "traffic": traffic(lessons)}
        load = session_load.lms_load_per_learner(lessons, limits["learner_screen_s"])
        if load:
            outputs["lms_load"] = load
        return {
            "engine": walked.get("engine"),
            "kind": kind,
            "standard": ctx.course_detection.standard,
            "tool": tool.get("label"),
            "sampled": len(sampled) + len(unstarted),
            "total": len(units),
            "lessons": lessons,
            "settings": {
                "walk_budget_s": settings.walk_budget_s,
                "dwell_s": settings.dwell_s,
                "media_wait_s": settings.media_wait_s,
                "min_session_s": settings.min_session_s,
            },
            "outputs": outputs,
        }

    def evaluate(self, evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> list[Finding]:
        findings = session_rules.session_rules(evidence, limits)
        return findings

    @classmethod
    def summary_rows(cls, report: Mapping[str, Any]) -> list[SummaryRow]:
        load = cls.finding_in(report, "session.lms-load")
        if not load or load.get("measured") is None:
            return []
        pace = (load.get("details") or {}).get("per_learner") or {}
        text = f"{quantity(load['measured'])} writes a minute per learner at a learner's pace" + (
            f" ({quantity(pace['timed_writes_per_min'])} on timers)" if pace.get("timed_writes_per_min") else ""
        )
        return [SummaryRow("Servers — LMS load", text, 42)]

    @classmethod
    def tables(cls, report: Mapping[str, Any]) -> list[Table]:
        walks = cls.outputs_in(report).get("walks") or []
        if not walks:
            return []
        # Short cells beside the call list, which alone wraps (session.walk explains each end).
        rows = tuple(
            (w["launch"], f"{counted(w['screens'], 'screen')}, {w['end']}", w["resume"], w["calls"]) for w in walks
        )
        return [
            Table(
                "session",
                "A learner's session per lesson",
                ("Lesson", "Walk", "Resume", "LMS calls in order"),
                rows,
                code_columns=(0,),
                wrap_column=3,
            )
        ]


def lesson_evidence(
    unit: Mapping[str, Any], run: Mapping[str, Any], log: list[dict[str, Any]], statements: list[dict[str, Any]]
) -> dict[str, Any]:
    """One lesson's session as evidence: what the walk saw and the lesson's calls per launch."""
    mine = [e for e in log if e.get("sco") == unit["id"]]
    first = kept_calls([e for e in mine if e.get("attempt", 1) == 1])
    resumed = kept_calls([e for e in mine if e.get("attempt", 1) == 2])
    sent = [s for s in statements if s.get("unit") == unit["id"] and s.get("by") == "course"]
    lesson = {
        "id": unit["id"],
        "launch": unit["launch"],
        "title": unit.get("title"),
        "initialized": bool(run.get("initialized")),
        "started_by": run.get("started_by"),  # the start control the lesson waited on, pressed
        "error": run.get("error"),
        "screens": run.get("screens", []),
        "actions": run.get("actions", []),
        "end": run.get("end"),
        "walk_end_ms": run.get("walk_end_ms"),
        "calls": first,
        "console_errors": run.get("console_errors", []),
        "dialogs": run.get("dialogs", []),  # alerts and confirms, answered OK as a learner does
        "blocked_requests": run.get("blocked_requests", []),
        "timeline": compact_timeline(run.get("timeline", [])),
        "timeline_total": run.get("timeline_total", 0),
    }
    if sent:
        lesson["statements"] = {
            "count": len(sent),
            "bytes": sum(len(json.dumps(s["statement"])) for s in sent),
            "verbs": [str((s["statement"].get("verb") or {}).get("id") or "").rsplit("/", 1)[-1] for s in sent][:200],
            # xAPI reports an outcome in a statement's result too ('scored' with success false).
            "outcomes": sum(1 for s in sent if reports_outcome(s["statement"])),
        }
    if "resume" in run:
        lesson["resume"] = {k: v for k, v in run["resume"].items() if k != "url"}
        lesson["resume_calls"] = resumed
    return lesson


def reports_outcome(statement: Mapping[str, Any]) -> bool:
    result = statement.get("result")
    return isinstance(result, dict) and (isinstance(result.get("success"), bool) or result.get("completion") is True)


def traffic(lessons: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """What each walked lesson requested and when, with its screens' times: the capacity plan
    measures one learner's demand from it (at a learner's pace)."""
    return [
        {
            "launch": lesson["launch"],
            "timeline": lesson["timeline"],
            "walk_end_ms": lesson.get("walk_end_ms"),
            "screens_at_ms": [s["at_ms"] for s in lesson.get("screens") or [] if s.get("at_ms") is not None],
        }
        for lesson in lessons
        if lesson.get("timeline")
    ]


def not_started(unit: Mapping[str, Any], start: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": unit["id"],
        "launch": unit["launch"],
        "title": unit.get("title"),
        "initialized": False,
        "error": (
            f"not launched: {start['not_awaited'].removeprefix('not awaited: ')} (pageload.runtime-initialize says why)"
            if start.get("not_awaited")
            else f"the runtime pass waited {start['waited_s']:g} s and it never started tracking "
            "(pageload.runtime-initialize says why); it was not launched again"
        ),
        "screens": [],
        "actions": [],
        "end": "not started",
        "calls": [],
    }


def kept_calls(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The calls kept in the evidence, in call order: every write and session call (up to
    ``CALLS_KEPT``), then as many reads as fit; a flood of reads cannot push out what was written."""
    writes = [c for c in calls if c.get("fn") not in READ_CALLS][:CALLS_KEPT]
    room = max(CALLS_KEPT - len(writes), 0)
    reads = [c for c in calls if c.get("fn") in READ_CALLS][:room]
    return sorted(writes + reads, key=lambda c: c.get("seq") or 0)


def walk_table(lessons: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    from .calls import resume_outcome, scorm_calls

    rows = []
    for lesson in lessons:
        calls = [
            e for e in scorm_calls(lesson.get("calls") or []) if e.get("fn") not in ("GetLastError", "LMSGetLastError")
        ]
        shown = " → ".join(
            e["fn"] + (f"({e['args'][0]})" if e.get("args") and "Value" in e["fn"] else "") for e in calls[:30]
        ) + (f" … ({len(calls)} in all)" if len(calls) > 30 else "")
        outcome = resume_outcome(
            scorm_calls(lesson.get("calls") or []),
            scorm_calls(lesson.get("resume_calls") or []) if lesson.get("resume") else None,
        )
        rows.append(
            {
                "launch": lesson["launch"],
                "screens": len(lesson.get("screens") or []),
                "end": lesson.get("end") or "not walked",
                "resume": outcome["outcome"],
                "calls": shown or "none",
            }
        )
    return rows
