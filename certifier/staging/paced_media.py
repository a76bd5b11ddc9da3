"""A learner's player fetching a clip the session's browser cannot decode.

The browser the session runs in (the PyPI build of Qt WebEngine) has no H.264 or AAC decoder, yet
learners' browsers play such clips. So that a walked session still transfers what a learner's
browser would, the clip is fetched as a progressive-download player fetches it: Range requests
that keep a buffer of media ahead of the play position, paced at the clip's measured bitrate, for
as long as the learner watches. Each request is recorded on the session's clock.
"""

from __future__ import annotations

import threading
import time
import urllib.request
from collections.abc import Callable
from typing import Any

BUFFER_AHEAD_S = 10.0  # media a player keeps buffered ahead of the play position
CHUNK_S = 4.0  # media one Range request asks for at most
POLL_S = 0.2
REQUEST_TIMEOUT_S = 10.0
REQUESTS_KEPT = 400  # a clip's requests recorded at most


class PacedClip(threading.Thread):
    """Fetch ``url`` for ``watch_s`` seconds at ``kbps`` as a player would; ``clock`` gives the
    session's time in ms. ``requests`` holds what was fetched (url, start_ms, end_ms, bytes)."""

    def __init__(self, url: str, kbps: float, watch_s: float, clock: Callable[[], float]) -> None:
        super().__init__(name="paced-clip", daemon=True)
        self.url, self.kbps, self.watch_s, self.clock = url, kbps, watch_s, clock
        self.requests: list[dict[str, Any]] = []
        self.error: str | None = None
        self._stop_event = threading.Event()

    def stop(self) -> None:
        self._stop_event.set()

    def run(self) -> None:
        rate = self.kbps * 1000 / 8  # bytes of media a second
        started = time.monotonic()
        position, size = 0, None
        try:
            while not self._stop_event.is_set() and len(self.requests) < REQUESTS_KEPT:
                played = time.monotonic() - started
                if played >= self.watch_s or (size is not None and position >= size):
                    return
                wanted = int((played + BUFFER_AHEAD_S) * rate)
                if position >= wanted:
                    self._stop_event.wait(POLL_S)
                    continue
                last = min(wanted, position + int(CHUNK_S * rate)) - 1
                got, size = self._fetch(position, last, size)
                if got <= 0:
                    return
                position += got
        except OSError as exc:  # the server went away or refused: what was fetched stays recorded
            self.error = str(exc)[:200]

    def _fetch(self, first: int, last: int, size: int | None) -> tuple[int, int | None]:
        request = urllib.request.Request(self.url, headers={"Range": f"bytes={first}-{last}"})
        begun = self.clock()
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_S) as response:
            body = response.read(last - first + 1)
            total = response.headers.get("Content-Range", "").rpartition("/")[2]
        self.requests.append(
            {
                "url": self.url,
                "type": "media-paced",
                "start_ms": round(begun, 1),
                "end_ms": round(self.clock(), 1),
                "bytes": len(body),
                "status": response.status,
            }
        )
        if size is None and total.isdigit():
            size = int(total)
        return len(body), size
