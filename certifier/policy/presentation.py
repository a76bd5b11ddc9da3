"""What a probe adds to a report's renderings, as plain data every renderer draws the same way.

A probe returns these from its presentation hooks (``Probe.summary_rows``, ``charts``, ``tables``,
``text_lines``); the HTML/PDF exporters draw charts as SVG and the desktop app with QPainter,
both from one model, with the same cap on rows.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

# Rows one chart draws; the rest are counted in a note (the JSON report keeps them all).
MAX_CHART_ROWS = 40


@dataclass(frozen=True)
class SummaryRow:
    """One line of the *Summary for IT*: a topic IT owns and what the course needs of it."""

    topic: str  # e.g. "Proxy / firewall"
    text: str  # plain text; renderers escape it
    order: int = 100  # rows are shown by order, then topic (network first, desktops last)


@dataclass(frozen=True)
class Bar:
    label: str
    value: float  # the solid bar
    background: float | None = None  # a lighter, wider bar behind (e.g. the peak)
    marker: float | None = None  # a thin line across the bar (e.g. what is expected)
    alert: bool = False  # drawn in the alert colour (over a cap, short of a need)
    note: str = ""  # text after the bar; empty: the value with the unit


@dataclass(frozen=True)
class BarChart:
    title: str
    unit: str
    bars: tuple[Bar, ...]
    limits: tuple[tuple[str, float], ...] = ()  # dashed vertical lines: (name, value)
    hidden: int = 0  # bars beyond MAX_CHART_ROWS, not drawn

    @classmethod
    def capped(
        cls,
        title: str,
        unit: str,
        bars: Sequence[Bar],
        limits: Sequence[tuple[str, float]] = (),
        limit: int = MAX_CHART_ROWS,
    ) -> BarChart:
        shown = tuple(bars[:limit])
        return cls(title, unit, shown, tuple((n, v) for n, v in limits if v), len(bars) - len(shown))

    @property
    def scale(self) -> float:
        values = [v for b in self.bars for v in (b.value, b.background or 0, b.marker or 0)]
        return max(values + [v for _, v in self.limits] + [0]) * 1.1 or 1.0

    def note_of(self, bar: Bar) -> str:
        if bar.note:
            return bar.note
        return f"{bar.value:,.0f}" + (f" / {bar.background:,.0f}" if bar.background else "") + f" {self.unit}"


@dataclass(frozen=True)
class Span:
    """One request of a waterfall: waiting until the first byte, then receiving until the end."""

    label: str
    start_ms: float
    first_byte_ms: float
    end_ms: float


@dataclass(frozen=True)
class Waterfall:
    title: str
    spans: tuple[Span, ...]
    hidden: int = 0

    @classmethod
    def capped(cls, title: str, spans: Sequence[Span]) -> Waterfall:
        shown = tuple(spans[:MAX_CHART_ROWS])
        return cls(title, shown, len(spans) - len(shown))

    @property
    def span_ms(self) -> float:
        return max([s.end_ms for s in self.spans] + [1.0])


Chart = BarChart | Waterfall


@dataclass(frozen=True)
class Table:
    """A section of the report shown as a table (plain text cells; renderers escape them)."""

    anchor: str  # the HTML section id
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    code_columns: tuple[int, ...] = ()  # columns shown as code (paths, ids)
    wrap_column: int | None = None  # the one column of long text that may wrap; the others stay whole
    note: str = ""  # one sentence under the table (what a word in it means)
    placement: str = "body"  # "answer": with the verdict, first; "body"; "appendix": at the end, for reference


class CommandServices(Protocol):
    """What the command line lends a probe's own subcommand."""

    version: str

    def load_profile(self, name_or_path: str) -> Any: ...

    def run_probes(self, path: Any, profile: Any, publishing: Sequence[Any]) -> Any:
        """Run the probes that publish these shared-evidence kinds; return the run record."""

    def shared(self, record: Any, kind: Any) -> Any:
        """What a probe of ``record`` published of ``kind`` (None when none did)."""

    def write_text(self, path: str, text: str) -> None: ...

    def write_json(self, path: str, data: Any) -> None: ...

    def exit_code(self, verdict: str) -> int:
        """The exit code the command line gives a verdict (e.g. "NOT CERTIFIED")."""


@dataclass(frozen=True)
class CheckOption:
    """An option of ``certifier check`` that sets one of the probe's own profile keys for this run."""

    flag: str  # e.g. "--sites"
    key: str  # the key in the probe's profile section, e.g. "sites_file"
    metavar: str
    help: str
    is_file: bool = False  # the file must exist; it is passed on as an absolute path
    # For a file option: finds the file a name stands for (a bundled file by name); None: a plain path.
    resolve: Callable[[str], Path] | None = None
    bundled: Callable[[], list[str]] | None = None  # the bundled files' names, for the error message


@dataclass(frozen=True)
class Command:
    """A ``certifier`` subcommand a probe brings along (e.g. ``capacity``, ``loadplan``)."""

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, CommandServices], int]
