"""Inline SVG charts for the HTML report (and, rasterised, the PDF)."""

from __future__ import annotations

from html import escape
from typing import Any

WIDTH = 760
ROW = 24
LABEL = 210


def _frame(height: int, body: str, title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
            f'role="img" aria-label="{escape(title)}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">'
            f'<title>{escape(title)}</title>{body}</svg>')


def media_chart(report: dict[str, Any]) -> str | None:
    rates = report.get("outputs", {}).get("media", {}).get("bitrates", [])
    if not rates:
        return None
    media = report["profile"]["values"].get("media", {})
    caps = [("average cap", media.get("max_video_kbps")), ("peak cap", media.get("max_video_peak_kbps"))]
    rows = [(r["path"], r.get("video_avg_kbps") or r.get("avg_kbps") or 0, r.get("video_peak_kbps") or r.get("peak_kbps") or 0)
            for r in rates]
    top = 20
    scale = max([max(a, p) for _, a, p in rows] + [c for _, c in caps if c]) * 1.1 or 1
    plot = WIDTH - LABEL - 110
    x = lambda v: LABEL + plot * v / scale  # noqa: E731
    parts = []
    for i, (path, avg, peak) in enumerate(rows):
        y = top + i * ROW
        over = caps[0][1] and avg > caps[0][1]
        parts.append(f'<text x="{LABEL - 6}" y="{y + 15}" text-anchor="end">{escape(path[-32:])}</text>'
                     f'<rect x="{LABEL}" y="{y + 3}" width="{x(peak) - LABEL:.1f}" height="16" fill="#9ecae1"/>'
                     f'<rect x="{LABEL}" y="{y + 7}" width="{x(avg) - LABEL:.1f}" height="8" fill="{"#b3261e" if over else "#1f4e79"}"/>'
                     f'<text x="{x(max(avg, peak)) + 4:.1f}" y="{y + 15}">{avg:,.0f} / {peak:,.0f} kbps</text>')
    bottom = top + len(rows) * ROW
    for n, (name, cap) in enumerate(c for c in caps if c[1]):
        parts.append(f'<line x1="{x(cap):.1f}" y1="{top - 4}" x2="{x(cap):.1f}" y2="{bottom + 4 + 14 * n}" '
                     f'stroke="#b26a00" stroke-dasharray="5,3"/>'
                     f'<text x="{x(cap) + 3:.1f}" y="{bottom + 14 + 14 * n}" fill="#b26a00">{escape(name)} {cap:,.0f} kbps</text>')
    return _frame(bottom + 40, "".join(parts), "Media bitrate per file (average / peak) against the caps")


def waterfall_chart(page: dict[str, Any]) -> str:
    requests = [r for r in page["requests"] if r.get("ttfb_ms") is not None]
    span = max([r["start_ms"] + (r.get("transfer_ms") or 0) for r in requests] + [1])
    plot = WIDTH - LABEL - 70
    x = lambda v: LABEL + plot * v / span  # noqa: E731
    parts = []
    for i, r in enumerate(requests):
        y = 6 + i * 18
        end = r["start_ms"] + (r.get("transfer_ms") or r["ttfb_ms"])
        parts.append(f'<text x="{LABEL - 6}" y="{y + 12}" text-anchor="end">{escape((r.get("path") or "")[-30:])}</text>'
                     f'<rect x="{x(r["start_ms"]):.1f}" y="{y + 3}" width="{max(x(r["start_ms"] + r["ttfb_ms"]) - x(r["start_ms"]), 1):.1f}" height="11" fill="#9ecae1"/>'
                     f'<rect x="{x(r["start_ms"] + r["ttfb_ms"]):.1f}" y="{y + 3}" width="{max(x(end) - x(r["start_ms"] + r["ttfb_ms"]), 1):.1f}" height="11" fill="#1f4e79"/>')
    parts.append(f'<text x="{WIDTH - 60}" y="18">{span:,.0f} ms</text>')
    return _frame(20 + 18 * len(requests), "".join(parts), f"Waterfall of {page['launch']}")


def capacity_chart(report: dict[str, Any]) -> str | None:
    sites = report.get("outputs", {}).get("capacity", {}).get("sites", [])
    if not sites:
        return None
    shown = sites[:40]
    scale = max(max(s["max_concurrent"], s["peak_concurrent_needed"]) for s in shown) * 1.1 or 1
    plot = WIDTH - LABEL - 120
    x = lambda v: LABEL + plot * v / scale  # noqa: E731
    parts = []
    for i, s in enumerate(shown):
        y = 20 + i * ROW
        short = s["max_concurrent"] < s["peak_concurrent_needed"]
        parts.append(f'<text x="{LABEL - 6}" y="{y + 15}" text-anchor="end">{escape(s["name"][:30])}</text>'
                     f'<rect x="{LABEL}" y="{y + 3}" width="{x(s["max_concurrent"]) - LABEL:.1f}" height="16" fill="{"#b3261e" if short else "#1e7d32"}"/>'
                     f'<line x1="{x(s["peak_concurrent_needed"]):.1f}" y1="{y}" x2="{x(s["peak_concurrent_needed"]):.1f}" y2="{y + 22}" stroke="#000"/>'
                     f'<text x="{x(max(s["max_concurrent"], s["peak_concurrent_needed"])) + 4:.1f}" y="{y + 15}">'
                     f'{s["max_concurrent"]:,} fit / {s["peak_concurrent_needed"]:,} expected · wave {s.get("wave", "—")}</text>')
    return _frame(30 + len(shown) * ROW, "".join(parts), "Learners at once per site: what fits the link vs what is expected")
