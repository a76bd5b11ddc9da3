"""The plug-in scan's reading: every text file searched in one pass for the signal table's hints, in bounded parts, while a reader thread inflates ahead."""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterable, Iterator
from typing import Any

from certifier.package.archive import CoursePackage

from .signals import HINTS, SIGNALS, SIGNALS_BY_HINT, STAGE_HINTS, STAGE_SIZE, Signal

BASE64_RUN = 64  # a match inside a run of base64 characters this long is encoded data
MAX_CARRY_BYTES = 256 * 1024  # a line longer than this (minified scripts) is scanned in overlapping parts
OVERLAP_BYTES = 4096  # enough for any single signal to be seen whole in one part
EVIDENCE_PER_TECHNOLOGY = 25  # mentions kept with their snippet; counting goes on to 40× this


class PluginScanner:
    """Collects signal occurrences across chunks of one file, with their line numbers."""

    def __init__(self, found: dict[str, list[dict[str, Any]]], stages: list[dict[str, Any]]):
        self.found = found
        self.stages = stages

    def scan_file(self, path: str, chunks: Iterable[bytes]) -> int:
        line_base, carry, total = 1, b"", 0
        seen: set[tuple[str, int]] = set()
        for chunk in chunks:
            total += len(chunk)
            buffer = carry + chunk
            cut = buffer.rfind(b"\n") + 1
            if cut == 0 and len(buffer) > MAX_CARRY_BYTES:
                cut = len(buffer) - OVERLAP_BYTES
                body, carry = buffer[:cut], buffer[cut - OVERLAP_BYTES :]  # keep an overlap: nothing split unseen
            else:
                body, carry = buffer[:cut], buffer[cut:]
            self._scan(path, body, line_base, seen)
            line_base += body.count(b"\n")
        self._scan(path, carry, line_base, seen)
        return total

    def _scan(self, path: str, body: bytes, line_base: int, seen: set[tuple[str, int]]) -> None:
        if not body:
            return
        hints = {match.group(0).lower() for match in HINTS.finditer(body)}
        if not hints:
            return  # the common case: one fast pass and nothing to look at
        signals = {signal for hint in hints for signal in SIGNALS_BY_HINT.get(hint, ())}
        for signal in SIGNALS:
            if signal in signals:
                self._matches(path, body, line_base, signal, seen)
        if hints & set(STAGE_HINTS):
            for match in STAGE_SIZE.finditer(body):
                self.stages.append(
                    {
                        "width": int(match.group(1)),
                        "height": int(match.group(2)),
                        "path": path,
                        "line": line_base + body.count(b"\n", 0, match.start()),
                    }
                )

    def _matches(self, path: str, body: bytes, line_base: int, signal: Signal, seen: set[tuple[str, int]]) -> None:
        hits = self.found.setdefault(signal.technology, [])
        for match in signal.pattern.finditer(body):
            if inside_base64(body, match.start(), match.end()):
                continue
            line = line_base + body.count(b"\n", 0, match.start())
            if (signal.technology, line) in seen:
                continue
            seen.add((signal.technology, line))
            if len(hits) < EVIDENCE_PER_TECHNOLOGY:
                snippet = match.group(0)[:120].decode("utf-8", "replace")
                hits.append({"path": path, "line": line, "snippet": snippet})
            else:
                hits.append({"path": path, "line": line}) if len(hits) < EVIDENCE_PER_TECHNOLOGY * 40 else None


_BASE64_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")


def inside_base64(body: bytes, start: int, end: int) -> bool:
    """True when the match sits in a long unbroken run of base64 characters (an encoded blob)."""
    left = start
    while left > 0 and start - left < BASE64_RUN and body[left - 1] in _BASE64_BYTES:
        left -= 1
    right = end
    while right < len(body) and right - end < BASE64_RUN and body[right] in _BASE64_BYTES:
        right += 1
    return (start - left) + (right - end) >= BASE64_RUN and (start - left) >= 16 and (right - end) >= 16


PREFETCH_CHUNKS = 8  # at most this many chunks (of 1 MB) wait in memory


def prefetched(package: CoursePackage, paths: list[str]) -> Generator[tuple[str, Iterator[bytes]], None, None]:
    """Yield (path, chunk iterator) while a reader thread inflates ahead.

    zlib releases the GIL while it inflates and the matching holds it, so the two overlap on two
    cores; the bounded queue keeps memory flat however large the package.
    """
    chunks: queue.Queue[Any] = queue.Queue(maxsize=PREFETCH_CHUNKS)
    stop = threading.Event()
    end_of_file = object()

    def read() -> None:
        try:
            for path in paths:
                for chunk in package.iter_chunks(path):
                    while not stop.is_set():
                        try:
                            chunks.put(chunk, timeout=0.1)
                            break
                        except queue.Full:
                            continue
                    if stop.is_set():
                        return
                chunks.put(end_of_file)
        except BaseException as exc:  # a damaged entry: the scanning side raises it
            chunks.put(exc)

    def one_file() -> Iterator[bytes]:
        while True:
            item = chunks.get()
            if item is end_of_file:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    reader = threading.Thread(target=read, name="plugins-reader", daemon=True)
    reader.start()
    try:
        for path in paths:
            yield path, one_file()
    finally:
        stop.set()
        reader.join(5)
