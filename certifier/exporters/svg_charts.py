"""Inline SVG for the charts probes contribute (and, rasterised, the PDF's).

Draws the chart model of ``certifier.policy.presentation``; the desktop app paints the same model
with QPainter (``ui/charts.py``).
"""

from __future__ import annotations

from html import escape

from certifier.policy.presentation import BarChart, Chart, Waterfall

WIDTH = 760
ROW = 24
SPAN_ROW = 18
LABEL = 210
CHAR_PX = 6.8  # average width of a 12 px DejaVu Sans character: room for notes and labels
MAX_NOTE_ROOM = 300
AXIS_HEIGHT = 36  # the axis line, its tick values and its unit below them
SOLID, LIGHT, ALERT, LIMIT = "#1f4e79", "#9ecae1", "#b3261e", "#b26a00"


def render_chart(chart: Chart) -> str:
    return waterfall_svg(chart) if isinstance(chart, Waterfall) else bar_chart_svg(chart)


def _frame(height: int, body: str, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-label="{escape(title)}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def _hidden_note(y: float, hidden: int) -> str:
    return (
        f'<text x="{LABEL}" y="{y:.1f}" fill="#5f6368">… and {hidden:,} more (all are in the JSON report)</text>'
        if hidden
        else ""
    )


def _axis(x0: float, x1: float, y: float, top_value: float, unit: str) -> str:
    """A horizontal axis with three ticks and the unit."""
    parts = [f'<line x1="{x0:.1f}" y1="{y:.1f}" x2="{x1:.1f}" y2="{y:.1f}" stroke="#5f6368"/>']
    for fraction in (0, 0.5, 1):
        x = x0 + (x1 - x0) * fraction
        parts.append(
            f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{x:.1f}" y2="{y + 4:.1f}" stroke="#5f6368"/>'
            f'<text x="{x:.1f}" y="{y + 16:.1f}" text-anchor="middle" fill="#5f6368">'
            f"{top_value * fraction:,.0f}</text>"
        )
    parts.append(
        f'<text x="{(x0 + x1) / 2:.1f}" y="{y + 30:.1f}" text-anchor="middle" fill="#5f6368">{escape(unit)}</text>'
    )
    return "".join(parts)


def _text_width(text: str) -> float:
    return CHAR_PX * len(text)


def bar_chart_svg(chart: BarChart) -> str:
    top, scale = 20, chart.scale
    note_room = min(MAX_NOTE_ROOM, max(70.0, max((_text_width(chart.note_of(b)) for b in chart.bars), default=0) + 10))
    plot = WIDTH - LABEL - note_room

    def x(v: float) -> float:
        return LABEL + plot * v / scale

    parts = []
    for i, bar in enumerate(chart.bars):
        y = top + i * ROW
        parts.append(f'<text x="{LABEL - 6}" y="{y + 15}" text-anchor="end">{escape(bar.label[-32:])}</text>')
        if bar.background:
            parts.append(
                f'<rect x="{LABEL}" y="{y + 3}" width="{x(bar.background) - LABEL:.1f}" height="16" fill="{LIGHT}"/>'
            )
        thin = bar.background is not None
        parts.append(
            f'<rect x="{LABEL}" y="{y + (7 if thin else 3)}" width="{x(bar.value) - LABEL:.1f}" '
            f'height="{8 if thin else 16}" fill="{ALERT if bar.alert else SOLID}"/>'
        )
        if bar.marker is not None:
            parts.append(
                f'<line x1="{x(bar.marker):.1f}" y1="{y}" x2="{x(bar.marker):.1f}" y2="{y + 22}" stroke="#000"/>'
            )
        end = max(bar.value, bar.background or 0, bar.marker or 0)
        parts.append(f'<text x="{x(end) + 4:.1f}" y="{y + 15}">{escape(chart.note_of(bar))}</text>')
    bottom = top + len(chart.bars) * ROW
    parts.append(_axis(LABEL, LABEL + plot, bottom + 2, scale, chart.unit))
    bottom += AXIS_HEIGHT
    for n, (name, cap) in enumerate(chart.limits):
        label = f"{name} {cap:,.0f} {chart.unit}"
        # Turned inward with room to spare: the PDF's font runs wider than the estimate.
        anchor = "end" if x(cap) + 3 + 1.3 * _text_width(label) > WIDTH else "start"
        label_x = x(cap) - 3 if anchor == "end" else x(cap) + 3
        parts.append(
            f'<line x1="{x(cap):.1f}" y1="{top - 4}" x2="{x(cap):.1f}" y2="{bottom + 4 + 14 * n}" '
            f'stroke="{LIMIT}" stroke-dasharray="5,3"/>'
            f'<text x="{label_x:.1f}" y="{bottom + 14 + 14 * n}" fill="{LIMIT}" text-anchor="{anchor}">'
            f"{escape(label)}</text>"
        )
    bottom += 14 * len(chart.limits)
    parts.append(_hidden_note(bottom + 18, chart.hidden))
    return _frame(bottom + (40 if chart.hidden else 26), "".join(parts), chart.title)


def waterfall_svg(chart: Waterfall) -> str:
    span = chart.span_ms
    plot = WIDTH - LABEL - 70

    def x(v: float) -> float:
        return LABEL + plot * v / span

    parts = [
        (
            f'<rect x="{LABEL}" y="4" width="12" height="10" fill="{LIGHT}"/>'
            f'<text x="{LABEL + 16}" y="13">waiting for the first byte</text>'
            f'<rect x="{LABEL + 200}" y="4" width="12" height="10" fill="{SOLID}"/>'
            f'<text x="{LABEL + 216}" y="13">receiving</text>'
        )
    ]
    for i, s in enumerate(chart.spans):
        y = 22 + i * SPAN_ROW
        parts.append(
            f'<text x="{LABEL - 6}" y="{y + 12}" text-anchor="end">{escape(s.label[-30:])}</text>'
            f'<rect x="{x(s.start_ms):.1f}" y="{y + 3}" width="{max(x(s.first_byte_ms) - x(s.start_ms), 1):.1f}" '
            f'height="11" fill="{LIGHT}"/>'
            f'<rect x="{x(s.first_byte_ms):.1f}" y="{y + 3}" width="{max(x(s.end_ms) - x(s.first_byte_ms), 1):.1f}" '
            f'height="11" fill="{SOLID}"/>'
        )
    bottom = 26 + SPAN_ROW * len(chart.spans)
    parts.append(_axis(LABEL, LABEL + plot, bottom, span, "ms from the page request"))
    bottom += AXIS_HEIGHT
    parts.append(_hidden_note(bottom + 8, chart.hidden))
    return _frame(bottom + (16 if chart.hidden else 0), "".join(parts), chart.title)
