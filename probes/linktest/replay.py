"""Replay trials of the ``linktest`` probe: learners requesting, over one emulated site link, what
the walked session requested in its busiest window.

Where one learner's demand is driven by pages or the player's first load rather than a clip, the
capacity model's claim is "this link carries N learners whose busiest windows coincide": each
learner's window holds ``demand × window`` kilobits, and N learners share the link. A replay
trial puts that to the test with the session's own requests (path, bytes, when: the timeline the
demand figure was measured from, at a learner's pace), not a model of them. N learners start the
window together (within a short stagger), each with a browser's parallel connections, and each
request must be whole within one window of when the learner asked for it, as the model assumes.
A late or failed request counts against the trial as a stalled chunk does in a streaming trial,
so ``sustained`` and the search decide the same way for both.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from certifier.staging.http_files import page_url

from .trials import CONNECT_TIMEOUT_S, READ_CHUNK

BROWSER_CONNECTIONS = 6  # requests a browser keeps in flight to one host (HTTP/1.1)
START_SPREAD_SHARE = 0.05  # learners start the window within this share of it: together, not in lockstep

Replayed = Sequence[tuple[float, int, str]]  # (seconds from the window's start, bytes, path)


def scaled_requests(requests_: Replayed, scale: float) -> list[tuple[float, int, str]]:
    """The window's requests ``scale`` times faster: their times shrink, their bytes do not (the
    link runs ``scale`` times faster too, so demand ÷ link is unchanged)."""
    return [(at / scale, size, path) for at, size, path in requests_]


class ReplayTrial:
    """N learners each replaying ``requests`` against ``base``; a request is late when it is not
    whole ``window_s`` after it was asked for. Returns the streaming trial's counts: ``requests``
    asked, ``stalls`` (late) and ``errors`` (failed), ``chunks`` 0."""

    def __init__(self, base: str, requests_: Replayed, window_s: float, cancelled: threading.Event):
        self.base, self.requests, self.window_s, self.cancelled = base, list(requests_), window_s, cancelled
        self.lock = threading.Lock()
        self.counts = {"chunks": 0, "stalls": 0, "requests": 0, "errors": 0, "bytes": 0}

    def run(self, learners: int) -> dict[str, Any]:
        started = time.monotonic()
        spread = self.window_s * START_SPREAD_SHARE / max(1, learners)
        jobs = [(started + n * spread + at, size, path) for n in range(learners) for at, size, path in self.requests]
        # Each learner's requests wait for a free connection of its own, as in a browser.
        pools = [ThreadPoolExecutor(BROWSER_CONNECTIONS, thread_name_prefix="replay-learner") for _ in range(learners)]
        try:
            per_learner = len(self.requests)
            futures = [pools[index // per_learner].submit(self.request, *job) for index, job in enumerate(jobs)]
            for future in futures:
                future.result()
        finally:
            for pool in pools:
                pool.shutdown(wait=True, cancel_futures=True)
        return {"learners": learners, **self.counts, "seconds": round(time.monotonic() - started, 2)}

    def add(self, **counts: int) -> None:
        with self.lock:
            for key, value in counts.items():
                self.counts[key] += value

    def request(self, asked_at: float, size: int, path: str) -> None:
        """One request of one learner, asked for at ``asked_at`` (or when a connection frees)."""
        if self.cancelled.wait(max(0.0, asked_at - time.monotonic())):
            return
        deadline = asked_at + self.window_s
        received, failed = 0, False
        session = requests.Session()
        session.trust_env = False
        try:
            with session.get(
                page_url(self.base, path),
                headers={"Range": f"bytes=0-{size - 1}", "Accept-Encoding": "identity"},
                stream=True,
                timeout=(CONNECT_TIMEOUT_S, max(deadline - time.monotonic(), 0.5)),
            ) as response:
                # Any answer the session also got is replayed as such (a 404 page is bytes on the
                # link too); the server failing is an error. A file smaller than what the browser
                # moved for it (headers, or a later version) is awaited whole.
                failed = response.status_code >= 500
                size = min(size, int(response.headers.get("Content-Length") or size))
                for data in response.iter_content(READ_CHUNK):
                    received += len(data)
                    if received >= size or time.monotonic() > deadline or self.cancelled.is_set():
                        break
        except requests.RequestException:
            pass  # nothing more came before the read timed out: judged by what came
        finally:
            session.close()
        late = not failed and (received < size or time.monotonic() > deadline)
        self.add(requests=1, errors=int(failed), stalls=int(late), bytes=received)
