"""Charts painted with QPainter from the chart model probes contribute (the report's SVG draws the same)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from certifier.policy.presentation import BarChart, Chart, Waterfall

SOLID_COLOUR = QColor("#1f4e79")
LIGHT_COLOUR = QColor("#9ecae1")
ALERT_COLOUR = QColor("#b3261e")
LIMIT_COLOUR = QColor("#b26a00")
NOTE_COLOUR = QColor("#5f6368")
MARGIN = 12
ROW_HEIGHT = 26
SPAN_HEIGHT = 18


def chart_widget(chart: Chart, parent=None) -> QWidget:
    return WaterfallWidget(chart, parent) if isinstance(chart, Waterfall) else BarChartWidget(chart, parent)


class _ChartWidget(QWidget):
    def __init__(self, title: str, parent=None):
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setAccessibleName(title)

    def _title(self, painter: QPainter, title: str) -> int:
        metrics = painter.fontMetrics()
        painter.setPen(self.palette().text().color())
        painter.drawText(MARGIN, MARGIN + metrics.ascent(), title)
        return MARGIN + metrics.height() + 10

    def _axis(self, painter: QPainter, left: float, right: float, y: int, top_value: float, unit: str) -> int:
        """A horizontal axis with three ticks and the unit; returns the y below it."""
        metrics = painter.fontMetrics()
        painter.setPen(NOTE_COLOUR)
        painter.drawLine(int(left), y, int(right), y)
        for fraction in (0, 0.5, 1):
            x = left + (right - left) * fraction
            text = f"{top_value * fraction:,.0f}"
            painter.drawLine(int(x), y, int(x), y + 4)
            painter.drawText(int(x - metrics.horizontalAdvance(text) / 2), y + 4 + metrics.ascent(), text)
        painter.drawText(
            int((left + right) / 2 - metrics.horizontalAdvance(unit) / 2),
            y + 6 + metrics.height() + metrics.ascent(),
            unit,
        )
        return y + 10 + 2 * metrics.height()

    def _hidden(self, painter: QPainter, y: int, hidden: int) -> None:
        if hidden:
            painter.setPen(NOTE_COLOUR)
            painter.drawText(
                MARGIN, y + painter.fontMetrics().ascent(), f"… and {hidden:,} more (all are in the exported report)"
            )


class BarChartWidget(_ChartWidget):
    """Bars (solid value, light background, marker line) against dashed limit lines."""

    def __init__(self, chart: BarChart, parent=None):
        super().__init__(chart.title, parent)
        self.chart = chart
        self.setMinimumHeight(
            110 + ROW_HEIGHT * max(len(chart.bars), 2) + 20 * len(chart.limits) + (20 if chart.hidden else 0)
        )

    def paintEvent(self, event) -> None:
        chart = self.chart
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), self.palette().base())
        metrics = painter.fontMetrics()
        top = self._title(painter, chart.title)
        label_width = min(
            max((metrics.horizontalAdvance(b.label) for b in chart.bars), default=0) + 12, self.width() // 3
        )
        note_room = min(
            max((metrics.horizontalAdvance(chart.note_of(b)) for b in chart.bars), default=0) + 12, self.width() // 3
        )
        left, right = MARGIN + label_width, self.width() - MARGIN - note_room
        x = lambda v: left + (right - left) * v / chart.scale  # noqa: E731
        for i, bar in enumerate(chart.bars):
            y = top + i * ROW_HEIGHT
            painter.setPen(self.palette().text().color())
            painter.drawText(
                QRectF(MARGIN, y, label_width - 6, ROW_HEIGHT - 4),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                metrics.elidedText(bar.label, Qt.TextElideMode.ElideMiddle, label_width - 6),
            )
            if bar.background:
                painter.fillRect(QRectF(left, y + 3, x(bar.background) - left, ROW_HEIGHT - 8), LIGHT_COLOUR)
            inset = 7 if bar.background is not None else 3
            painter.fillRect(
                QRectF(left, y + inset, x(bar.value) - left, ROW_HEIGHT - 2 * inset - 2),
                ALERT_COLOUR if bar.alert else SOLID_COLOUR,
            )
            if bar.marker is not None:
                painter.setPen(QPen(self.palette().text().color(), 1.5))
                painter.drawLine(int(x(bar.marker)), y, int(x(bar.marker)), y + ROW_HEIGHT - 4)
            painter.setPen(self.palette().text().color())
            end = max(bar.value, bar.background or 0, bar.marker or 0)
            painter.drawText(int(x(end) + 6), int(y + ROW_HEIGHT / 2 + metrics.ascent() / 2 - 2), chart.note_of(bar))
        bottom = self._axis(painter, left, right, top + len(chart.bars) * ROW_HEIGHT, chart.scale, chart.unit)
        for row, (name, limit) in enumerate(chart.limits):
            painter.setPen(QPen(LIMIT_COLOUR, 1.5, Qt.PenStyle.DashLine))
            label_y = bottom + metrics.height() * (row + 1)  # one line per limit: labels never overlap
            painter.drawLine(int(x(limit)), top - 4, int(x(limit)), label_y - metrics.ascent())
            painter.drawText(int(x(limit)) + 3, label_y, f"{name} {limit:,.0f} {chart.unit}")
        self._hidden(painter, bottom + metrics.height() * (len(chart.limits) + 1), chart.hidden)


class WaterfallWidget(_ChartWidget):
    """Each request of a launch page: waiting (to first byte) light, receiving dark."""

    def __init__(self, chart: Waterfall, parent=None):
        super().__init__(chart.title, parent)
        self.chart = chart
        self.setMinimumHeight(110 + SPAN_HEIGHT * max(len(chart.spans), 2) + (20 if chart.hidden else 0))

    def paintEvent(self, event) -> None:
        chart = self.chart
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().base())
        metrics = painter.fontMetrics()
        top = self._title(painter, chart.title)
        label_width = min(
            max((metrics.horizontalAdvance(s.label) for s in chart.spans), default=0) + 12, self.width() // 3
        )
        left, right = MARGIN + label_width, self.width() - MARGIN - 60
        x = lambda v: left + (right - left) * v / chart.span_ms  # noqa: E731
        painter.fillRect(QRectF(left, top - 2, 12, 10), LIGHT_COLOUR)
        painter.setPen(self.palette().text().color())
        painter.drawText(int(left) + 16, top + 8, "waiting for the first byte")
        receiving_x = left + 16 + metrics.horizontalAdvance("waiting for the first byte") + 24
        painter.fillRect(QRectF(receiving_x, top - 2, 12, 10), SOLID_COLOUR)
        painter.drawText(int(receiving_x) + 16, top + 8, "receiving")
        top += metrics.height() + 6
        for i, s in enumerate(chart.spans):
            y = top + i * SPAN_HEIGHT
            painter.setPen(self.palette().text().color())
            painter.drawText(
                QRectF(MARGIN, y, label_width - 6, 16),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                metrics.elidedText(s.label, Qt.TextElideMode.ElideMiddle, label_width - 6),
            )
            painter.fillRect(QRectF(x(s.start_ms), y + 3, max(x(s.first_byte_ms) - x(s.start_ms), 1), 11), LIGHT_COLOUR)
            painter.fillRect(
                QRectF(x(s.first_byte_ms), y + 3, max(x(s.end_ms) - x(s.first_byte_ms), 1), 11), SOLID_COLOUR
            )
        below = self._axis(
            painter, left, right, top + len(chart.spans) * SPAN_HEIGHT + 2, chart.span_ms, "ms from the page request"
        )
        self._hidden(painter, below, chart.hidden)
