"""The network timeline of a walked session: every request the lesson made (start, end, bytes, what)
on the LMS frame's clock, kept compact, and what one learner transferred from it — the average
over the session and the busiest 1-second and 10-second windows, with the file that drove them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

TIMELINE_KEPT = 1500   # requests kept per lesson in the evidence
WINDOWS_S = (1, 10)


def compact_timeline(requests: Sequence[Mapping[str, Any]]) -> list[list[Any]]:
    """[start ms, end ms, bytes, path, kind] per request, the LMS's own requests left out."""
    rows = []
    for request in requests:
        path = urlsplit(str(request.get("url", ""))).path
        if path.startswith(("/__lms__/", "/__lrs__/")):
            continue
        start = float(request.get("start_ms") or 0)
        rows.append([round(start, 1), round(max(float(request.get("end_ms") or start), start), 1),
                     int(request.get("bytes") or 0), path.lstrip("/"), str(request.get("type") or "")])
    return sorted(rows)[:TIMELINE_KEPT]


def busiest(rows: list[list[Any]], window_s: float) -> tuple[float, str]:
    """The most bytes moving within any ``window_s`` (each request's bytes spread over its span),
    as kbps, and the path that carried most of them."""
    if not rows:
        return 0.0, ""
    width = window_s * 1000
    best, driver = 0.0, ""
    for start in sorted({row[0] for row in rows}):
        end = start + width
        moved: dict[str, float] = {}
        for first, last, size, path, _ in rows:
            overlap = min(last, end) - max(first, start)
            span = max(last - first, 1.0)
            if overlap > 0 or (first >= start and last <= end):
                moved[path] = moved.get(path, 0.0) + size * min(1.0, max(overlap, 0.0) / span if last > first else 1.0)
        total = sum(moved.values())
        if total > best:
            best, driver = total, max(moved, key=lambda p: moved[p])
    return best * 8 / 1000 / window_s, driver


def demand(lessons: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """What one learner transferred in the walked sessions: bytes, the average rate over the time
    walked, and the busiest windows with what drove them (the highest lesson's)."""
    total_bytes, total_ms = 0, 0.0
    windows: dict[str, dict[str, Any]] = {}
    for lesson in lessons:
        rows = lesson.get("timeline") or []
        if not rows:
            continue
        total_bytes += sum(row[2] for row in rows)
        total_ms += max((lesson.get("walk_end_ms") or 0) - rows[0][0], max(row[1] for row in rows) - rows[0][0], 1.0)
        for seconds in WINDOWS_S:
            kbps, driver = busiest(rows, seconds)
            key = f"busiest_{seconds}s"
            if kbps > windows.get(key, {}).get("kbps", -1):
                windows[key] = {"kbps": round(kbps, 1), "driver": driver, "lesson": lesson["launch"]}
    if not total_bytes:
        return {}
    return {"bytes": total_bytes, "seconds": round(total_ms / 1000, 1),
            "avg_kbps": round(total_bytes * 8 / 1000 / (total_ms / 1000), 1), **windows}
