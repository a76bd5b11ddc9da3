"""Helper process: a learner's whole session in Qt WebEngine, reported as JSON.

``python -m certifier.qt_adapters.session_walk [options] URL...`` — each URL is an LMS launch-frame
page of the embedded staging server. For each lesson: launch it, wait for Initialize, then walk as
a learner does — read each new screen for ``--dwell`` seconds, let its media play (up to
``--media-wait``), press the control that goes on (next, continue, start; answer what is asked and
submit; at the end, a control that marks it complete), until no control goes on, the screen stops
changing, or the walk budget is spent. Then leave as a learner closing the window (Terminate is
waited for), and launch again with ``entry=resume`` to see the lesson pick up its stored state.

Presses are real mouse clicks on the view. What the lesson requested (Resource Timing, every frame,
on the LMS frame's clock), its console errors and the requests to other hosts (blocked) are
recorded; its LMS calls are kept by the staging server.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Generator
from typing import Any
from urllib.parse import unquote, urlsplit

from certifier.staging.paced_media import PacedClip

from .browser_probe import (
    CALLS_JS,
    EMPTY_FRAME_JS,
    INITIALIZED,
    LEAVE_JS,
    ends_session,
    resume_url,
    session_ended,
    unplayable_reason,
)
from .browser_slots import Browser, evaluated, evaluated_json, wait
from .learner_hands import StartPress, click, look, walker_script
from .walk_choices import choose, why_stopped

LOAD_TIMEOUT_S = 30.0
POLL_S = 0.25  # how often a changing screen is looked at
LEAVE_MAX_S = 6.0  # a leaving lesson has this long to send Terminate / terminated
UNLOAD_S = 0.7  # after the lesson frame is emptied, for unload handlers' calls
TIMELINE_KEPT = 3000  # requests kept per lesson
Steps = Generator[None, None, Any]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="certifier.qt_adapters.session_walk")
    parser.add_argument("--timeout", type=float, default=180.0, help="time for every lesson in all, s")
    parser.add_argument("--init-timeout", type=float, default=20.0, help="wait for Initialize, s")
    parser.add_argument("--walk-budget", type=float, default=60.0, help="walk of one lesson at most, s")
    parser.add_argument("--dwell", type=float, default=1.5, help="time on each new screen, s")
    parser.add_argument("--media-wait", type=float, default=15.0, help="time a screen's media may play, s")
    parser.add_argument("--change-wait", type=float, default=3.0, help="wait for a press to change the screen, s")
    parser.add_argument("--max-screens", type=int, default=60)
    parser.add_argument(
        "--min-session",
        type=float,
        default=8.0,
        help="a lesson stays open at least this long before the learner leaves, s",
    )
    parser.add_argument("--resume-settle", type=float, default=2.0, help="a resumed lesson's time to restore, s")
    parser.add_argument("--no-resume", action="store_true")
    parser.add_argument("--controls", default="[]", help="JSON list of CSS selectors of the player's next control")
    parser.add_argument("--painted", action="store_true", help="the player paints its screens: no end is claimed")
    parser.add_argument("--media-file", help="JSON: package path → kbps and duration of each clip")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=800)
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("urls", nargs="+")
    return parser.parse_args(argv)


class Walker:
    """One lesson's session on one slot: each method is a generator the scheduler steps."""

    def __init__(self, args: argparse.Namespace, deadline: float, script: str) -> None:
        self.args = args
        self.deadline = deadline
        self.script = script
        self.extra = json.dumps(json.loads(args.controls))
        self.clips: dict[str, Any] = {}
        if args.media_file:
            with open(args.media_file, encoding="utf-8") as source:
                self.clips = json.load(source)

    def session(self, slot: Any, url: str) -> Steps:
        started = time.monotonic()
        result: dict[str, Any] = {"url": url}
        launch = yield from self.launch(slot, url, started)
        result.update(launch)
        walk: dict[str, Any] = {
            "screens": [],
            "actions": [],
            "end": "not walked: the lesson never initialised",
            "timeline": [],
        }
        if launch["initialized"]:
            walk = yield from self.walk(
                slot, min(time.monotonic() + self.args.walk_budget, self.deadline), time.monotonic()
            )
        result.update(walk)
        result["left"] = yield from self.leave(slot, launch["initialized"] and ends_session(url))
        result["console_errors"] = list(slot.page.errors)
        result["dialogs"] = list(slot.page.dialogs)  # answered OK, as a learner does
        result["blocked_requests"] = list(slot.interceptor.blocked)
        if launch["initialized"] and not self.args.no_resume and time.monotonic() < self.deadline:
            result["resume"] = yield from self.resume(slot, resume_url(url), walk["screens"])
        result["wall_ms"] = round((time.monotonic() - started) * 1000, 1)
        return result

    def launch(self, slot: Any, url: str, started: float) -> Steps:
        slot.load(url)
        while slot.loaded is None and time.monotonic() - started < LOAD_TIMEOUT_S and time.monotonic() < self.deadline:
            yield
        if not slot.loaded:
            return {"initialized": False, "error": "the launch frame did not finish loading"}
        start = StartPress(self.script, self.extra)
        until = min(start.loaded + self.args.init_timeout, self.deadline)
        while time.monotonic() < until:
            calls = yield from evaluated_json(slot, CALLS_JS, self.deadline, [])
            if any(c.get("fn") in INITIALIZED or c.get("statement") for c in calls):
                opened = {"initialized": True, "init_ms": round((time.monotonic() - started) * 1000, 1)}
                return {**opened, "started_by": start.pressed} if start.pressed else opened
            yield from start.step(slot, until)  # still silent: it may wait on its learner's start
            yield from wait(POLL_S, until)
        return {"initialized": False}

    def look(self, slot: Any) -> Steps:
        return (yield from look(slot, self.script, self.extra, self.deadline))

    def walk(self, slot: Any, walk_deadline: float, opened: float) -> Steps:
        screens: list[dict[str, Any]] = []
        actions: list[dict[str, Any]] = []
        timeline: list[dict[str, Any]] = []
        pressed: Counter[tuple[str, str]] = Counter()
        answered: set[str] = set()
        waited: set[str] = set()  # painted screens waited on for a control or a change
        signature, end = None, "budget"
        while time.monotonic() < walk_deadline:
            state = yield from self.look(slot)
            if not state:
                end = "unreadable"
                break
            timeline.extend(state.pop("requests", []))
            state["drawn"] = state.get("drawn") or self.args.painted
            if state["signature"] != signature:
                signature = state["signature"]
                if len(screens) >= self.args.max_screens:
                    end = "screen limit"
                    break
                screens.append(
                    {
                        "n": len(screens) + 1,
                        "at_ms": round(state["at_ms"], 1),
                        "title": state["title"],
                        "questions": state["questions"],
                        "media": [],
                    }
                )
                screens[-1]["media"] = yield from self.dwell(slot, state, walk_deadline, timeline)
                continue  # look again: the screen may have moved on by itself
            if state["questions"] and signature not in answered:
                answered.add(signature)
                count = yield from self.answer(slot, walk_deadline)
                actions.append(
                    {
                        "screen": len(screens),
                        "kind": "answer",
                        "name": f"{count} question(s)",
                        "at_ms": round(state["at_ms"], 1),
                    }
                )
                continue
            choice = choose(state, pressed, signature, signature in answered)
            if choice is None and state.get("drawn") and signature not in waited:
                # A painted screen shows its controls as its timeline reaches them, or moves on itself.
                waited.add(signature)
                changed = yield from self.changes(
                    slot, signature, min(time.monotonic() + self.args.media_wait, walk_deadline)
                )
                if changed == "moved":
                    continue
                if changed == "ended":
                    end = "terminated"
                    break
            if choice is None:
                end = why_stopped(state, actions, len(screens))
                break
            pressed[(signature, choice["key"])] += 1
            moved = yield from self.press(slot, choice, signature, walk_deadline)
            actions.append(
                {
                    "screen": len(screens),
                    "kind": choice["tier"],
                    "name": choice["name"],
                    "effect": moved,
                    "at_ms": round(state["at_ms"], 1),
                }
            )
            if moved == "ended":
                end = "terminated"
                break
        if end != "terminated":  # a learner stays a while on the last screen: timed writes to the LMS show
            yield from wait(opened + self.args.min_session - time.monotonic(), walk_deadline)
        last = yield from evaluated_json(slot, "window.__walk ? window.__walk.requests() : '[]'", self.deadline, [])
        timeline.extend(last)
        ended_at = yield from evaluated(slot, "String(performance.now())", self.deadline)
        return {
            "screens": screens,
            "actions": actions,
            "end": end,
            "timeline": timeline[:TIMELINE_KEPT],
            "timeline_total": len(timeline),
            "walk_end_ms": round(float(ended_at or 0), 1),
        }

    def answer(self, slot: Any, walk_deadline: float) -> Steps:
        """Answers what the screen asks; choices drawn by the player over an invisible input are
        clicked where they show. Returns how many questions were answered."""
        done = yield from evaluated_json(slot, "window.__walk.answer()", self.deadline, {})
        for where in done.get("clicks", []):
            yield from click(slot, where, walk_deadline)
        return int(done.get("answered", 0))

    def press(self, slot: Any, control: dict[str, Any], signature: str, walk_deadline: float) -> Steps:
        where = yield from evaluated_json(
            slot, f"window.__walk.locate({json.dumps(control['key'])}, {self.extra})", self.deadline, None
        )
        if not where:
            return "gone"
        yield from click(slot, where, walk_deadline)
        return (yield from self.changes(slot, signature, min(time.monotonic() + self.args.change_wait, walk_deadline)))

    def changes(self, slot: Any, signature: str, until: float) -> Steps:
        """How the screen changes by ``until``: "moved", "ended" (the lesson ended its session) or "nothing"."""
        while time.monotonic() < until:
            yield from wait(POLL_S, until)
            now = yield from evaluated(slot, "window.__walk ? window.__walk.signature() : ''", self.deadline)
            if now and now != signature:
                return "moved"
            if (yield from session_ended(slot, self.deadline)):
                return "ended"  # the control ended the lesson's session (a finish button)
        return "nothing"

    def dwell(self, slot: Any, state: dict[str, Any], walk_deadline: float, timeline: list[dict[str, Any]]) -> Steps:
        """A learner reads the screen and lets its media play; what each clip did is returned. A clip
        this browser cannot decode is fetched as a learner's player would (paced at its bitrate, for
        as long as the learner watches it), so the timeline still holds its bytes."""
        yield from evaluated(slot, "window.__walk.play()", self.deadline)
        read_until = min(time.monotonic() + self.args.dwell, walk_deadline)
        media_until = min(time.monotonic() + self.args.media_wait, walk_deadline)
        offset = state["at_ms"] - time.monotonic() * 1000  # the LMS frame's clock
        clips: dict[str, dict[str, Any]] = {}
        paced: list[PacedClip] = []
        try:
            while True:
                yield from wait(min(0.5, self.args.dwell), walk_deadline)
                now = yield from self.look(slot)
                if not now:
                    break
                timeline.extend(now.pop("requests", []))
                playing = False
                for clip in now["media"]:
                    if not clip["shown"]:
                        continue
                    seen = clips.setdefault(clip["src"], {"src": clip["src"], "kind": clip["kind"], "played_s": 0.0})
                    advanced = clip["current"] > seen["played_s"]
                    seen.update(
                        duration_s=clip["duration"],
                        ended=clip["ended"],
                        decoded=not clip["unplayable"] and (seen.get("decoded", False) or advanced),
                    )
                    if clip["unplayable"] and "why" not in seen:
                        seen["why"] = unplayable_reason(clip)
                        fetcher = self.pace(clip["src"], seen, media_until, offset)
                        if fetcher:
                            paced.append(fetcher)
                    seen["played_s"] = max(seen["played_s"], round(clip["current"], 2))
                    playing = playing or (advanced and not clip["ended"])
                playing = playing or any(fetcher.is_alive() for fetcher in paced)
                if now["signature"] != state["signature"] or time.monotonic() >= walk_deadline:
                    break
                if time.monotonic() >= read_until and (not playing or time.monotonic() >= media_until):
                    break
        finally:
            for fetcher in paced:
                fetcher.stop()
                fetcher.join(2)
                timeline.extend(fetcher.requests)
        return list(clips.values())

    def pace(self, src: str, seen: dict[str, Any], until: float, offset: float) -> PacedClip | None:
        """Start fetching ``src`` as a player would, when its bitrate is known."""
        facts = self.clips.get(unquote(urlsplit(src).path).lstrip("/")) or {}
        if not facts.get("kbps"):
            seen["fetched"] = "not fetched: its bitrate is unknown"
            return None
        watch_s = min(facts.get("duration_s") or self.args.media_wait, until - time.monotonic())
        fetcher = PacedClip(src, float(facts["kbps"]), max(watch_s, 0.0), lambda: offset + time.monotonic() * 1000)
        fetcher.start()
        seen["fetched"] = (
            f"paced at its {facts['kbps']:,.0f} kbps for {watch_s:,.1f} s, as a learner's player fetches it"
        )
        return fetcher

    def leave(self, slot: Any, awaited: bool) -> Steps:
        """Leave as a learner closing the window: the lesson is asked to unload (beforeunload,
        pagehide) and, when it owes the LMS an end of session (``awaited``), given time to send it;
        then its frame is emptied while the LMS frame stays to log what unload handlers send. A
        lesson that already ended its session is not waited for."""
        asked = time.monotonic()
        ended = bool((yield from session_ended(slot, self.deadline))) if awaited else False
        if awaited and not ended:
            yield from evaluated(slot, LEAVE_JS, self.deadline)
            while time.monotonic() < min(asked + LEAVE_MAX_S, self.deadline):
                yield from wait(POLL_S, self.deadline)
                if (yield from session_ended(slot, self.deadline)):
                    ended = True
                    break
        yield from evaluated(slot, EMPTY_FRAME_JS, self.deadline)
        if not ended:
            yield from wait(UNLOAD_S, self.deadline)
        yield from evaluated(slot, "window.__certifierFlush && window.__certifierFlush(true); true", self.deadline)
        return {"ms": round((time.monotonic() - asked) * 1000, 1)}

    def resume(self, slot: Any, url: str, screens: list[dict[str, Any]]) -> Steps:
        started = time.monotonic()
        launch = yield from self.launch(slot, url, started)
        result: dict[str, Any] = {"url": url, **launch}
        if launch["initialized"]:
            yield from wait(self.args.resume_settle, self.deadline)
            state = yield from self.look(slot)
            if state:
                result["screen"] = {"title": state["title"], "signature": state["signature"]}
        result["left"] = yield from self.leave(slot, launch["initialized"] and ends_session(url))
        result["console_errors"] = list(slot.page.errors)
        result["dialogs"] = list(slot.page.dialogs)
        return result


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    browser = Browser(urlsplit(args.urls[0]).hostname or "", args.width, args.height)
    deadline = time.monotonic() + args.timeout
    script = walker_script()
    walker = Walker(args, deadline, script)
    slots = browser.slots(min(args.parallel, len(args.urls)))
    lessons = browser.run(
        slots,
        [lambda slot, url=url: walker.session(slot, url) for url in args.urls],
        deadline,
        lambda number: {"url": args.urls[number], "error": "not run: the time budget ran out"},
    )
    print(
        json.dumps(
            {
                "engine": browser.engine,
                "viewport": [args.width, args.height],
                "parallel": len(slots),
                "lessons": lessons,
            }
        )
    )
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
