"""A learner's hands in the browser helpers: a real mouse click, a look at the screen through the
session walker (resources/templates/session-walker.js), and the one press a lesson that waits for
its learner needs before it opens its LMS session (CourseLab's splash screen with its start button,
a player's 'click to start'). The runtime pass and the session walk press it alike, as a learner
launching the lesson does."""

from __future__ import annotations

import json
import time
from collections.abc import Generator
from typing import Any

from certifier.host.resources_path import resource_path

from .browser_slots import evaluated, evaluated_json, wait

Steps = Generator[None, None, Any]

# A lesson still silent this long after its launch frame loaded is looked at for a start control:
# a lesson that opens its session by itself has done so well before (a second or two on this
# machine's slowest shared course), and one waiting on its learner shows its control by then.
START_PRESS_AFTER_S = 4.0
START_TIERS = ("dismiss", "forward")  # a message's OK, or the control that goes on (start, begin)


def walker_script() -> str:
    return resource_path("templates", "session-walker.js").read_text(encoding="utf-8")


def click(slot: Any, where: dict[str, float], deadline: float) -> Steps:
    """A learner's real mouse click at a point of the view, once a scroll has settled."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    yield from wait(0.1, deadline)
    target = slot.view.focusProxy() or slot.view
    point = QPoint(int(where["x"]), int(where["y"]))
    QTest.mouseClick(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)


def look(slot: Any, script: str, extra: str, deadline: float) -> Steps:
    """What the lesson shows now, as the walker reads it (None when unreadable)."""
    yield from evaluated(slot, script, deadline)
    return (yield from evaluated_json(slot, f"window.__walk ? window.__walk.screen({extra}) : ''", deadline, None))


def press_start(slot: Any, script: str, extra: str, deadline: float) -> Steps:
    """Press the control a learner starts the lesson with, if its screen shows one; returns what
    was pressed ({name, tier}) or None."""
    state = yield from look(slot, script, extra, deadline)
    controls = (state or {}).get("controls") or []
    control = next((c for tier in START_TIERS for c in controls if c["tier"] == tier), None)
    if control is None:
        return None
    where = yield from evaluated_json(
        slot, f"window.__walk.locate({json.dumps(control['key'])}, {extra})", deadline, None
    )
    if not where:
        return None
    yield from click(slot, where, deadline)
    return {"name": control["name"], "tier": control["tier"]}


class StartPress:
    """The one start press of a lesson launched at ``loaded``: made once it has stayed silent for
    START_PRESS_AFTER_S; ``pressed`` is what was pressed ({name, tier}), None when nothing was."""

    def __init__(self, script: str, extra: str) -> None:
        self.script, self.extra = script, extra
        self.loaded = time.monotonic()
        self.tried = False
        self.pressed: dict[str, str] | None = None

    def step(self, slot: Any, deadline: float) -> Steps:
        if not self.tried and time.monotonic() - self.loaded >= START_PRESS_AFTER_S:
            self.tried = True
            self.pressed = yield from press_start(slot, self.script, self.extra, deadline)
