"""How hard one learner's session writes to the LMS (IT's database load): each walked lesson's writes, and one learner's rate at a learner's pace. Pure functions of the call log."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from certifier.policy.findings import Finding, Severity, Status, counted, quantity
from certifier.policy.rules import Rule

from . import calls as lms

LMS_LOAD = Rule(
    "session.lms-load",
    "How hard one learner's session writes to the LMS",
    "A learner's session writes to the LMS very often",
    Severity.INFO,
    it_risk="Servers: every write is a round trip the LMS stores (its database load); multiply by the "
    "learners at once.",
)


def lesson_loads(lessons: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each walked lesson's writes to the LMS (SCORM calls, or xAPI statements sent)."""
    loads = []
    for lesson in lessons:
        first = lms.scorm_calls(lesson.get("calls") or [])
        figures = lms.lms_load(
            first,
            [a["at_ms"] for a in lesson.get("actions") or [] if a.get("at_ms") is not None],
            lesson.get("walk_end_ms"),
        )
        statements = lesson.get("statements") or {}
        if not figures and statements.get("count"):
            figures = {
                "session_s": round((lesson.get("walk_end_ms") or 0) / 1000, 1),
                "calls": statements["count"],
                "writes": statements["count"],
                "learner_writes": statements["count"],
                "timed_writes": 0,
                "timed_writes_per_min": None,
                "bytes": statements.get("bytes", 0),
            }
        if figures:
            loads.append({"launch": lesson["launch"], "screens": max(len(lesson.get("screens") or []), 1), **figures})
    return loads


def lms_load_per_learner(lessons: Sequence[Mapping[str, Any]], screen_s: float) -> dict[str, Any] | None:
    loads = lesson_loads([lesson for lesson in lessons if lesson.get("initialized")])
    return learner_paced(loads, screen_s) if loads else None


def load_finding(lessons: Sequence[Mapping[str, Any]], screen_s: float) -> Finding:
    loads = lesson_loads(lessons)
    if not loads:
        return LMS_LOAD.finding(Status.SKIPPED, "Not measured: no lesson wrote to the LMS during its session.")
    pace = learner_paced(loads, screen_s)
    timed = pace["timed_writes_per_min"]
    message = (
        f"At a learner's pace (a screen every {quantity(screen_s)} s, session.learner_screen_s), one learner "
        f"writes to the LMS about {quantity(pace['writes_per_min'])} times a minute: "
        + (f"{quantity(timed)} on the lesson's own timers, " if timed else "no timed writes, ")
        + f"{quantity(pace['writes_per_screen'])} a screen (at the launch, on moving on, at the exit); with "
        f"{quantity(pace['calls_per_min'])} API calls and {quantity(pace['bytes_per_min'] / 1024)} KB of data a "
        f"minute (measured over {quantity(pace['session_s'])} s of walked sessions in "
        f"{counted(len(loads), 'lesson')})."
    )
    return LMS_LOAD.finding(
        Status.PASS,
        message,
        measured=pace["writes_per_min"],
        unit="writes/min",
        details={"per_learner": pace, "lessons": loads},
    )


def learner_paced(loads: Sequence[Mapping[str, Any]], screen_s: float) -> dict[str, Any]:
    """One learner's load on the LMS per minute at a learner's pace: the busiest timed rate the
    walk measured, plus the writes a learner causes per screen at one screen every ``screen_s``.
    The walk itself moves faster than a learner, so its own per-minute figures would overstate."""
    screens = sum(load["screens"] for load in loads)
    minutes_at_pace = screens * screen_s / 60
    timed = [load["timed_writes_per_min"] for load in loads if load.get("timed_writes_per_min") is not None]
    timed_rate = max(timed) if timed else 0.0
    per_screen = sum(load.get("learner_writes") or 0 for load in loads) / screens
    return {
        "writes_per_min": round(timed_rate + per_screen * 60 / screen_s, 1),
        "timed_writes_per_min": round(timed_rate, 1) if timed else None,
        "writes_per_screen": round(per_screen, 2),
        "calls_per_min": round(sum(load.get("calls") or 0 for load in loads) / minutes_at_pace, 1),
        "bytes_per_min": round(sum(load.get("bytes") or 0 for load in loads) / minutes_at_pace),
        "screens": screens,
        "screen_s": screen_s,
        "session_s": round(sum(load.get("session_s") or 0 for load in loads), 1),
    }
