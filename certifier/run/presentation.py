"""Gathering what each probe adds to a report's renderings (summary rows, charts, tables, lines).

Renderers call :func:`contributions` and draw what comes back; none of them names a probe. A
probe whose hook fails loses its own contribution, noted, never the report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from certifier.policy.findings import counted
from certifier.policy.presentation import Chart, SummaryRow, Table
from certifier.policy.probe_api import Probe
from certifier.policy.registry import discover_probes

STORAGE_ORDER = 20


@dataclass
class Contributions:
    summary_rows: list[SummaryRow] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    text_lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # hooks that failed, said in the rendering


def contributions(report: Mapping[str, Any], probes: Mapping[str, type[Probe]] | None = None) -> Contributions:
    """What the probes that ran add to ``report``, in the order they ran."""
    if probes is None:
        probes = discover_probes()[0]
    result = Contributions(summary_rows=core_rows(report))
    for entry in report.get("probes", []):
        cls = probes.get(entry["id"])
        if cls is None:
            continue
        for hook, target in (
            ("summary_rows", result.summary_rows),
            ("charts", result.charts),
            ("tables", result.tables),
            ("text_lines", result.text_lines),
        ):
            try:
                target.extend(getattr(cls, hook)(report))
            except Exception as exc:  # a probe's rendering bug costs its own rows, not the report
                result.problems.append(
                    f"The probe '{cls.id}' could not add its {hook.replace('_', ' ')}: {type(exc).__name__}: {exc}"
                )
    result.summary_rows.sort(key=lambda row: (row.order, row.topic))
    return result


def core_rows(report: Mapping[str, Any]) -> list[SummaryRow]:
    package = report.get("package") or {}
    if package.get("size") is None:
        return []
    return [
        SummaryRow(
            "Storage",
            f"{package['size'] / 2**20:,.1f} MB in {counted(package.get('file_count', 0), 'file')}",
            STORAGE_ORDER,
        )
    ]
