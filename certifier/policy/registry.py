"""Discovering probes through the ``certifier.probes`` entry-point group, and checking what they
declare: the evidence they share, and the profile sections they own."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points

from certifier.policy.probe_api import Need, Probe
from certifier.policy.profiles import CORE_SCHEMA, Profile, ProfileSchema, read_profile
from certifier.policy.shared import SharedEvidence

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
        elif problem := declaration_problem(cls):
            broken.append(BrokenProbe(ep.name, problem))
        else:
            probes[ep.name] = cls
    for name, reason in sharing_problems(probes).items():
        del probes[name]
        broken.append(BrokenProbe(name, reason))
    return probes, broken


def declaration_problem(cls: type[Probe]) -> str:
    """Why a probe's evidence declarations cannot be used (empty when they can)."""
    for attribute in ("uses", "publishes"):
        declared = getattr(cls, attribute)
        if not isinstance(declared, tuple) or not all(isinstance(k, SharedEvidence) for k in declared):
            return (
                f"declares {attribute} = {declared!r}; it must be a tuple of SharedEvidence kinds "
                "(see certifier.policy.evidence_kinds), not probe ids or keys"
            )
    return ""


def sharing_problems(probes: Mapping[str, type[Probe]]) -> dict[str, str]:
    """Probes that publish a kind another probe already publishes, or that wait on each other."""
    problems: dict[str, str] = {}
    owner: dict[str, str] = {}
    for probe_id, cls in probes.items():
        for kind in cls.publishes:
            if kind.name in owner:
                problems[probe_id] = f"publishes '{kind.name}', which the probe '{owner[kind.name]}' already publishes"
            else:
                owner[kind.name] = probe_id
    for probe_id in probes:
        if probe_id not in problems and _waits_on_itself(probe_id, probes, owner):
            problems[probe_id] = "reads evidence that, through other probes, depends on its own (a cycle)"
    return problems


def _waits_on_itself(start: str, probes: Mapping[str, type[Probe]], owner: Mapping[str, str]) -> bool:
    pending, seen = [start], set()
    while pending:
        for kind in probes[pending.pop()].uses:
            publisher = owner.get(kind.name)
            if publisher == start:
                return True
            if publisher and publisher not in seen:
                seen.add(publisher)
                pending.append(publisher)
    return False


def publishers(probes: Mapping[str, type[Probe]]) -> dict[str, str]:
    """Kind name → the id of the probe that publishes it."""
    return {kind.name: probe_id for probe_id, cls in probes.items() for kind in cls.publishes}


def unmet_uses(probes: Mapping[str, type[Probe]]) -> dict[str, list[str]]:
    """Probe id → the kinds it reads that no installed probe publishes (it runs without them)."""
    owner = publishers(probes)
    unmet = {probe_id: [k.name for k in cls.uses if k.name not in owner] for probe_id, cls in probes.items()}
    return {probe_id: kinds for probe_id, kinds in unmet.items() if kinds}


def with_publishers(probe_ids: Iterable[str], probes: Mapping[str, type[Probe]]) -> list[str]:
    """``probe_ids`` and, transitively, the probes publishing what they read."""
    owner = publishers(probes)
    chosen: list[str] = []
    pending = list(probe_ids)
    while pending:
        probe_id = pending.pop(0)
        if probe_id in chosen or probe_id not in probes:
            continue
        chosen.append(probe_id)
        pending += [owner[k.name] for k in probes[probe_id].uses if k.name in owner]
    return chosen


def publishing(kinds: Iterable[SharedEvidence], probes: Mapping[str, type[Probe]]) -> list[str]:
    """The probes that publish ``kinds``, with the publishers of what they read."""
    owner = publishers(probes)
    return with_publishers([owner[k.name] for k in kinds if k.name in owner], probes)


def desktop_check_probes(probes: Mapping[str, type[Probe]], with_course: bool) -> list[str]:
    """A desktop-readiness check: the probes that look at this machine and, with a course, the
    probes publishing what they read about the course."""
    machine = [p for p, cls in probes.items() if Need.MACHINE in cls.needs]
    return with_publishers(machine, probes) if with_course else machine


def apply_demo_settings(profile: Profile, probes: Mapping[str, type[Probe]]) -> None:
    """For a demo run: each probe's demo settings fill the keys the profile leaves empty (e.g. the
    bundled example sites), so the first run already shows what every probe answers."""
    for probe_id, cls in probes.items():
        section = profile.values.setdefault(probe_id, {})
        for key, value in cls.demo_settings.items():
            if not section.get(key):
                section[key] = value


def installed_schema() -> ProfileSchema:
    """The core's sections plus each installed probe's own."""
    probes, broken = discover_probes()
    sections = {section: dict(keys) for section, keys in CORE_SCHEMA.items()}
    for probe_id, cls in probes.items():
        if cls.limits:
            sections[probe_id] = dict(cls.limits)
    return ProfileSchema(sections, frozenset(probes), {b.name: b.reason for b in broken})


def load_profile(name_or_path: str) -> Profile:
    """A bundled profile or a TOML file, checked against the installed probes' sections."""
    return read_profile(name_or_path, installed_schema())
