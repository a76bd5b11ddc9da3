"""Discovering probes through the ``certifier.probes`` entry-point group."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import entry_points

from certifier.policy.probe_api import Probe
from certifier.policy.profiles import CORE_SCHEMA, LimitSpec

ENTRY_POINT_GROUP = "certifier.probes"


@dataclass(frozen=True)
class BrokenProbe:
    """An entry point that could not be loaded; the run reports it rather than crash."""

    name: str
    reason: str


def discover_probes() -> tuple[dict[str, type[Probe]], list[BrokenProbe]]:
    probes: dict[str, type[Probe]] = {}
    broken: list[BrokenProbe] = []
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            cls = ep.load()
        except Exception as exc:  # a third-party probe's import error must not stop the tool
            broken.append(BrokenProbe(ep.name, f"cannot be loaded: {type(exc).__name__}: {exc}"))
            continue
        if not (isinstance(cls, type) and issubclass(cls, Probe)):
            broken.append(BrokenProbe(ep.name, f"{ep.value} is not a Probe subclass"))
        elif cls.id != ep.name:
            broken.append(BrokenProbe(ep.name, f"declares id '{cls.id}', not its entry-point name"))
        elif ep.name in probes:
            broken.append(BrokenProbe(ep.name, "is registered twice"))
        else:
            probes[ep.name] = cls
    return probes, broken


def profile_schema() -> dict[str, dict[str, LimitSpec]]:
    schema = {section: dict(keys) for section, keys in CORE_SCHEMA.items()}
    for probe_id, cls in discover_probes()[0].items():
        if cls.limits:
            schema[probe_id] = dict(cls.limits)
    return schema
