"""The probe API: a probe gathers evidence once (I/O), then pure rules turn it into findings.

Third-party probes subclass :class:`Probe` and register under the ``certifier.probes``
entry-point group, exactly as the built-in ones do; the entry-point name must equal ``id``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

from certifier.errors import Cancelled, PackageRejected
from certifier.package.archive import CoursePackage
from certifier.package.inventory import Inventory
from certifier.package.standards import Detection
from certifier.package.workdir import WorkDir
from certifier.policy.findings import Finding
from certifier.policy.presentation import Chart, CheckOption, Command, SummaryRow, Table
from certifier.policy.profiles import LimitSpec, Profile
from certifier.policy.rules import Rule
from certifier.policy.shared import SharedEvidence, UndeclaredEvidence


class MissingContext(RuntimeError):
    """A probe asked for what its run did not give it (a package, say, without Need.PACKAGE)."""


class Need(StrEnum):
    PACKAGE = "package"
    # The package's files on disk (to serve them): ctx.workdir.course_folder writes each file the
    # first time it is asked for, so a check writes only what its lessons load.
    UNPACKED = "unpacked"
    STAGING = "staging"
    MACHINE = "machine"


class Probe:
    """Base class. ``gather`` may do I/O; ``evaluate`` must be a pure function of its inputs."""

    id: ClassVar[str] = ""
    title: ClassVar[str] = ""
    description: ClassVar[str] = ""
    needs: ClassVar[frozenset[Need]] = frozenset({Need.PACKAGE})
    # Shared evidence this probe reads (ctx.shared) and publishes; publishers of what it reads run first.
    uses: ClassVar[tuple[SharedEvidence, ...]] = ()
    publishes: ClassVar[tuple[SharedEvidence, ...]] = ()
    # True for the probe that reports why a package was refused (others skip a refused package).
    examines_rejected_package: ClassVar[bool] = False
    # Command-line subcommands this probe adds to ``certifier`` (e.g. a planning tool of its own).
    commands: ClassVar[tuple[Command, ...]] = ()
    # Options of `certifier check` that set one of this probe's profile keys for a run.
    check_options: ClassVar[tuple[CheckOption, ...]] = ()
    # Values the demo run (`check --demo`, the app's first launch) gives this probe's keys a profile
    # leaves empty, so the first run already shows what the probe answers.
    demo_settings: ClassVar[Mapping[str, Any]] = {}
    # The probe's section in policy profiles: key → what it means.
    limits: ClassVar[Mapping[str, LimitSpec]] = {}
    # Other profile sections the rules read (e.g. "network"), passed under their own names.
    reads_sections: ClassVar[tuple[str, ...]] = ()
    # Run when no probe is named (False for probes a user asks for explicitly).
    default_enabled: ClassVar[bool] = True
    # Also run by `check --demo` when it is not enabled by default (e.g. seconds of measurement that
    # every check would not want, but a first look should show).
    in_demo: ClassVar[bool] = False
    # Every rule this probe can emit: id → its declaration (certifier.policy.rules.Rule: titles, severity,
    # remediation, IT risk), generated with rules.declared_in; a third-party probe may give titles only.
    rules: ClassVar[Mapping[str, Rule | str]] = {}

    # How the probe decides what fails and how badly, in a few sentences a reviewer reads in the report.
    grading: ClassVar[str] = ""

    def gather(self, ctx: ProbeContext) -> dict[str, Any]:
        raise NotImplementedError

    def evaluate(self, evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> list[Finding]:
        raise NotImplementedError

    # What the probe adds to every rendering of a report (HTML, PDF, GUI, terminal). Each reads only
    # the report: its own outputs (``outputs_in``) and findings. Renderers call them for every probe
    # that ran; none of them names a probe.
    @classmethod
    def summary_rows(cls, report: Mapping[str, Any]) -> list[SummaryRow]:
        """Rows of the report's *Summary for IT*."""
        return []

    @classmethod
    def charts(cls, report: Mapping[str, Any]) -> Sequence[Chart]:
        """Charts, as data: the SVG in reports and the Qt widgets draw the same model."""
        return []

    @classmethod
    def tables(cls, report: Mapping[str, Any]) -> list[Table]:
        """Sections of the report shown as a table (e.g. the runtime log)."""
        return []

    @classmethod
    def text_lines(cls, report: Mapping[str, Any]) -> list[str]:
        """Lines the terminal shows under the verdict."""
        return []

    @classmethod
    def examines(cls, path: str, media_type: str) -> bool:
        """True for entries this probe examines from the read pass's bytes (``examine``), on a worker
        thread beside the pass, so it never reads them again (e.g. the media probe's demux)."""
        return False

    # An entry this probe examines that is too large to hand over in memory is read from disk after
    # the pass (a demuxer seeks in it): the pass writes it to the work folder while it has the bytes.
    examines_large_from_disk: ClassVar[bool] = False

    @classmethod
    def examine(cls, path: str, content: bytes, profile: Profile) -> dict[str, Any]:
        """Facts about one entry from its bytes; what ``gather`` finds in ``ctx.examined``."""
        raise NotImplementedError

    @classmethod
    def outputs_in(cls, report: Mapping[str, Any]) -> dict[str, Any]:
        return (report.get("outputs") or {}).get(cls.id) or {}

    @classmethod
    def finding_in(cls, report: Mapping[str, Any], rule_id: str) -> dict[str, Any] | None:
        return next((f for f in report.get("findings", []) if f["rule_id"] == rule_id), None)


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
    # Shared evidence published so far (kind name → value), and the kinds this probe may read.
    published: dict[str, Any] = field(default_factory=dict)
    readable: frozenset[str] = frozenset()
    on_progress: Callable[[float, str], None] | None = None
    stop_event: threading.Event = field(default_factory=threading.Event)
    deadline: float | None = None
    # Staging credentials: used for requests, never stored in evidence or reports.
    staging_auth: tuple[str, str] | None = None
    # (probe id, entry path) → the future of ``Probe.examine`` started during the read pass.
    examined: dict[tuple[str, str], Future[Any]] = field(default_factory=dict)

    def examined_facts(self, probe_id: str, path: str) -> dict[str, Any] | None:
        """What ``examine`` found for this entry (None: not examined in the read pass); its error is raised."""
        pending = self.examined.get((probe_id, path))
        if pending is None:
            return None
        while True:
            self.checkpoint()
            try:
                result: dict[str, Any] | None = pending.result(timeout=0.2)
                return result
            except FutureTimeout:
                continue

    # The package, its inventory and detection, for probes that need the package (Need.PACKAGE): the
    # runner gives them before such a probe runs; their absence is the runner's fault, said plainly.
    @property
    def course_package(self) -> CoursePackage:
        if self.package is None:
            raise MissingContext("the course package is not open in this run")
        return self.package

    @property
    def course_inventory(self) -> Inventory:
        if self.inventory is None:
            raise MissingContext("the package's inventory was not read in this run")
        return self.inventory

    @property
    def course_detection(self) -> Detection:
        if self.detection is None:
            raise MissingContext("the package's standard was not detected in this run")
        return self.detection

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

    def shared(self, kind: SharedEvidence) -> Any:
        """What a probe that ran earlier published of ``kind``; None when none did."""
        if kind.name not in self.readable:
            raise UndeclaredEvidence(f"reads '{kind.name}' without declaring it in its 'uses'")
        return self.published.get(kind.name)


def rule_limits(cls: type[Probe], profile: Profile) -> dict[str, Any]:
    """What a probe's rules receive: its own section, plus the sections it declares it reads."""
    limits = profile.section(cls.id)
    for section in cls.reads_sections:
        limits[section] = profile.section(section)
    return limits
