"""Charts painted with QPainter: the same data the report's charts show."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

AVG_COLOUR = QColor("#1f4e79")
PEAK_COLOUR = QColor("#9ecae1")
OVER_COLOUR = QColor("#b3261e")
CAP_COLOUR = QColor("#b26a00")
MARGIN = 12
ROW_HEIGHT = 26


class BarChart(QWidget):
    """Horizontal bars (average solid, peak light) per item against dashed limit lines."""

    def __init__(self, title: str, unit: str, empty_text: str, parent=None):
        super().__init__(parent)
        self.title = title
        self.unit = unit
        self.empty_text = empty_text
        self.rows: list[tuple[str, float, float | None]] = []
        self.limits: list[tuple[str, float]] = []
        self.setMinimumHeight(160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setAccessibleName(title)

    def set_data(self, rows: list[tuple[str, float, float | None]], limits: list[tuple[str, float]]) -> None:
        self.rows = rows
        self.limits = [(name, value) for name, value in limits if value]
        self.setMinimumHeight(80 + ROW_HEIGHT * max(len(rows), 2) + 20 * len(self.limits))
        self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), self.palette().base())
        metrics = painter.fontMetrics()
        painter.setPen(self.palette().text().color())
        painter.drawText(MARGIN, MARGIN + metrics.ascent(), self.title)
        if not self.rows:
            painter.setPen(QColor("#5f6368"))
            painter.drawText(self.rect().adjusted(MARGIN, 30, -MARGIN, -MARGIN),
                             Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap, self.empty_text)
            return
        label_width = min(max(metrics.horizontalAdvance(r[0]) for r in self.rows) + 12, self.width() // 3)
        left = MARGIN + label_width
        right = self.width() - MARGIN - 80
        top = MARGIN + metrics.height() + 10
        scale_max = max([r[1] for r in self.rows] + [r[2] or 0 for r in self.rows] + [v for _, v in self.limits]) * 1.1
        x = lambda v: left + (right - left) * v / scale_max  # noqa: E731
        for i, (label, value, peak) in enumerate(self.rows):
            y = top + i * ROW_HEIGHT
            painter.setPen(self.palette().text().color())
            painter.drawText(QRectF(MARGIN, y, label_width - 6, ROW_HEIGHT - 4),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             metrics.elidedText(label, Qt.TextElideMode.ElideMiddle, label_width - 6))
            if peak:
                painter.fillRect(QRectF(left, y + 3, x(peak) - left, ROW_HEIGHT - 8), PEAK_COLOUR)
            over = any(value > limit for _, limit in self.limits[:1])
            painter.fillRect(QRectF(left, y + 7, x(value) - left, ROW_HEIGHT - 16), OVER_COLOUR if over else AVG_COLOUR)
            painter.drawText(int(x(max(value, peak or 0)) + 6), int(y + ROW_HEIGHT / 2 + metrics.ascent() / 2 - 2),
                             f"{value:,.0f}" + (f" / {peak:,.0f}" if peak else "") + f" {self.unit}")
        bottom = top + len(self.rows) * ROW_HEIGHT
        for row, (name, limit) in enumerate(self.limits):
            painter.setPen(QPen(CAP_COLOUR, 1.5, Qt.PenStyle.DashLine))
            label_y = bottom + metrics.height() * (row + 1)  # one line per cap: labels never overlap
            painter.drawLine(int(x(limit)), top - 4, int(x(limit)), label_y - metrics.ascent())
            painter.drawText(int(x(limit)) + 3, label_y, f"{name} {limit:,.0f} {self.unit}")


def media_rows(report: dict[str, Any]) -> list[tuple[str, float, float | None]]:
    """Video files by their video stream's rates (what the caps apply to), audio-only by the file's."""
    bitrates = report.get("outputs", {}).get("media", {}).get("bitrates", [])
    return [(b["path"].rsplit("/", 1)[-1], b.get("video_avg_kbps") or b["avg_kbps"] or 0.0,
             b.get("video_peak_kbps") or b.get("peak_kbps")) for b in bitrates]


def media_limits(report: dict[str, Any]) -> list[tuple[str, float]]:
    media = report.get("profile", {}).get("values", {}).get("media", {})
    return [("avg cap", media.get("max_video_kbps", 0)), ("peak cap", media.get("max_video_peak_kbps", 0))]


class WaterfallChart(QWidget):
    """Each request of each launch page: waiting (to first byte) light, receiving dark."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[tuple[str, float, float, float]] = []
        self.setAccessibleName("Page-load waterfall")
        self.setMinimumHeight(120)

    def set_data(self, waterfall: list[dict[str, Any]]) -> None:
        self.rows = []
        for page in waterfall:
            for r in page["requests"]:
                if r.get("ttfb_ms") is None:
                    continue
                label = f"{page['launch'].rsplit('/', 1)[-1]} › {(r['path'] or '').rsplit('/', 1)[-1]}"
                self.rows.append((label, r["start_ms"], r["ttfb_ms"], r.get("transfer_ms") or r["ttfb_ms"]))
        self.setMinimumHeight(60 + 18 * max(len(self.rows), 2))
        self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().base())
        metrics = painter.fontMetrics()
        painter.setPen(self.palette().text().color())
        painter.drawText(MARGIN, MARGIN + metrics.ascent(), "Page-load waterfall (ms from the page request)")
        if not self.rows:
            painter.setPen(QColor("#5f6368"))
            painter.drawText(MARGIN, 40 + metrics.ascent(), "No page load measured yet. Run the page-load probe.")
            return
        label_width = min(max(metrics.horizontalAdvance(r[0]) for r in self.rows) + 12, self.width() // 3)
        left, right, top = MARGIN + label_width, self.width() - MARGIN - 60, MARGIN + metrics.height() + 8
        span = max(start + transfer for _, start, _, transfer in self.rows) or 1.0
        x = lambda v: left + (right - left) * v / span  # noqa: E731
        for i, (label, start, ttfb, transfer) in enumerate(self.rows):
            y = top + i * 18
            painter.setPen(self.palette().text().color())
            painter.drawText(QRectF(MARGIN, y, label_width - 6, 16), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             metrics.elidedText(label, Qt.TextElideMode.ElideMiddle, label_width - 6))
            painter.fillRect(QRectF(x(start), y + 3, max(x(start + ttfb) - x(start), 1), 11), PEAK_COLOUR)
            painter.fillRect(QRectF(x(start + ttfb), y + 3, max(x(start + transfer) - x(start + ttfb), 1), 11), AVG_COLOUR)
        painter.setPen(self.palette().text().color())
        painter.drawText(right + 4, top + metrics.ascent(), f"{span:,.0f} ms")


def waterfall_data(report: dict[str, Any]) -> list[dict[str, Any]]:
    return report.get("outputs", {}).get("pageload", {}).get("waterfall", [])


def capacity_rows(report: dict[str, Any]) -> list[tuple[str, float, float | None]]:
    sites = report.get("outputs", {}).get("capacity", {}).get("sites", [])
    return [(f"{s['name']} ({s['waves']} waves)", float(s["max_concurrent"]), float(s["peak_concurrent_needed"]))
            for s in sites[:60]]
