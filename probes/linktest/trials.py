"""Trials of the ``linktest`` probe: streaming learners on one emulated site link, and the search
for the most learners the link carries without stalls.

A trial starts N learners, staggered, each playing the clips that make the course's busiest moment
(the media the capacity model's per-learner demand comes from, played together) with the Locust
plan's player (``play_clip``), for a fixed time on the embedded server whose link is the site's
training bandwidth: the model's claim, "this link carries N learners while media plays", put to
the test. Media plays all the time a trial counts: each clip is streamed over and over as one
continuous stream (``continuous``), as a long video would be. A clip played once and again with
a pause would leave each learner idle while the buffered end plays and while it re-buffers, so a
clip shorter than the player's buffer would measure the clip's length rather than the link.
The search starts at the capacity model's figure and steps up while trials pass, down while they
fail, so it needs two or three trials when the model is right. Whether a trial passed is decided
by ``sustained`` (pure), which the rules reuse.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from certifier.planning.player import play_clip
from certifier.staging.http_files import page_url

READ_CHUNK = 16 * 1024
CONNECT_TIMEOUT_S = 5.0
STAGGER_SHARE = 0.25  # learners join over the first quarter of a trial, as learners arrive, not at once;
# only chunks asked for once all have joined are counted (the ramp-in is a warm-up)


def time_scaled(
    clips: Sequence[Mapping[str, Any]], load: Mapping[str, Any], scale: float
) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """Clips and player timings run ``scale`` times faster than real time. With the link's rate and
    round trip scaled alike, every byte and every ratio of demand to link is unchanged: a trial of
    T seconds shows what T × scale seconds of learners would."""
    faster = [{**clip, "kbps": clip["kbps"] * scale, "duration_s": clip["duration_s"] / scale} for clip in clips]
    return faster, {
        "chunk_s": load["stream_chunk_s"] / scale,
        "startup_s": load["stream_startup_s"] / scale,
        "think_s": load["think_time_s"] / scale,
        "grace_s": 1.0 / scale,
    }


def continuous(clip: Mapping[str, Any], seconds: float) -> dict[str, Any]:
    """The clip as one stream that plays it over and over for at least ``seconds``; its bytes are
    the clip's, read again from the start at each play (``clip_ranges``)."""
    plays = math.ceil(seconds / clip["duration_s"]) + 1
    return {
        **clip,
        "bytes": int(clip["bytes"]) * plays,
        "duration_s": clip["duration_s"] * plays,
        "clip_bytes": int(clip["bytes"]),
    }


def clip_ranges(first: int, last: int, clip_bytes: int) -> list[tuple[int, int]]:
    """The clip's byte ranges that bytes ``first``–``last`` of its continuous stream are: one, or
    more where the range passes the end of a play."""
    ranges = []
    while first <= last:
        play_start = first - first % clip_bytes
        end = min(last, play_start + clip_bytes - 1)
        ranges.append((first - play_start, end - play_start))
        first = end + 1
    return ranges


class TrialOver(Exception):
    """The trial's time is up: what is in flight is not counted."""


def sustained(trial: Mapping[str, Any], stall_budget: float) -> bool:
    """A trial passes when stalled chunks and failed requests stay within the budget's share."""
    asked = trial["chunks"] + trial["requests"]
    return bool(asked > 0 and trial["stalls"] + trial["errors"] <= stall_budget * asked)


def highest_sustained(trials: Sequence[Mapping[str, Any]], stall_budget: float) -> int:
    """The most learners that passed with no failing trial at or below that number (0: none passed)."""
    failing = [t["learners"] for t in trials if not sustained(t, stall_budget)]
    ceiling = min(failing, default=None)
    passing = [
        t["learners"] for t in trials if sustained(t, stall_budget) and (ceiling is None or t["learners"] < ceiling)
    ]
    return max(passing, default=0)


def search_plan(model: int, max_learners: int) -> tuple[int, int, int]:
    """Where the search starts, its step (about a tenth of the model) and the most it tries."""
    step = max(1, round(model * 0.1))
    start = min(max(1, model), max_learners)
    ceiling = min(max_learners, max(model + 2 * step, round(model * 1.5)))
    return start, step, ceiling


def search(
    model: int,
    max_learners: int,
    stall_budget: float,
    run_trial: Callable[[int], dict[str, Any]],
    time_left: Callable[[], float],
    trial_s: float,
) -> tuple[list[dict[str, Any]], str]:
    """Trials from the model's figure, up while they pass, down while they fail; with why it stopped."""
    start, step, ceiling = search_plan(model, max_learners)
    trials: list[dict[str, Any]] = []
    learners = start
    while True:
        if time_left() < trial_s:
            return trials, "the time bound was reached"
        trials.append(run_trial(learners))
        passed = [t["learners"] for t in trials if sustained(t, stall_budget)]
        failed = [t["learners"] for t in trials if not sustained(t, stall_budget)]
        top, bottom = max(passed, default=0), min(failed, default=None)
        if bottom is not None and bottom - top <= step and top:
            return trials, ""
        if bottom is None:  # all passed so far: more learners
            if top >= ceiling:
                return trials, f"{top} learners still streamed without stalls (the search stops at {ceiling})"
            learners = min(ceiling, top + step)
        elif not top:  # all failed so far: fewer learners
            if bottom <= 1:
                return trials, "even one learner stalled"
            learners = max(1, bottom - step)
        else:  # passed and failed more than a step apart: halve the gap
            learners = (top + bottom) // 2
            if learners in (t["learners"] for t in trials):
                return trials, ""


class Trial:
    """N learners streaming for ``seconds`` against ``base``; counts chunks, stalls, requests and errors."""

    def __init__(
        self,
        base: str,
        clips: list[dict[str, Any]],
        player_settings: Mapping[str, float],
        seconds: float,
        cancelled: threading.Event,
    ):
        self.base, self.clips, self.player_settings, self.seconds = base, clips, player_settings, seconds
        self.cancelled = cancelled
        self.lock = threading.Lock()
        self.counts = {"chunks": 0, "stalls": 0, "requests": 0, "errors": 0, "clips": 0, "bytes": 0}
        self.ends_at = self.counting_from = 0.0
        self.over = threading.Event()

    def run(self, learners: int) -> dict[str, Any]:
        started = time.monotonic()
        self.ends_at = started + self.seconds
        self.counting_from = started + self.seconds * STAGGER_SHARE
        stagger = self.seconds * STAGGER_SHARE / max(1, learners)
        timer = threading.Timer(self.seconds, self.over.set)
        timer.start()
        # Played together, and for longer than the trial: a learner's media never pauses.
        players = [(n * stagger, continuous(clip, self.seconds * 2)) for n in range(learners) for clip in self.clips]
        try:
            with ThreadPoolExecutor(max_workers=len(players), thread_name_prefix="link-learner") as pool:
                list(pool.map(lambda player: self.player(*player), players))
        finally:
            timer.cancel()
            self.over.set()
        elapsed = time.monotonic() - started
        return {"learners": learners, **self.counts, "seconds": round(elapsed, 2)}

    def add(self, **counts: int) -> None:
        with self.lock:
            for key, value in counts.items():
                self.counts[key] += value

    def wait(self, seconds: float) -> None:
        if self.over.wait(max(0.0, seconds)) or self.cancelled.is_set():
            raise TrialOver

    def player(self, delay: float, clip: dict[str, Any]) -> None:
        """One learner's player: the continuous stream (and again, with the think time, should it end)."""
        session = requests.Session()
        session.trust_env = False
        try:
            self.wait(delay)
            while True:
                played = play_clip(
                    clip,
                    self.player_settings["chunk_s"],
                    self.player_settings["startup_s"],
                    lambda path, first, last, deadline: self.fetch_chunk(
                        session, path, first, last, clip["clip_bytes"], deadline
                    ),
                    sleep=self.wait,
                    grace_s=self.player_settings["grace_s"],
                )
                self.add(clips=int(not played["stalled"]))  # chunks and stalls: counted as they end
                self.wait(self.player_settings["think_s"])
        except TrialOver:
            return
        finally:
            session.close()

    def fetch_chunk(
        self, session: requests.Session, path: str, first: int, last: int, clip_bytes: int, deadline: float
    ) -> int | None:
        """One chunk of the continuous stream, read as it arrives; None when it is not whole by its
        play time (a stall) or a request failed."""
        counted = time.monotonic() >= self.counting_from
        received = 0
        for start, end in clip_ranges(first, last, clip_bytes):
            got = self.fetch_range(session, path, start, end, deadline)
            if got is None:  # a failed request, counted even in the warm-up
                self.add(chunks=1, errors=1)
                return None
            received += got
            if got < end + 1 - start:
                if self.over.is_set() and deadline >= self.ends_at:
                    raise TrialOver  # cut by the trial's end, not late for its play time
                self.add(chunks=int(counted), stalls=int(counted), bytes=received)
                return None
        self.add(chunks=int(counted), bytes=received)
        return received

    def fetch_range(self, session: requests.Session, path: str, first: int, last: int, deadline: float) -> int | None:
        """One Range request: the bytes that came by the deadline, or None for an error status."""
        received = 0
        try:
            with session.get(
                page_url(self.base, path),
                headers={"Range": f"bytes={first}-{last}"},
                stream=True,
                timeout=(CONNECT_TIMEOUT_S, max(deadline - time.monotonic(), 0.5)),
            ) as response:
                if response.status_code not in (200, 206):
                    return None
                for data in response.iter_content(READ_CHUNK):
                    received += len(data)
                    if time.monotonic() > deadline:
                        break
                    if self.over.is_set() and deadline >= self.ends_at:
                        raise TrialOver
        except requests.RequestException:
            pass  # nothing more came before the read timed out: the caller judges what came
        return received
