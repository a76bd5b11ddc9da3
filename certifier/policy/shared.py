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
        _check(value, self.type, (self.name,), found)
        return found[:PROBLEMS_SHOWN]


class UndeclaredEvidence(Exception):
    """A probe read a kind of shared evidence it did not declare in ``uses``."""


def _check(value: Any, expected: Any, where: tuple[str | int, ...], found: list[str]) -> None:
    """``where`` is the path to ``value`` as parts, rendered only for a problem: published lists
    run to thousands of items, and formatting each item's path cost more than checking it."""
    if len(found) >= PROBLEMS_SHOWN:
        return
    shape, *args = _shape(expected)
    if shape == "any":
        return
    if shape == "union":
        if not any(not _fails(value, option, where) for option in args[0]):
            found.append(f"{_render(where)}: expected {_name(expected)}, found {_found(value)}")
    elif shape == "list":
        if not isinstance(value, list):
            found.append(f"{_render(where)}: expected a list, found {_found(value)}")
            return
        for index, element in enumerate(value):
            _check(element, args[0], (*where, index), found)
    elif shape == "dict":
        if not isinstance(value, dict):
            found.append(f"{_render(where)}: expected a table, found {_found(value)}")
            return
        for key, element in value.items():
            _check(element, args[0], (*where, key), found)
    elif shape == "typeddict":
        if not isinstance(value, dict):
            found.append(f"{_render(where)}: expected a table, found {_found(value)}")
            return
        required, fields = args
        for key in sorted(required - set(value)):
            found.append(f"{_render(where)}: lacks '{key}'")
        for key, hint, field_shape in fields:
            if key not in value:
                continue
            if field_shape[0] == "scalar":  # most fields: checked here, without a call per field
                field = value[key]
                if not isinstance(field, field_shape[1]) or (field_shape[2] and isinstance(field, bool)):
                    found.append(f"{_render((*where, key))}: expected {_name(hint)}, found {_found(field)}")
            else:
                _check(value[key], hint, (*where, key), found)
    elif shape == "none":
        if value is not None:
            found.append(f"{_render(where)}: expected nothing (null), found {_found(value)}")
    elif not isinstance(value, args[0]) or (args[1] and isinstance(value, bool)):
        found.append(f"{_render(where)}: expected {_name(expected)}, found {_found(value)}")


@functools.cache
def _shape(expected: Any) -> tuple[Any, ...]:
    """What checking a value against ``expected`` takes, worked out once per type (a 4,000-item
    list would otherwise resolve its item type's hints per item)."""
    if expected is Any:
        return ("any",)
    origin = typing.get_origin(expected)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(expected)
        shapes = [_shape(option) for option in options]
        if all(shape[0] in ("scalar", "none") for shape in shapes):  # e.g. int | None: one isinstance
            accepted = tuple(
                t
                for shape in shapes
                for t in (
                    (type(None),) if shape[0] == "none" else shape[1] if isinstance(shape[1], tuple) else (shape[1],)
                )
            )
            no_bool = any(shape[0] == "scalar" and shape[2] for shape in shapes) and bool not in options
            return ("scalar", accepted, no_bool)
        return ("union", options)
    if origin is list:
        return ("list", (typing.get_args(expected) or (Any,))[0])
    if origin is dict:
        return ("dict", (typing.get_args(expected) or (str, Any))[-1])
    if typing.is_typeddict(expected):
        fields = tuple((key, hint, _shape(hint)) for key, hint in typing.get_type_hints(expected).items())
        return ("typeddict", frozenset(expected.__required_keys__), fields)
    if expected is type(None):
        return ("none",)
    if expected is float:
        return ("scalar", (int, float), True)  # an integer is a number; a bool is not
    if expected is int:
        return ("scalar", int, True)
    return ("scalar", expected, False)


def _render(where: tuple[str | int, ...]) -> str:
    return str(where[0]) + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in where[1:])


def _fails(value: Any, expected: Any, where: tuple[str | int, ...]) -> bool:
    found: list[str] = []
    _check(value, expected, where, found)
    return bool(found)


def _name(expected: Any) -> str:
    return getattr(expected, "__name__", None) or str(expected).replace("typing.", "")


def _found(value: Any) -> str:
    return f"{type(value).__name__} ({value!r})"[:60]
