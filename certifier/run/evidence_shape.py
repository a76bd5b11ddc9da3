"""The shape an evidence file must have before ``certifier evaluate`` re-judges it.

An evidence file is a saved run (:class:`certifier.run.runner.RunRecord`); someone may hand over a
truncated, edited or unrelated JSON file. Each problem is reported as a path into the file
(``probe_runs[2].status``) and what was expected, never as a traceback.
"""

from __future__ import annotations

from typing import Any

from certifier.errors import CertifierError

PROBE_STATUSES = ("completed", "error", "timeout", "cancelled", "skipped")
TEXT, NUMBER, FLAG, OBJECT, LIST = "text", "a number", "true/false", "an object", "a list"
TOP_LEVEL = {
    "kind": TEXT,
    "schema_version": TEXT,
    "run_id": TEXT,
    "started_at": TEXT,
    "finished_at": TEXT,
    "cancelled": FLAG,
    "machine": OBJECT,
    "package": OBJECT,
    "probe_runs": LIST,
}
PROBE_RUN = {"probe_id": TEXT, "title": TEXT, "status": TEXT}
FILE_RECORD = {"path": TEXT, "size": NUMBER}
# Evidence a probe writes nests a dozen levels; far deeper is crafted, and the rules walking it recurse.
MAX_EVIDENCE_DEPTH = 64


def nesting_depth(data: Any, stop_at: int = MAX_EVIDENCE_DEPTH + 1) -> int:
    """How deep lists and objects nest (counted without recursion, up to ``stop_at``)."""
    deepest, stack = 0, [(data, 1)]
    while stack and deepest < stop_at:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            deepest = max(deepest, depth)
            stack.extend((v, depth + 1) for v in (value.values() if isinstance(value, dict) else value))
    return deepest


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return FLAG
    if isinstance(value, (int, float)):
        return NUMBER
    return {str: TEXT, dict: OBJECT, list: LIST, type(None): "null"}.get(type(value), type(value).__name__)


def _check(value: Any, expected: str, where: str, problems: list[str]) -> bool:
    if _kind(value) != expected:
        problems.append(f"{where} must be {expected}, found {_kind(value)}")
        return False
    return True


def shape_problems(data: Any) -> list[str]:
    """Everything wrong with the file's shape (empty when it can be re-judged)."""
    problems: list[str] = []
    if not _check(data, OBJECT, "the file", problems):
        return problems
    if nesting_depth(data) > MAX_EVIDENCE_DEPTH:
        return [f"its lists and objects nest more than {MAX_EVIDENCE_DEPTH} deep (a saved run nests about a dozen)"]
    for key, expected in TOP_LEVEL.items():
        if key not in data:
            problems.append(f"'{key}' is missing")
        else:
            _check(data[key], expected, key, problems)
    for index, run in enumerate(data.get("probe_runs") if isinstance(data.get("probe_runs"), list) else []):
        where = f"probe_runs[{index}]"
        if not _check(run, OBJECT, where, problems):
            continue
        for key, expected in PROBE_RUN.items():
            if key not in run:
                problems.append(f"{where}.{key} is missing")
            else:
                _check(run[key], expected, f"{where}.{key}", problems)
        if run.get("status") not in PROBE_STATUSES and isinstance(run.get("status"), str):
            problems.append(f"{where}.status must be one of {', '.join(PROBE_STATUSES)}, found '{run['status']}'")
        if "duration_s" in run:
            _check(run["duration_s"], NUMBER, f"{where}.duration_s", problems)
        if run.get("evidence") is not None:
            _check(run["evidence"], OBJECT, f"{where}.evidence", problems)
    inventory = data.get("inventory")
    if inventory is not None and _check(inventory, OBJECT, "inventory", problems):
        files = inventory.get("files")
        if _check(files, LIST, "inventory.files", problems):
            for index, record in enumerate(files):
                if _check(record, OBJECT, f"inventory.files[{index}]", problems):
                    for key, expected in FILE_RECORD.items():
                        _check(record.get(key), expected, f"inventory.files[{index}].{key}", problems)
                if len(problems) > 20:
                    break
    return problems


def require_shape(data: Any, source: str) -> None:
    problems = shape_problems(data)
    if problems:
        shown = "; ".join(problems[:8]) + (f" (and {len(problems) - 8} more)" if len(problems) > 8 else "")
        raise CertifierError(f"{source} is not an evidence file this version can re-judge: {shown}.")
