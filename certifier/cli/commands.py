"""The core's subcommands: check, evaluate, machine, serve, signoff, verify, history, compare, key,
probes, profiles. Probes bring their own (``Probe.commands``)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from certifier.cli.parser import PASSWORD_VARIABLE, check_option_dest
from certifier.cli.text import ProgressBar, format_summary
from certifier.errors import CertifierError
from certifier.host.resources_path import sample_course_path
from certifier.package.standards import course_location
from certifier.policy.evidence_kinds import LAUNCH_MAP
from certifier.policy.findings import printable
from certifier.policy.probe_api import Probe
from certifier.policy.profiles import Profile, bundled_profiles
from certifier.policy.registry import (
    apply_demo_settings,
    desktop_check_probes,
    discover_probes,
    load_profile,
    publishing,
    unmet_uses,
)
from certifier.policy.rules import Rule
from certifier.run.presentation import contributions
from certifier.run.report import assess, load_report, write_json_atomic
from certifier.run.run_record import RunRecord
from certifier.run.runner import Runner, archive_limits, shared_in
from certifier.run.verdict import CERTIFIED, CONDITIONAL, NOT_CERTIFIED

EXIT_CODES = {CERTIFIED: 0, CONDITIONAL: 3, NOT_CERTIFIED: 4}
EXIT_CANCELLED = 130
EXIT_VERIFY_FAILED = 5
EXIT_SIGNER_UNKNOWN = 6  # the signatures are intact, but no key is one the person verifying trusts


def write_outputs(report: dict[str, Any], args: argparse.Namespace) -> list[str]:
    from certifier.exporters import export

    written = []
    for fmt in ("json", "html", "pdf", "junit"):
        target = getattr(args, fmt, None)
        if target:
            export(report, target, fmt)
            written.append(target)
    return written


def cmd_probes(args: argparse.Namespace) -> int:
    probes, broken = discover_probes()
    for probe_id, cls in probes.items():
        print(f"{probe_id:<14} {cls.title} — {cls.description}")
        if getattr(args, "rules", False):
            for rule_id, rule in cls.rules.items():
                if isinstance(rule, Rule):
                    print(f"  {rule_id:<38} {rule.severity.value:<8} {rule.title} / failing: {rule.failure_title}")
                else:
                    print(f"  {rule_id:<38} {'':<8} {rule}")
        if getattr(args, "rules", False) and (cls.uses or cls.publishes):
            print(
                f"  reads: {', '.join(k.name for k in cls.uses) or '—'}; "
                f"publishes: {', '.join(k.name for k in cls.publishes) or '—'}"
            )
    for probe_id, kinds in unmet_uses(probes).items():
        print(f"{probe_id:<14} reads {', '.join(kinds)}, which no installed probe publishes: it runs without it")
    for item in broken:
        print(f"{item.name:<14} BROKEN: {item.reason}")
    return 0


def cmd_profiles(args: argparse.Namespace) -> int:
    for name, path in bundled_profiles().items():
        profile = load_profile(str(path))
        print(f"{name:<16} {profile.description}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    if args.demo:
        path = sample_course_path()
    elif args.path:
        path = course_location(args.path)
        if not path.exists():
            raise CertifierError(f"No course package at {path}.")
    else:
        raise CertifierError("Give a course package PATH, or --demo for the bundled sample course.")
    profile = load_profile(args.profile)
    probes, broken = discover_probes()  # once: the options, the demo settings and the run use the same
    if args.demo:
        apply_demo_settings(profile, probes)
    apply_check_options(args, profile, probes)
    progress = ProgressBar(sys.stderr) if sys.stderr.isatty() else None
    runner = Runner(probes, on_event=progress.update if progress else None, broken=broken)
    auth = (args.staging_user, os.environ.get(PASSWORD_VARIABLE, "")) if args.staging_user else None
    probe_ids = chosen_probes(args, runner.probes)
    record = _run_interruptibly(runner, path, profile, probe_ids, args.staging, auth)
    if progress:
        progress.finish()
    if args.evidence:
        write_json_atomic(args.evidence, record.to_dict())
    report = assess(record, profile, runner.probes)
    if not args.no_history:
        from certifier.records.history import History

        with History() as history:
            history.store(report)
    return _finish(report, args, cancelled=record.cancelled)


def chosen_probes(args: argparse.Namespace, probes: Mapping[str, type[Probe]]) -> list[str] | None:
    """--probe names the only probes; otherwise the defaults, the demo's extras with --demo, --also
    and the machine probes with --machine. None: the runner's defaults."""
    if args.probe:
        chosen = list(args.probe)
    else:
        chosen = [p for p, cls in probes.items() if cls.default_enabled or (args.demo and cls.in_demo)]
    chosen += [p for p in args.also or [] if p not in chosen]
    if args.machine:
        chosen += [p for p in desktop_check_probes(probes, with_course=False) if p not in chosen]
    demo_extras = args.demo and any(probes[p].in_demo and not probes[p].default_enabled for p in probes)
    return chosen if (args.probe or args.also or args.machine or demo_extras) else None


def cmd_evaluate(args: argparse.Namespace) -> int:
    from certifier.run.evidence_shape import require_shape

    try:
        data = json.loads(Path(args.evidence).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CertifierError(f"Cannot read evidence from {args.evidence}: {exc}") from exc
    except RecursionError as exc:  # Python's JSON reader recurses once per level of nesting
        raise CertifierError(
            f"Cannot read evidence from {args.evidence}: its lists and objects nest deeper "
            "than any saved run (thousands of levels)."
        ) from exc
    if isinstance(data, dict) and data.get("kind") not in (None, "certifier-evidence"):
        raise CertifierError(f"{args.evidence} is not a Course Certifier evidence file (kind '{data.get('kind')}').")
    require_shape(data, args.evidence)
    try:
        record = RunRecord.from_dict(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise CertifierError(f"Cannot read evidence from {args.evidence}: {exc}") from exc
    profile = load_profile(args.profile)
    report = assess(record, profile, discover_probes()[0])
    # Saved evidence is input like any other: when a probe's rules cannot read it, say so (exit 2).
    unreadable = [
        f
        for f in report["findings"]
        if f["rule_id"].endswith(".probe-error") and f["message"].startswith("Rules failed:")
    ]
    if unreadable:
        raise CertifierError(
            f"{args.evidence}: the evidence of "
            + "; ".join(
                f"probe '{f['rule_id'].split('.')[0]}' does not have the shape its rules read "
                f"({f['message'].removeprefix('Rules failed: ')})"
                for f in unreadable
            )
            + "."
        )
    return _finish(report, args, cancelled=record.cancelled)


def apply_check_options(args: argparse.Namespace, profile: Profile, probes: Mapping[str, type[Probe]]) -> None:
    """Options probes add to `check` (e.g. the capacity probe's --sites): each sets one profile key."""
    for probe_id, cls in probes.items():
        for option in cls.check_options:
            value = getattr(args, check_option_dest(probe_id, option), None)
            if value is None:
                continue
            if option.is_file:
                found = option.resolve(value) if option.resolve else Path(value)
                if not found.is_file():
                    raise CertifierError(
                        f"{option.flag} {value}: no such file"
                        + (f" (bundled: {', '.join(option.bundled())})" if option.bundled else "")
                        + "."
                    )
                value = str(found.resolve())
            profile.values.setdefault(probe_id, {})[option.key] = value


def _run_interruptibly(
    runner: Runner,
    path: Path | None,
    profile: Profile,
    probe_ids: list[str] | None,
    staging: str | None,
    auth: tuple[str, str] | None = None,
) -> RunRecord:
    """Run in a worker thread so Ctrl-C (or SIGTERM) cancels cleanly: the probes stop, the run's
    work folder is removed, and the report of what ran is still produced, marked cancelled.

    The main thread waits on an event, not on Thread.join: a join interrupted by Ctrl-C can
    report the thread finished while it still runs (a CPython limitation)."""
    result: dict[str, Any] = {}
    done = threading.Event()

    def work() -> None:
        try:
            result["record"] = runner.run(path, profile, probe_ids, staging, staging_auth=auth)
        except BaseException as exc:
            result["error"] = exc
        finally:
            done.set()

    worker = threading.Thread(target=work, name="certifier-run")
    worker.start()
    cancelled = False
    while not done.is_set():
        try:
            time.sleep(0.1)
        except KeyboardInterrupt:
            if not cancelled:
                print("\nCancelling… (the report of what ran is still written)", file=sys.stderr)
                runner.cancel()
                cancelled = True
    if "error" in result:
        raise result["error"]
    record: RunRecord = result["record"]
    return record


def _finish(report: dict[str, Any], args: argparse.Namespace, cancelled: bool) -> int:
    written = write_outputs(report, args)
    print(printable(format_summary(report, contributions(report).text_lines)))
    for path in written:
        print(f"Report written to {path}")
    return EXIT_CANCELLED if cancelled else EXIT_CODES[report["verdict"]]


def cmd_signoff(args: argparse.Namespace) -> int:
    from certifier.records.signoff import sign_off

    report = load_report(args.report)
    signed = sign_off(
        report,
        args.reviewer,
        args.decision,
        comment=args.comment,
        conditions=args.conditions,
        role=args.role,
        requested_on=args.requested_on,
        due_by=args.due_by,
        approve_despite_verdict=args.approve_despite_verdict,
        rename_reviewer=args.rename_reviewer,
    )
    write_json_atomic(args.report, signed)
    from certifier.records.history import History

    with History() as history:  # this machine remembers the decision: a copy without it is caught
        history.record_signoff(signed)
    written = write_outputs(signed, args)
    last = signed["signatures"][-1]
    print(f"Signed: {args.decision} by {args.reviewer}, key {last['fingerprint']}. Report updated: {args.report}")
    for path in written:
        print(f"Report written to {path}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from certifier.records.signoff import verify

    report = load_report(args.report, validate=False)
    result = verify(report, set(args.trust) if args.trust else None)
    from certifier.records.history import History

    run_id = (report.get("run") or {}).get("id") if isinstance(report, dict) else None
    if run_id:
        with History() as history:
            held = {s.get("signature") for s in report.get("signatures", []) if isinstance(s, dict)}
            for missing in (s for s in history.signoffs(str(run_id)) if s["signature"] not in held):
                result.valid = False
                result.lines.append(
                    f"Truncated: this machine recorded decision {missing['decision_index'] + 1} "
                    f"({missing['decision']} by {missing['reviewer']}, key {missing['fingerprint']}); "
                    "the report no longer holds it."
                )
    print("\n".join(result.lines))
    if result.valid and not result.established:
        print("INTACT, SIGNER NOT ESTABLISHED")
        return EXIT_SIGNER_UNKNOWN
    print("VALID" if result.valid else "NOT VALID")
    return 0 if result.valid else EXIT_VERIFY_FAILED


def cmd_history(args: argparse.Namespace) -> int:
    from certifier.records.history import History

    with History() as history:
        runs = history.runs(args.course)
    if not runs:
        print("No recorded runs" + (f" for '{args.course}'." if args.course else "."))
        return 0
    print(f"{'id':>5}  {'finished':<25}  {'verdict':<13}  {'failed':>6}  {'profile':<14}  course")
    for run in runs:
        print(
            f"{run['id']:>5}  {run['finished_at']:<25}  {run['verdict_shown']:<13}  {run['failed']:>6}  {run['profile']:<14}  "
            f"{run['course_title']} ({(run['package_sha256'] or '')[:12]})"
        )
    return 0


def _report_by_reference(reference: str) -> dict[str, Any]:
    if reference.isdigit() and not Path(reference).exists():
        from certifier.records.history import History

        with History() as history:
            return history.report(int(reference))
    return load_report(reference)


def cmd_compare(args: argparse.Namespace) -> int:
    from certifier.records.compare import compare_reports, format_comparison

    old, new = _report_by_reference(args.old), _report_by_reference(args.new)
    result = compare_reports(old, new)
    print(format_comparison(result, old, new))
    if args.json:
        write_json_atomic(args.json, result)
    return 0


def cmd_machine(args: argparse.Namespace) -> int:
    profile = load_profile(args.profile)
    runner = Runner()
    if args.course and not Path(args.course).exists():
        raise CertifierError(f"No course package at {args.course}.")
    probe_ids = desktop_check_probes(runner.probes, with_course=bool(args.course))
    if not probe_ids:
        raise CertifierError("No installed probe checks this machine.")
    record = _run_interruptibly(runner, Path(args.course) if args.course else None, profile, probe_ids, None)
    report = assess(record, profile, runner.probes)
    return _finish(report, args, cancelled=record.cancelled)


def cmd_key(args: argparse.Namespace) -> int:
    from certifier.records.signoff import bound_reviewer, key_path, public_fingerprint

    name = bound_reviewer()
    print(f"{public_fingerprint()}  ({key_path()})" + (f"  signs as {name}" if name else "  (not bound to a name yet)"))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from certifier.package.archive import open_package
    from certifier.package.workdir import WorkDir
    from certifier.staging.network import network_profiles
    from certifier.staging.server import StagingServer

    path = course_location(args.path) if args.path else sample_course_path()
    if not path.exists():
        raise CertifierError(f"No course package at {path}.")
    profile = load_profile(args.profile)
    networks = network_profiles(profile.values)
    if args.network and args.network not in networks:
        raise CertifierError(
            f"No network preset '{args.network}' in profile {profile.name} (presets: {', '.join(networks)})."
        )
    probes = discover_probes()[0]
    units: list[dict[str, Any]] = []  # the lessons the LMS frame lists: from the launch map, when a probe publishes one
    if publishers := publishing([LAUNCH_MAP], probes):
        units = shared_in(Runner(probes).run(path, profile, publishers), LAUNCH_MAP, probes) or []
    network = networks.get(args.network) if args.network else None
    with (
        WorkDir() as workdir,
        open_package(path, archive_limits(profile)) as package,
        StagingServer(workdir.course_folder(package), network, launch_units=units, port=args.port) as server,
    ):
        print(
            f"Serving {path.name} at {server.url}"
            + (f" over '{network.name}' ({network.down_kbps:,.0f} kbps, {network.rtt_ms:g} ms)" if network else "")
        )
        print(f"Lessons in the LMS frame: {server.url}__lms__/   runtime log: {server.url}__lms__/log")
        print("Press Ctrl-C to stop.", flush=True)
        deadline = time.monotonic() + args.seconds if args.seconds else None
        interrupted = False
        try:
            while deadline is None or time.monotonic() < deadline:
                time.sleep(0.2)
        except KeyboardInterrupt:
            interrupted = True
        print(f"Stopped. {len(server.log_snapshot())} SCORM calls were logged.")
    return EXIT_CANCELLED if interrupted else 0
