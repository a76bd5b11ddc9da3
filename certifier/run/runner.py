"""Running probes: progress events, cancellation, per-probe timeouts, never a crashed run.

Each probe's ``gather`` runs in its own daemon thread while the runner waits in short steps, so a
cancel or a timeout is noticed within ``POLL_S`` even when a probe is stuck in I/O. A stuck probe
is abandoned (its context is told to stop) and recorded as an error; the run goes on.
"""

from __future__ import annotations

import threading
import time
import traceback
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from certifier.errors import Cancelled, CertifierError, MachineError, PackageRejected
from certifier.host.machine_info import machine_summary
from certifier.host.memory import give_freed_memory_back, keep_freed_memory_for_reuse
from certifier.package.archive import CoursePackage, open_package
from certifier.package.archive_limits import ArchiveLimits
from certifier.package.credentials import split_url_credentials
from certifier.package.inventory import build_inventory
from certifier.package.standards import course_title, detect_standard
from certifier.package.workdir import WorkDir
from certifier.policy.probe_api import Need, Probe, ProbeContext
from certifier.policy.profiles import Profile
from certifier.policy.registry import BrokenProbe, discover_probes, publishers
from certifier.policy.shared import SharedEvidence
from certifier.run.examine import EntryExaminers
from certifier.run.run_record import ProbeRun, RunEvent, RunRecord

POLL_S = 0.05
READ_STEP = "read-package"


def check_published(cls: type[Probe], evidence: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """What a probe publishes (kind name → value), and where it departs from the declared types."""
    published: dict[str, Any] = {}
    problems: list[str] = []
    for kind in cls.publishes:
        found, value = kind.locate(evidence)
        if found:
            problems += kind.problems(value)
            published[kind.name] = value
    return published, problems


def shared_in(record: RunRecord, kind: SharedEvidence, probes: dict[str, type[Probe]]) -> Any:
    """What a completed probe of ``record`` published of ``kind``; None when none did."""
    owner = publishers(probes).get(kind.name)
    for run in record.probe_runs:
        if run.probe_id == owner and run.status == "completed":
            return kind.locate(run.evidence)[1]
    return None


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def archive_limits(profile: Profile) -> ArchiveLimits:
    return ArchiveLimits(**profile.section("archive"))


def order_probes(selected: list[type[Probe]]) -> list[type[Probe]]:
    """Probes publishing evidence others read run first; otherwise keep the given order."""
    by_id = {p.id: p for p in selected}
    owner = publishers(by_id)
    ordered: list[type[Probe]] = []
    visiting: set[str] = set()

    def visit(probe: type[Probe]) -> None:
        if probe in ordered or probe.id in visiting:
            return
        visiting.add(probe.id)
        for kind in probe.uses:
            if kind.name in owner:
                visit(by_id[owner[kind.name]])
        ordered.append(probe)

    for probe in selected:
        visit(probe)
    return ordered


class Runner:
    def __init__(
        self,
        probes: dict[str, type[Probe]] | None = None,
        on_event: Callable[[RunEvent], None] | None = None,
        broken: list[BrokenProbe] | None = None,
    ):
        if probes is None:
            probes, broken = discover_probes()
        self.probes = probes
        self.broken = broken or []
        self.on_event = on_event
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def _emit(self, event: RunEvent) -> None:
        if self.on_event:
            try:
                self.on_event(event)
            except Exception:  # a listener's bug must not end the run
                traceback.print_exc()

    def run(
        self,
        package_path: str | Path | None,
        profile: Profile,
        probe_ids: list[str] | None = None,
        staging_url: str | None = None,
        machine_facts: dict[str, Any] | None = None,
        staging_auth: tuple[str, str] | None = None,
    ) -> RunRecord:
        unknown = [p for p in probe_ids or [] if p not in self.probes]
        if unknown:
            raise CertifierError(
                f"Unknown probe(s): {', '.join(unknown)}. Installed: {', '.join(sorted(self.probes))}."
            )
        # user:password@ in the staging URL: used for the requests, shown as user:*** everywhere else.
        staging_url, shown_staging_url, url_auth = split_url_credentials(staging_url)
        staging_auth = staging_auth or url_auth
        chosen = probe_ids or [p for p in sorted(self.probes) if self.probes[p].default_enabled]
        selected = order_probes([self.probes[p] for p in chosen])
        started = now_iso()
        timeout_s = float(profile.section("certification")["probe_timeout_s"])
        steps = 1 + len(selected)
        self._emit(RunEvent("run-started", message=f"{steps - 1} probes"))

        with WorkDir() as workdir:
            ctx = ProbeContext(
                profile=profile,
                workdir=workdir,
                staging_url=staging_url,
                machine_facts=dict(machine_facts or {}),
                staging_auth=staging_auth,
            )
            package_info: dict[str, Any] = {"path": str(package_path) if package_path else None}
            package: CoursePackage | None = None
            examiners = EntryExaminers(selected, profile, ctx.examined)
            try:
                if package_path is not None:
                    package = self._read_package(
                        Path(package_path), profile, ctx, package_info, timeout_s, steps, examiners
                    )
                runs = [self._run_probe(cls, ctx, index + 1, steps, timeout_s) for index, cls in enumerate(selected)]
            finally:
                examiners.close()
                if package is not None:
                    package.close()
            runs += [
                ProbeRun(b.name, b.name, "error", f"Probe {b.reason}")
                for b in self.broken
                if probe_ids is None or b.name in probe_ids
            ]
        record = RunRecord(
            run_id=uuid.uuid4().hex,
            started_at=started,
            finished_at=now_iso(),
            cancelled=self.cancelled,
            machine=machine_summary(),
            package=package_info,
            inventory=ctx.inventory,
            probe_runs=runs,
            staging_url=shown_staging_url,
            gathered_with_profile=profile.name,
        )
        self._emit(RunEvent("run-finished", overall=1.0, status="cancelled" if self.cancelled else "completed"))
        return record

    def _read_package(
        self,
        path: Path,
        profile: Profile,
        ctx: ProbeContext,
        info: dict[str, Any],
        timeout_s: float,
        steps: int,
        examiners: EntryExaminers,
    ) -> CoursePackage | None:
        info["name"] = path.name
        self._emit(RunEvent("step-started", READ_STEP, message=f"Reading {path.name}"))
        holder: dict[str, Any] = {}

        def read(step_ctx: ProbeContext) -> None:
            keep_freed_memory_for_reuse()  # each entry's buffers reuse the last one's pages
            package = open_package(path, archive_limits(profile))
            holder["package"] = package
            holder["detection"] = detect_standard(package)
            holder["title"] = course_title(package, holder["detection"])
            try:
                holder["inventory"] = build_inventory(
                    package,
                    step_ctx.progress,
                    step_ctx.checkpoint,
                    unpack_to=ctx.workdir,
                    tap=examiners.tap,
                    # A folder's files are read where they are: nothing to write.
                    unpack_if=examiners.reads_from_disk if package.is_zip else None,
                )
            finally:
                give_freed_memory_back()  # the pad is for the pass's buffers, not every later thread's heap

        status, error, _ = self._call(read, ctx, READ_STEP, 0, steps, timeout_s)
        package = holder.get("package")
        if isinstance(error, MachineError):  # the machine's failure, not the course's: no verdict, no history
            if package is not None:
                package.close()
            raise error
        if isinstance(error, PackageRejected):
            ctx.package_rejection = error
            info["rejected"] = {"reason": error.reason, "message": str(error), "member": error.member}
        elif status != "completed":
            ctx.package_rejection = PackageRejected("unreadable", f"The package could not be read: {error or status}.")
            info["rejected"] = {"reason": "unreadable", "message": str(ctx.package_rejection), "member": None}
        else:
            ctx.package = package
            ctx.detection = holder["detection"]
            ctx.inventory = holder["inventory"]
            info.update(ctx.detection.to_dict(), title=holder["title"])
            info.update(
                sha256=ctx.inventory.package_sha256,
                size=ctx.inventory.total_size,
                compressed_size=ctx.inventory.total_compressed_size,
                file_count=len(ctx.inventory.files),
            )
        self._emit(RunEvent("step-finished", READ_STEP, 1.0, overall=1 / steps, status=status))
        return package

    def _run_probe(self, cls: type[Probe], ctx: ProbeContext, index: int, steps: int, timeout_s: float) -> ProbeRun:
        self._emit(RunEvent("step-started", cls.id, message=cls.title, overall=index / steps))
        skip_reason = self._skip_reason(cls, ctx)
        if skip_reason:
            run = ProbeRun(cls.id, cls.title, "skipped", skip_reason)
        else:
            start = time.monotonic()
            status, error, evidence = self._call(
                cls().gather, ctx, cls.id, index, steps, timeout_s, readable=frozenset(k.name for k in cls.uses)
            )
            if isinstance(error, MachineError):  # e.g. a file it serves could not be written: no verdict
                raise error
            reason = ""
            if status == "error":
                reason = f"{type(error).__name__}: {error}"
            elif status == "timeout":
                reason = f"Stopped after the profile's probe_timeout_s of {timeout_s:g} s."
            elif status == "cancelled":
                reason = "The run was cancelled before this probe finished."
            if status == "completed" and not isinstance(evidence, dict):
                status, reason, evidence = "error", "Probe returned no evidence dictionary.", None
            if status == "completed":
                published, problems = check_published(cls, evidence)
                if problems:
                    status, reason = (
                        "error",
                        "Published evidence that does not have its declared type: " + "; ".join(problems),
                    )
                else:
                    ctx.published.update(published)
            run = ProbeRun(cls.id, cls.title, status, reason, round(time.monotonic() - start, 3), evidence)
        self._emit(
            RunEvent("step-finished", cls.id, 1.0, overall=(index + 1) / steps, status=run.status, message=run.reason)
        )
        return run

    def _skip_reason(self, cls: type[Probe], ctx: ProbeContext) -> str:
        if self.cancelled:
            return "The run was cancelled before this probe started."
        if Need.PACKAGE in cls.needs and ctx.package is None:
            if ctx.package_rejection is not None and not cls.examines_rejected_package:
                return "The package was rejected, so its content was not examined."
            if ctx.package_rejection is None:
                return "No course package was given."
        if Need.STAGING in cls.needs and not ctx.staging_url:
            return "No staging server URL was given."
        return ""

    def _call(
        self,
        fn: Callable[[ProbeContext], Any],
        ctx: ProbeContext,
        step: str,
        index: int,
        steps: int,
        timeout_s: float,
        readable: frozenset[str] = frozenset(),
    ) -> tuple[str, BaseException | None, Any]:
        """Run ``fn`` in a thread; return (status, error, result) once it ends, times out or is cancelled."""
        stop = threading.Event()
        deadline = time.monotonic() + timeout_s

        def progress(fraction: float, message: str) -> None:
            self._emit(RunEvent("step-progress", step, fraction, message, (index + fraction) / steps))

        step_ctx = ProbeContext(
            **{
                **ctx.__dict__,
                "stop_event": stop,
                "deadline": deadline,
                "on_progress": progress,
                "published": dict(ctx.published),
                "readable": readable,
            }
        )
        outcome: dict[str, Any] = {}

        def target() -> None:
            try:
                outcome["result"] = fn(step_ctx)
            except BaseException as exc:  # every failure becomes a finding, never a crash
                outcome["error"] = exc

        worker = threading.Thread(target=target, name=f"probe-{step}", daemon=True)
        worker.start()
        while worker.is_alive():
            worker.join(POLL_S)
            if self.cancelled:
                stop.set()
                return "cancelled", None, None
            if time.monotonic() > deadline:
                stop.set()
                return "timeout", None, None
        if "error" in outcome:
            error = outcome["error"]
            if isinstance(error, Cancelled):
                return ("cancelled" if self.cancelled else "timeout"), None, None
            return "error", error, None
        return "completed", None, outcome.get("result")
