"""Evidence one probe publishes and others read, declared with its type.

A probe names what it publishes (``Probe.publishes``) and what it reads (``Probe.uses``) as
:class:`SharedEvidence` kinds, never another probe's id or a string key. The registry checks the
declarations when probes load; the runner orders probes so publishers run first, checks what a
publisher hands over against the declared type, and lets a probe read only the kinds it declared.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

PROBLEMS_SHOWN = 3


@dataclass(frozen=True)
class SharedEvidence:
    """One kind of shared evidence: where its publisher puts it, and the type it must have."""

    name: str  # e.g. "launch-map"
    path: tuple[str, ...]  # where it sits in the publisher's evidence, e.g. ("outputs", "launch_map")
    type: Any  # a TypedDict, list[...], dict[str, ...], str | None, ...
    description: str

    def locate(self, evidence: Mapping[str, Any] | None) -> tuple[bool, Any]:
        """(found, value) at ``path`` in a publisher's evidence."""
        value: Any = evidence
        for key in self.path:
            if not isinstance(value, Mapping) or key not in value:
                return False, None
            value = value[key]
        return True, value

    def problems(self, value: Any) -> list[str]:
        """Where ``value`` departs from the declared type (empty when it conforms)."""
        found: list[str] = []
        _check(value, self.type, self.name, found)
        return found


class UndeclaredEvidence(Exception):
    """A probe read a kind of shared evidence it did not declare in ``uses``."""


def _check(value: Any, expected: Any, where: str, found: list[str]) -> None:
    if len(found) >= PROBLEMS_SHOWN or expected is Any:
        return
    origin = typing.get_origin(expected)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(expected)
        if not any(not _fails(value, option, where) for option in options):
            found.append(f"{where}: expected {_name(expected)}, found {_found(value)}")
        return
    if origin is list:
        if not isinstance(value, list):
            found.append(f"{where}: expected a list, found {_found(value)}")
            return
        (item,) = typing.get_args(expected) or (Any,)
        for index, element in enumerate(value):
            _check(element, item, f"{where}[{index}]", found)
        return
    if origin is dict:
        if not isinstance(value, dict):
            found.append(f"{where}: expected a table, found {_found(value)}")
            return
        _, item = typing.get_args(expected) or (str, Any)
        for key, element in value.items():
            _check(element, item, f"{where}.{key}", found)
        return
    if typing.is_typeddict(expected):
        if not isinstance(value, dict):
            found.append(f"{where}: expected a table, found {_found(value)}")
            return
        hints = _hints(expected)
        for key in sorted(expected.__required_keys__ - set(value)):
            found.append(f"{where}: lacks '{key}'")
        for key, hint in hints.items():
            if key in value:
                _check(value[key], hint, f"{where}.{key}", found)
        return
    if expected is type(None):
        if value is not None:
            found.append(f"{where}: expected nothing (null), found {_found(value)}")
        return
    if expected is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif expected is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, expected)
    if not ok:
        found.append(f"{where}: expected {_name(expected)}, found {_found(value)}")


@functools.lru_cache(maxsize=None)
def _hints(typed_dict: Any) -> dict[str, Any]:
    """A TypedDict's resolved field types, resolved once (a 4,000-item list would resolve them per item)."""
    return typing.get_type_hints(typed_dict)


def _fails(value: Any, expected: Any, where: str) -> bool:
    found: list[str] = []
    _check(value, expected, where, found)
    return bool(found)


def _name(expected: Any) -> str:
    return getattr(expected, "__name__", None) or str(expected).replace("typing.", "")


def _found(value: Any) -> str:
    return f"{type(value).__name__} ({value!r})"[:60]
