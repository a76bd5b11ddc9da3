"""The network timeline of a walked session: every request the lesson made (start, end, bytes, what)
on the LMS frame's clock, kept compact. What one learner demands of the network is computed from it
once, by the capacity plan (``certifier.planning.demand``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

TIMELINE_KEPT = 1500  # requests kept per lesson in the evidence


def compact_timeline(requests: Sequence[Mapping[str, Any]]) -> list[list[Any]]:
    """[start ms, end ms, bytes, path, kind] per request, the LMS's own requests left out."""
    rows = []
    for request in requests:
        path = urlsplit(str(request.get("url", ""))).path
        if path.startswith(("/__lms__/", "/__lrs__/")):
            continue
        start = float(request.get("start_ms") or 0)
        rows.append(
            [
                round(start, 1),
                round(max(float(request.get("end_ms") or start), start), 1),
                int(request.get("bytes") or 0),
                path.lstrip("/"),
                str(request.get("type") or ""),
            ]
        )
    return sorted(rows)[:TIMELINE_KEPT]
