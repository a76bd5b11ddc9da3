"""How a learner's player streams a clip: one function shared by the Locust plan and the ``linktest`` probe.

The generated Locust file carries this function's source (IT's load rig need not install the
certifier), and the probe calls it directly, so the learners measured here and the learners of
the full-scale plan behave the same. It uses nothing but its arguments and the standard library.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any


def play_clip(
    clip: Mapping[str, Any],
    chunk_s: float,
    startup_s: float,
    fetch_chunk: Callable[[str, int, int, float], int | None],
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], object] = time.sleep,
    min_chunk_bytes: int = 16 * 1024,
    grace_s: float = 1.0,
) -> dict[str, Any]:
    """Play ``clip`` (path, bytes, kbps, duration_s) as a player does and return what happened.

    The player asks for ``chunk_s`` seconds of media per Range request. Until ``startup_s`` of media
    is buffered, the link must deliver at least as fast as the media plays (``grace_s`` of grace);
    once playing, it asks for each chunk a buffer (``startup_s``) ahead of its play time, and a
    chunk not whole by its play time is a stall: the learner gives up on the clip. A clip played
    through is watched to its end. ``fetch_chunk(path, first, last, deadline)`` returns the bytes
    received, or None for a stall (or a failed request).

    Returns a dict: ``received`` bytes, ``chunks`` asked, ``stalled`` (bool), ``seconds`` taken.
    """
    path, size = clip["path"], int(clip["bytes"])
    bytes_per_s = max(float(clip["kbps"]) * 125, 1.0)
    chunk = max(min_chunk_bytes, int(bytes_per_s * chunk_s))
    started, offset, received, chunks = clock(), 0, 0, 0
    playing_since: float | None = None
    while offset < size:
        end = min(offset + chunk, size) - 1
        plays_at = offset / bytes_per_s  # seconds into the clip where this chunk's media starts
        if playing_since is not None:  # a player asks for the next chunk a buffer ahead, not sooner
            wait = playing_since + plays_at - startup_s - clock()
            if wait > 0:
                sleep(wait)
            deadline = playing_since + plays_at
        else:  # buffering: the link must deliver at least as fast as the media plays
            deadline = clock() + (end + 1 - offset) / bytes_per_s + grace_s
        chunks += 1
        got = fetch_chunk(path, offset, end, deadline)
        if got is None:
            return {"received": received, "chunks": chunks, "stalled": True, "seconds": clock() - started}
        received += got
        if playing_since is None and end + 1 >= min(size, bytes_per_s * startup_s):
            playing_since = clock()  # enough buffered: playback starts
        offset = end + 1
    if playing_since is not None:  # the learner watches the clip to its end
        sleep(max(0.0, playing_since + float(clip["duration_s"]) - clock()))
    return {"received": received, "chunks": chunks, "stalled": False, "seconds": clock() - started}
