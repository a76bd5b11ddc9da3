"""Command line: ``certifier check``, ``evaluate``, ``machine``, ``serve``, ``signoff``, ``verify``…

Exit codes (also in the README):
  0 CERTIFIED · 3 CONDITIONAL · 4 NOT CERTIFIED · 2 bad input (usage, missing file, bad
  profile or evidence) · 5 verify: a signature does not match · 130 cancelled with Ctrl-C
  (the report is still written).

``parser`` holds the grammar, ``commands`` the core's subcommands, ``text`` what is printed;
installed probes add subcommands of their own (``Probe.commands``).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import types
from pathlib import Path

from certifier.cli.commands import (
    EXIT_CANCELLED,
    EXIT_CODES,
    EXIT_VERIFY_FAILED,
    cmd_check,
    cmd_compare,
    cmd_evaluate,
    cmd_history,
    cmd_key,
    cmd_machine,
    cmd_probes,
    cmd_profiles,
    cmd_serve,
    cmd_signoff,
    cmd_verify,
)
from certifier.cli.parser import OUTPUT_OPTIONS, build_parser
from certifier.cli.services import CliServices
from certifier.errors import CertifierError
from certifier.policy.registry import discover_probes

EXIT_BAD_INPUT = 2
COMMANDS = {
    "check": cmd_check,
    "evaluate": cmd_evaluate,
    "probes": cmd_probes,
    "profiles": cmd_profiles,
    "serve": cmd_serve,
    "signoff": cmd_signoff,
    "verify": cmd_verify,
    "history": cmd_history,
    "compare": cmd_compare,
    "key": cmd_key,
    "machine": cmd_machine,
}
__all__ = ["EXIT_BAD_INPUT", "EXIT_CANCELLED", "EXIT_CODES", "EXIT_VERIFY_FAILED", "main"]


def _check_outputs(args: argparse.Namespace) -> None:
    """Refuse, before any work, an output path that names a folder (the run would be lost)."""
    for option in OUTPUT_OPTIONS:
        target = getattr(args, option, None)
        if isinstance(target, str) and target and Path(target).is_dir():
            raise CertifierError(
                f"--{option} {target}: is a folder; give a file name, e.g. "
                f"{Path(target) / ('report.' + ('json' if option == 'evidence' else option))}."
            )


def _terminate_as_interrupt(signum: int, frame: types.FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    installed = discover_probes()[0]
    probe_commands = {
        c.name: c for cls in installed.values() for c in cls.commands if c.name not in COMMANDS
    }  # a probe cannot take over a core command
    check_options = [(probe_id, option) for probe_id, cls in installed.items() for option in cls.check_options]
    args = build_parser(list(probe_commands.values()), check_options).parse_args(argv)
    if hasattr(signal, "SIGTERM") and threading.current_thread() is threading.main_thread():
        # A service manager's or a CI runner's stop: cancel like Ctrl-C, so temp folders are cleaned.
        signal.signal(signal.SIGTERM, _terminate_as_interrupt)
    try:
        _check_outputs(args)
        if args.command in probe_commands:
            return probe_commands[args.command].run(args, CliServices(EXIT_CODES))
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        print("certifier: cancelled.", file=sys.stderr)
        return EXIT_CANCELLED
    except CertifierError as exc:
        print(f"certifier: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # The reader (e.g. `| head`) stopped early: not an error of ours; silence the final flush.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1  # as Python's documentation recommends for a closed pipe
