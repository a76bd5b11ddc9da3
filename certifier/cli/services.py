"""What the command line lends a probe's own subcommand (``certifier.policy.presentation.Command``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from certifier import __version__
from certifier.errors import CertifierError
from certifier.host.files import write_atomic
from certifier.policy.profiles import Profile
from certifier.policy.registry import discover_probes, load_profile, publishing
from certifier.policy.shared import SharedEvidence
from certifier.run.report import write_json_atomic
from certifier.run.run_record import RunRecord
from certifier.run.runner import Runner, shared_in


class CliServices:
    def __init__(self, exit_codes: dict[str, int]):
        self.version = __version__
        self.probes = discover_probes()[0]
        self._exit_codes = exit_codes

    def load_profile(self, name_or_path: str) -> Profile:
        return load_profile(name_or_path)

    def run_probes(self, path: Path, profile: Profile, publishing_kinds: Sequence[SharedEvidence]) -> RunRecord:
        probe_ids = publishing(publishing_kinds, self.probes)
        if not probe_ids:
            names = ", ".join(k.name for k in publishing_kinds)
            raise CertifierError(f"No installed probe publishes {names}; this command needs it.")
        return Runner(self.probes).run(path, profile, probe_ids)

    def shared(self, record: RunRecord, kind: SharedEvidence) -> Any:
        return shared_in(record, kind, self.probes)

    def write_text(self, path: str, text: str) -> None:
        write_atomic(path, text.encode("utf-8"))

    def write_json(self, path: str, data: Any) -> None:
        write_json_atomic(path, data)

    def exit_code(self, verdict: str) -> int:
        return self._exit_codes[verdict]
