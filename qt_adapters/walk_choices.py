"""What a learner does next on a screen, and why a walk stops: pure decisions on what the session
walker (resources/templates/session-walker.js) reads of the screen, apart from driving the browser."""

from __future__ import annotations

from collections import Counter
from typing import Any

PRESSES_PER_SCREEN = 6  # controls tried on one unchanged screen before the walk calls it stuck


def why_stopped(state: dict[str, Any], actions: list[dict[str, Any]], screen: int) -> str:
    """Why no control is left to press: the lesson's end (nothing goes on, or only what marks it
    complete or submits it was offered), a question the walk could not get past, or a control
    that should go on and did nothing (the player waits for something the walk did not do)."""
    here = [a for a in actions if a["screen"] == screen and a["kind"] != "answer"]
    if any(a["kind"] == "forward" for a in here):
        return "stuck"
    if any(c["tier"] == "disabled-forward" for c in state["controls"]):
        return "waiting"  # the player's next control is there but disabled (media, a trigger)
    last = next((a for a in reversed(actions) if a["kind"] != "answer"), {})
    submitted = last.get("kind") == "submit" and last.get("effect") == "moved"
    # Unanswered, answered wrong (a retry), or just submitted: feedback still moving in is not
    # told from a results screen, so a walk that stops right after a submission claims no end.
    if state["questions"] or {c["tier"] for c in state["controls"]} & {"retry", "disabled-submit"} or submitted:
        return "question"
    if any(clip["shown"] and clip["unplayable"] for clip in state["media"]):
        return "media"  # the lesson may wait for a clip this browser could not play
    if not any(a["kind"] not in ("answer", "dismiss") and a.get("effect") in ("moved", "ended") for a in actions):
        return "no control"  # nothing the walk pressed ever moved the lesson on (a message's OK aside)
    if state.get("drawn"):
        # A player that paints its screens (Captivate) names few of its controls: a click area, or a
        # button its timeline has not shown yet, looks like nothing. Its last screen is not told apart.
        return "drawn"
    return "more lessons" if state.get("lessons_after") else "end"  # the outline goes on past this one


def choose(
    state: dict[str, Any], pressed: Counter[tuple[str, str]], signature: str, answered: bool
) -> dict[str, Any] | None:
    """The control a learner presses next: a message's OK, then forward (after answering: submit
    first); at the end, one that marks the lesson complete. Each control once per screen."""
    if sum(n for (sig, _), n in pressed.items() if sig == signature) >= PRESSES_PER_SCREEN:
        return None
    for tier in ("dismiss", *(("submit", "forward") if answered else ("forward", "submit")), "complete"):
        for control in state["controls"]:
            if control["tier"] == tier and not pressed[(signature, control["key"])]:
                return control
    return None
