"""Helper process: run lessons as a learner's browser does (Qt WebEngine) and report as JSON.

``python -m certifier.qt_adapters.browser_probe [options] URL...`` — each URL is an LMS launch-frame page of
the embedded staging server. Each lesson runs in a sized view that Chromium treats as visible (a
hidden, unsized page delays or stops players' start-up), inside the LMS frame. The helper waits
until the SCO calls Initialize or ``--init-timeout`` passes, gives it ``--settle`` seconds for its
Commit/SetValue calls, reads what the page loaded (Resource Timing, with each response's status),
what it rendered, and its console errors, then empties the lesson frame so unload handlers run
(Terminate/LMSFinish) while the LMS frame is still there to log them. Several lessons run at once
(``--parallel``). Requests to any host other than the staging server are blocked and recorded:
the test machine contacts nothing but loopback, and a course that needs a CDN at run time says so.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any
from urllib.parse import urlsplit

from .browser_slots import CONSOLE_KEPT, Browser, SameFailure
from .learner_hands import StartPress, walker_script

LOAD_TIMEOUT_S = 30.0  # the launch frame itself must load within this
UNLOAD_S = 0.7  # after emptying a frame whose lesson never started: its unload handlers have posted
UNLOAD_MAX_S = 4.0  # a lesson that started: until its Terminate/terminated arrives, asked at once
LEAVE_MAX_S = 8.0  # a cmi5 AU asked to leave (beforeunload) has this long to send terminated

# Runs in the LMS frame when the learner closes the window. That window goes too, but it must stay
# to log what the lesson sends, so it is told of its closing instead: a lesson served from the LMS's
# origin may listen on the topmost window it can reach rather than its own (Lectora's pages put the
# pagehide handler that calls LMSFinish there), as on an LMS whose player page shares that origin.
CLOSE_WINDOW_JS = """
(function () {
  window.dispatchEvent(new Event('beforeunload', {cancelable: true}));
  window.dispatchEvent(new PageTransitionEvent('pagehide', {persisted: false}));
  window.dispatchEvent(new Event('unload'));
  return true;
})()
"""

EMPTY_FRAME_JS = "(document.getElementById('sco') && (document.getElementById('sco').src = 'about:blank'), true)"

# Runs in the LMS frame: the lesson is asked to leave (its own beforeunload and pagehide, where an
# AU sends terminated without the frame being emptied yet), and the window's closing is told.
LEAVE_JS = """
(function () {
  var frame = document.getElementById('sco');
  if (frame && frame.contentWindow) {
    frame.contentWindow.dispatchEvent(new Event('beforeunload', {cancelable: true}));
    frame.contentWindow.dispatchEvent(new Event('pagehide'));
  }
  return true;
})() && """ + CLOSE_WINDOW_JS.strip()

# Runs in the LMS frame: what the lesson has done so far, from the staging server (its SCORM calls
# and its xAPI statements), else the calls the frame recorded in page.
CALLS_JS = """
(function () {
  try {
    if (window.__certifierFlush) { window.__certifierFlush(true); }
    var x = new XMLHttpRequest();
    x.open('GET', '/__lms__/progress?id=' + encodeURIComponent(window.__certifierLaunch.id) +
           '&attempt=' + (window.__certifierLaunch.attempt || 1), false);
    x.send();
    if (x.status === 200) { return x.responseText; }
  } catch (e) { /* fall back to the frame's own record */ }
  return JSON.stringify(window.__certifierCalls || []);
}())
"""
INITIALIZED = ("Initialize", "LMSInitialize", "initialized")
TERMINATED = ("Terminate", "LMSFinish", "terminated")

# Runs in the LMS frame: what the lesson frame and its same-origin frames loaded and show.
PAGE_STATE_JS = """
(function () {
  var frame = document.getElementById('sco');
  var top = frame && frame.contentWindow;
  if (!top) { return JSON.stringify({error: 'no lesson frame'}); }
  var resources = [], text = 0, media = 0, starts = 0, frames = 0, errorFrames = [];
  function visit(win, depth) {
    var doc;
    try { doc = win.document; } catch (e) { return; }  // another origin: nothing to read
    if (!doc || depth > 6) { return; }
    frames += 1;
    var own = win.performance.getEntriesByType('navigation')[0];
    if (own && own.responseStatus >= 400) {  // the server's error page: its text is not the course
      errorFrames.push({url: String(win.location.href), status: own.responseStatus});
      return;
    }
    win.performance.getEntriesByType('resource').forEach(function (r) {
      resources.push({name: r.name, type: r.initiatorType, status: r.responseStatus || 0,
                      start_ms: r.startTime, duration_ms: r.duration, transfer_bytes: r.transferSize || 0,
                      response_end_ms: r.responseEnd});
    });
    if (doc.body) {
      text += (doc.body.innerText || '').trim().length;
      var shown = doc.querySelectorAll('img, canvas, video, svg, object, embed');
      for (var i = 0; i < shown.length; i++) {
        var box = shown[i].getBoundingClientRect();
        if (box.width * box.height >= 400) { media += 1; }
      }
      // A large button the player waits on (Captivate's play overlay before its first slide): shown.
      var buttons = doc.querySelectorAll('[role=button], button');
      for (var k = 0; k < buttons.length; k++) {
        var area = buttons[k].getBoundingClientRect(), look = win.getComputedStyle(buttons[k]);
        if (area.width >= 100 && area.height >= 100 && look.visibility !== 'hidden' && look.display !== 'none') { starts += 1; }
      }
    }
    for (var j = 0; j < win.frames.length; j++) { visit(win.frames[j], depth + 1); }
  }
  visit(top, 0);
  var nav = top.performance.getEntriesByType('navigation')[0] || {};
  return JSON.stringify({load_ms: nav.loadEventEnd || null, doc_bytes: nav.transferSize || nav.encodedBodySize || 0, dom_content_loaded_ms: nav.domContentLoadedEventEnd || null,
                         response_end_ms: nav.responseEnd || null, resources: resources,
                         rendered: {text_chars: text, media: media, start_buttons: starts, frames: frames,
                                    error_frames: errorFrames},
                         viewport: [top.innerWidth, top.innerHeight], visibility: document.visibilityState});
}())
"""


def session_ended(slot, deadline: float):
    """Ask the LMS frame whether the lesson ended its session (Terminate, LMSFinish, terminated),
    yielding to the event loop while it answers; an unreadable answer also ends the wait."""
    slot.evaluate(CALLS_JS)
    while slot.value is None and time.monotonic() < deadline:
        yield
    try:
        return any(c.get("fn") in TERMINATED for c in json.loads(slot.value or "[]"))
    except ValueError:
        return True


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="certifier.qt_adapters.browser_probe")
    parser.add_argument("--timeout", type=float, default=60.0, help="time for the whole pass, s")
    parser.add_argument("--init-timeout", type=float, default=20.0, help="wait for Initialize, s")
    parser.add_argument("--settle", type=float, default=1.0, help="after Initialize, for Commit/SetValue, s")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=800)
    parser.add_argument("--parallel", type=int, default=3, help="lessons run at once")
    parser.add_argument(
        "--give-up-after",
        type=int,
        default=0,
        help="lessons failing to start the same way before the rest are not awaited",
    )
    parser.add_argument("urls", nargs="+")
    return parser.parse_args(argv)


def resume_url(url: str) -> str:
    return url + ("&" if "?" in url else "?") + "entry=resume"


def ends_session(url: str) -> bool:
    """SCORM lessons end with Terminate and cmi5 AUs with terminated, worth waiting for when the
    learner leaves; a plain xAPI (Tin Can) course owes no such statement."""
    return "launch=xapi" not in url


def unplayable_reason(clip: dict[str, Any]) -> str:
    kind = clip["type"] or "its format"
    if clip["error"]:
        return f"this browser cannot play it ({kind}; media error {clip['error']})"
    return f"this browser has no decoder for {kind}"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    browser = Browser(urlsplit(args.urls[0]).hostname or "", args.width, args.height)
    deadline = time.monotonic() + args.timeout
    script = walker_script()

    def lesson(slot: Any, url: str) -> Any:
        """A generator stepped every tick: each ``yield`` gives the event loop back."""
        started = time.monotonic()
        slot.load(url)
        result: dict[str, Any] = {"url": url}
        while slot.loaded is None and time.monotonic() - started < LOAD_TIMEOUT_S and time.monotonic() < deadline:
            yield
        if not slot.loaded:
            result["error"] = "the launch frame did not finish loading"
        # A page that tracks nothing in the browser (plain HTML, AICC) is not waited for.
        waits = "launch=untracked" not in url
        init_deadline = min(started + args.init_timeout, deadline) if waits else started
        start = StartPress(script, "[]")
        calls: list[dict[str, Any]] = []
        while slot.loaded and time.monotonic() < init_deadline:
            slot.evaluate(CALLS_JS)
            while slot.value is None and time.monotonic() < deadline:
                yield
            try:
                calls = json.loads(slot.value or "[]")
            except ValueError:
                calls = []
            # SCORM's Initialize, cmi5's initialized, or any statement of an xAPI course ('attempted'…).
            if any(c.get("fn") in INITIALIZED or c.get("statement") for c in calls):
                result["init_ms"] = round((time.monotonic() - started) * 1000, 1)
                slot.tracking = True
                break
            yield from start.step(slot, init_deadline)  # still silent: it may wait on its learner's start
            yield
        if start.pressed:
            result["started_by"] = start.pressed
        result["initialized"] = "init_ms" in result
        result["tracked"] = waits
        settle_until = min(time.monotonic() + (args.settle if waits else 0.2), deadline)
        while time.monotonic() < settle_until:
            yield
        slot.evaluate(PAGE_STATE_JS)
        while slot.value is None and time.monotonic() < deadline:
            yield
        try:
            state = json.loads(slot.value) if slot.value else {"error": "the page state was not readable"}
        except ValueError:
            state = {"error": "the page state was not readable"}
        if "launch=cmi5" in url and result["initialized"]:
            # A cmi5 AU sends terminated from beforeunload with an asynchronous request, which emptying
            # the frame at once cancels (on a busy machine it often was). Ask it to leave first, as a
            # learner's exit does, and give it time to end its session.
            slot.evaluate(LEAVE_JS)
            asked = time.monotonic()
            while time.monotonic() < min(asked + LEAVE_MAX_S, deadline):
                yield
                if (yield from session_ended(slot, deadline)):
                    break
        # A learner closing the window closes the LMS's window too: it is told so, then the lesson's
        # frame is emptied, in one step (a cmi5 AU has been asked to leave above).
        closing = CLOSE_WINDOW_JS.strip() + " && " if result["initialized"] and "launch=cmi5" not in url else ""
        thrown_running = len(slot.page.errors)  # what it throws while being closed is no cause of anything before
        slot.evaluate(closing + EMPTY_FRAME_JS)
        emptied = time.monotonic()
        unload_until = min(emptied + (UNLOAD_MAX_S if result["initialized"] else UNLOAD_S), deadline)
        while time.monotonic() < unload_until:
            yield
            if not result["initialized"]:
                continue
            if (yield from session_ended(slot, deadline)):  # the LMS frame is still there
                break
        resources = state.pop("resources", [])
        result.update({k: v for k, v in state.items() if k != "error"})
        if "error" in state and "error" not in result:
            result["error"] = state["error"]
        load_ms = state.get("load_ms") or 0
        result["resources"] = resources[:500]
        result["bytes_by_load"] = sum(
            r["transfer_bytes"] for r in resources if (r.get("response_end_ms") or 0) <= load_ms
        )
        result["bytes_total"] = sum(r["transfer_bytes"] for r in resources)
        result["failed_requests"] = [
            {"url": r["name"][:300], "status": r["status"], "type": r["type"]} for r in resources if r["status"] >= 400
        ][:CONSOLE_KEPT]
        result["blocked_requests"] = list(slot.interceptor.blocked)
        result["console_errors"] = [
            {**error, "on_leave": True} if number >= thrown_running else error
            for number, error in enumerate(slot.page.errors)
        ]
        result["dialogs"] = list(slot.page.dialogs)
        result["wall_ms"] = round((time.monotonic() - started) * 1000, 1)
        result["viewport"] = state.get("viewport") or [args.width, args.height]
        return result

    slots = browser.slots(min(args.parallel, len(args.urls)))
    pages = browser.run(
        slots,
        [lambda slot, url=url: lesson(slot, url) for url in args.urls],
        deadline,
        lambda number: {"url": args.urls[number], "error": "not run: the time budget ran out"},
        SameFailure(args.give_up_after, args.init_timeout),
    )
    print(
        json.dumps(
            {
                "engine": browser.engine,
                "viewport": [args.width, args.height],
                "parallel": len(slots),
                "windows": browser.placements,
                "pages": pages,
            }
        )
    )
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
