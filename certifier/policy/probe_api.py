"""The probe API: a probe gathers evidence once (I/O), then pure rules turn it into findings.

Third-party probes subclass :class:`Probe` and register under the ``certifier.probes``
entry-point group, exactly as the built-in ones do; the entry-point name must equal ``id``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, ClassVar

from certifier.package.archive import CoursePackage
from certifier.errors import Cancelled, PackageRejected
from certifier.policy.findings import Finding
from certifier.package.inventory import Inventory
from certifier.policy.profiles import LimitSpec, Profile
from certifier.policy.rules import Rule
from certifier.package.standards import Detection
from certifier.package.workdir import WorkDir


class Need(str, Enum):
    PACKAGE = "package"
    STAGING = "staging"
    MACHINE = "machine"


class Probe:
    """Base class. ``gather`` may do I/O; ``evaluate`` must be a pure function of its inputs."""

    id: ClassVar[str] = ""
    title: ClassVar[str] = ""
    description: ClassVar[str] = ""
    needs: ClassVar[frozenset[Need]] = frozenset({Need.PACKAGE})
    # Probes whose evidence this one reads when they ran (they are run first).
    uses: ClassVar[tuple[str, ...]] = ()
    # The probe's section in policy profiles: key → what it means.
    limits: ClassVar[Mapping[str, LimitSpec]] = {}
    # Other profile sections the rules read (e.g. "network"), passed under their own names.
    reads_sections: ClassVar[tuple[str, ...]] = ()
    # Run when no probe is named (False for probes a user asks for explicitly).
    default_enabled: ClassVar[bool] = True
    # Every rule this probe can emit: id → its declaration (certifier.policy.rules.Rule: titles, severity,
    # remediation, IT risk), generated with rules.declared_in; a third-party probe may give titles only.
    rules: ClassVar[Mapping[str, Rule | str]] = {}

    # How the probe decides what fails and how badly, in a few sentences a reviewer reads in the report.
    grading: ClassVar[str] = ""

    def gather(self, ctx: ProbeContext) -> dict[str, Any]:
        raise NotImplementedError

    def evaluate(self, evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> list[Finding]:
        raise NotImplementedError


@dataclass
class ProbeContext:
    """Everything a probe may look at while gathering, and its way to report progress."""

    profile: Profile
    workdir: WorkDir
    package: CoursePackage | None = None
    package_rejection: PackageRejected | None = None
    inventory: Inventory | None = None
    detection: Detection | None = None
    staging_url: str | None = None
    machine_facts: dict[str, Any] = field(default_factory=dict)
    evidence: dict[str, dict[str, Any]] = field(default_factory=dict)
    on_progress: Callable[[float, str], None] | None = None
    stop_event: threading.Event = field(default_factory=threading.Event)
    deadline: float | None = None
    # Staging credentials: used for requests, never stored in evidence or reports.
    staging_auth: tuple[str, str] | None = None

    def progress(self, fraction: float, message: str = "") -> None:
        self.checkpoint()
        if self.on_progress:
            self.on_progress(max(0.0, min(1.0, fraction)), message)

    def checkpoint(self) -> None:
        """Raise Cancelled when the run was cancelled or this probe's time is up."""
        if self.stop_event.is_set():
            raise Cancelled("stopped")
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise Cancelled("timed out")

    def limits(self, probe_id: str) -> dict[str, Any]:
        return self.profile.section(probe_id)


def rule_limits(cls: type[Probe], profile: Profile) -> dict[str, Any]:
    """What a probe's rules receive: its own section, plus the sections it declares it reads."""
    limits = profile.section(cls.id)
    for section in cls.reads_sections:
        limits[section] = profile.section(section)
    return limits
