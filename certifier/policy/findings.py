"""Findings: what a rule concluded, with the evidence and the fix, in IT's terms."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    BLOCKER = "blocker"
    MAJOR = "major"
    MINOR = "minor"
    INFO = "info"


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    SKIPPED = "skipped"
    ERROR = "error"


SEVERITY_ORDER = {s: i for i, s in enumerate(Severity)}
# The statuses a reader acts on (the others: passed, or not applicable).
PROBLEM_STATUSES = (Status.FAIL.value, Status.ERROR.value, Status.WARN.value)


@dataclass(frozen=True)
class Evidence:
    """Where the finding can be seen (a package path, line and column, or a URL) and, when the
    finding lists several problems, what is wrong at this place (``note``)."""

    path: str | None = None
    line: int | None = None
    url: str | None = None
    column: int | None = None
    note: str | None = None

    def __str__(self) -> str:
        if self.url:
            return self.url
        if self.path and self.line:
            return f"{self.path}:{self.line}" + (f":{self.column}" if self.column else "")
        return self.path or ""


@dataclass(frozen=True)
class Finding:
    """One rule's outcome.

    ``rule_id`` is stable across versions (``<probe>.<rule>``) so reports can be compared;
    ``measured``/``limit``/``unit`` are set whenever the rule compares a number with a limit.
    """

    rule_id: str
    title: str
    severity: Severity
    status: Status
    message: str = ""
    measured: float | int | str | None = None
    limit: float | int | str | None = None
    unit: str | None = None
    evidence: tuple[Evidence, ...] = ()
    remediation: str = ""
    it_risk: str = ""
    spec_ref: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def probe_id(self) -> str:
        return self.rule_id.split(".", 1)[0]

    @property
    def failed(self) -> bool:
        return self.status is Status.FAIL

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = self.severity.value
        data["status"] = self.status.value
        data["evidence"] = [{k: v for k, v in asdict(e).items() if v is not None} for e in self.evidence]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        values = dict(data)
        values["severity"] = Severity(values["severity"])
        values["status"] = Status(values["status"])
        values["evidence"] = tuple(Evidence(**e) for e in values.get("evidence", ()))
        return cls(**values)


def evidence_label(evidence: dict[str, Any]) -> str:
    """Where a report's evidence item points, as people cite it: a URL, or path:line:column."""
    if evidence.get("url"):
        return str(evidence["url"]) + (f" ({evidence['path']})" if evidence.get("path") else "")
    label = evidence.get("path") or ""
    if evidence.get("line"):
        label += f":{evidence['line']}" + (f":{evidence['column']}" if evidence.get("column") else "")
    return label


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def printable(text: str) -> str:
    """Text safe for a terminal and for XML: control characters (an ANSI escape in a file name,
    a carriage return) and lone surrogates shown as \\xNN instead of acting or breaking the file."""
    return _CONTROL.sub(
        lambda m: f"\\x{ord(m.group(0)):02x}" if ord(m.group(0)) < 0x100 else f"\\u{ord(m.group(0)):04x}", text
    )


EVIDENCE_SHOWN = 50  # items a text view lists per finding; the JSON report keeps every one


def at(path: str | None = None, line: int | None = None, url: str | None = None) -> tuple[Evidence, ...]:
    """Shorthand for the single-location evidence most rules give."""
    return (Evidence(path=path, line=line, url=url),)


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """'1 file', '2 files', '1,200 learners': a count with its noun in the right number."""
    return f"{count:,} {noun if count == 1 else (plural or noun + 's')}"


def quantity(value: float | int, unit: str = "") -> str:
    """A number as a person reads it: thousands separated, few but enough decimals."""
    magnitude = abs(value)
    if magnitude >= 100 or float(value).is_integer():
        text = f"{value:,.0f}"
    elif magnitude >= 10:
        text = f"{value:,.1f}"
    else:
        text = f"{value:.2g}" if magnitude < 0.1 else f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{text} {unit}".rstrip()


def value_with_unit(value: Any, unit: str | None) -> str:
    """A measured value or limit for display: thousands separated, trailing zeros dropped."""
    if value is None:
        return ""
    if isinstance(value, float):
        value = f"{value:,.2f}".rstrip("0").rstrip(".")
    elif isinstance(value, int):
        value = f"{value:,}"
    return f"{value} {unit or ''}".strip()


def from_problems(
    rule_id: str,
    title: str,
    severity: Severity,
    problems: list[tuple[str, Evidence]],
    ok: str,
    *,
    remediation: str = "",
    it_risk: str = "",
    fail_status: Status = Status.FAIL,
    measured: Any = None,
    limit: Any = None,
    unit: str | None = None,
    spec_ref: str | None = None,
    details: dict[str, Any] | None = None,
    count_prefix: bool = False,
) -> Finding:
    """One finding for a rule: ``pass`` with ``ok`` when there is no problem, else ``fail_status``
    listing the first problems in the message and every problem as evidence, each with its note
    (text views abbreviate; the JSON report keeps them all)."""
    if not problems:
        return Finding(
            rule_id,
            title,
            severity,
            Status.PASS,
            ok,
            measured=measured,
            limit=limit,
            unit=unit,
            it_risk=it_risk,
            spec_ref=spec_ref,
            details=details or {},
        )
    messages = [message for message, _ in problems]
    shown = "; ".join(messages[:3]) + (f" (and {len(messages) - 3} more)" if len(messages) > 3 else "")
    if count_prefix:
        shown = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}: {shown}"
    return Finding(
        rule_id,
        title,
        severity,
        fail_status,
        shown,
        measured=measured if measured is not None or not count_prefix else len(problems),
        limit=limit,
        unit=unit,
        evidence=tuple(_noted(e, m) for m, e in problems),
        remediation=remediation,
        it_risk=it_risk,
        spec_ref=spec_ref,
        details=details or {},
    )


def _noted(evidence: Evidence, message: str) -> Evidence:
    return evidence if evidence.note else Evidence(evidence.path, evidence.line, evidence.url, evidence.column, message)
