"""What a run produces and tells as it goes: progress events, each probe's outcome, and the run record (evidence of every probe) that reports, history and re-evaluation read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from certifier.errors import CertifierError
from certifier.package.inventory import Inventory

EVIDENCE_SCHEMA_VERSION = "1.0"  # a record of another major version is refused, not misread


@dataclass(frozen=True)
class RunEvent:
    """Progress of a run. ``kind``: run-started, step-started, step-progress, step-finished, run-finished."""

    kind: str
    step: str = ""
    fraction: float = 0.0
    message: str = ""
    overall: float = 0.0
    status: str = ""


@dataclass
class ProbeRun:
    probe_id: str
    title: str
    status: str  # completed, error, timeout, cancelled, skipped
    reason: str = ""
    duration_s: float = 0.0
    evidence: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class RunRecord:
    """Everything a run gathered; findings are derived from it against any profile."""

    run_id: str
    started_at: str
    finished_at: str
    cancelled: bool
    machine: dict[str, Any]
    package: dict[str, Any]
    inventory: Inventory | None
    probe_runs: list[ProbeRun] = field(default_factory=list)
    staging_url: str | None = None
    gathered_with_profile: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": EVIDENCE_SCHEMA_VERSION,
            "kind": "certifier-evidence",
            "run_id": self.run_id,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "cancelled": self.cancelled,
            "machine": self.machine,
            "package": self.package,
            "inventory": self.inventory.to_dict() if self.inventory else None,
            "probe_runs": [p.to_dict() for p in self.probe_runs],
            "staging_url": self.staging_url,
            "gathered_with_profile": self.gathered_with_profile,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunRecord:
        if data.get("kind") != "certifier-evidence":
            raise CertifierError("This file is not a Course Certifier evidence file (kind is missing).")
        if str(data.get("schema_version", "")).split(".")[0] != EVIDENCE_SCHEMA_VERSION.split(".")[0]:
            raise CertifierError(
                f"Evidence schema {data.get('schema_version')} is not supported by this version "
                f"(expects {EVIDENCE_SCHEMA_VERSION})."
            )
        return cls(
            run_id=data["run_id"],
            started_at=data["started_at"],
            finished_at=data["finished_at"],
            cancelled=data["cancelled"],
            machine=data["machine"],
            package=data["package"],
            inventory=Inventory.from_dict(data["inventory"]) if data.get("inventory") else None,
            probe_runs=[ProbeRun(**p) for p in data["probe_runs"]],
            staging_url=data.get("staging_url"),
            gathered_with_profile=data.get("gathered_with_profile", ""),
        )
