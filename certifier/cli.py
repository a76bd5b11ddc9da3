"""Command line: ``certifier check``, ``evaluate``, ``probes``, ``profiles``.

Exit codes (also in the README):
  0 CERTIFIED · 3 CONDITIONAL · 4 NOT CERTIFIED · 2 bad input (usage, missing file, bad
  profile or evidence) · 5 verify: a signature does not match · 130 cancelled with Ctrl-C
  (the report is still written).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from certifier import __version__
from certifier.errors import CertifierError
from certifier.policy.findings import evidence_label, printable
from certifier.policy.profiles import bundled_profiles, load_profile
from certifier.policy.registry import discover_probes
from certifier.run.report import assess, write_json_atomic
from certifier.host.resources_path import sample_course_path
from certifier.policy.rules import Rule
from certifier.run.runner import RunEvent, RunRecord, Runner, archive_limits
from certifier.run.verdict import CERTIFIED, CONDITIONAL, NOT_CERTIFIED

EXIT_CODES = {CERTIFIED: 0, CONDITIONAL: 3, NOT_CERTIFIED: 4}
EXIT_BAD_INPUT = 2
EXIT_CANCELLED = 130
EXIT_VERIFY_FAILED = 5
PASSWORD_VARIABLE = "CERTIFIER_STAGING_PASSWORD"
TOP_FINDINGS_SHOWN = 10
BAR_WIDTH = 30


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="certifier",
        description="Certify a packaged eLearning course against an IT policy profile.",
        epilog="Exit codes: 0 CERTIFIED, 3 CONDITIONAL, 4 NOT CERTIFIED, 2 bad input, 5 signature not valid "
        "(verify), 130 cancelled.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    check = sub.add_parser("check", help="Run the probes on a course package and print the verdict.")
    check.add_argument("path", nargs="?", help="The course .zip or folder.")
    check.add_argument("--demo", action="store_true", help="Check the bundled sample course.")
    check.add_argument("--profile", default="default", help="Bundled profile name or a TOML file (default: default).")
    check.add_argument("--staging", metavar="URL", help="Staging server URL where the course is deployed "
                       "(default: the embedded staging server on this machine).")
    check.add_argument("--staging-user", metavar="NAME", help=f"User for the staging server; the password is read "
                       f"from the {PASSWORD_VARIABLE} environment variable, never from the command line.")
    check.add_argument("--probe", action="append", metavar="ID", help="Run only this probe (repeatable).")
    add_output_options(check)
    check.add_argument("--evidence", metavar="FILE", help="Save the gathered evidence for 'certifier evaluate'.")
    check.add_argument("--no-history", action="store_true", help="Do not record this run in the run history.")
    check.add_argument("--machine", action="store_true", help="Also check this machine against the desktop baseline.")
    check.add_argument("--sites", metavar="FILE", help="Sites to plan the rollout for (CSV or TOML); "
                       "overrides the profile's capacity.sites_file.")

    capacity = sub.add_parser("capacity", help="Plan a rollout for sites at a given per-learner bandwidth.")
    capacity.add_argument("--sites", required=True, metavar="FILE", help="CSV or TOML of sites, or a bundled name.")
    capacity.add_argument("--demand-kbps", required=True, type=float, help="Bandwidth one learner needs.")
    capacity.add_argument("--start", metavar="YYYY-MM-DD", help="First day of the rollout (default: today).")
    capacity.add_argument("--online-share", type=float, help="Share of released learners online at once "
                          "(default: the profile's expected_online_share).")
    capacity.add_argument("--profile", default="default")
    capacity.add_argument("--json", metavar="FILE", help="Write the plan as JSON.")

    machine = sub.add_parser("machine", help="Desktop readiness: does this machine meet the baseline (and a course)?")
    machine.add_argument("--course", metavar="PATH", help="Also compare with this course's requirements.")
    machine.add_argument("--profile", default="default", help="Bundled profile name or a TOML file.")
    add_output_options(machine)

    evaluate = sub.add_parser("evaluate", help="Re-apply the rules to saved evidence with another profile.")
    evaluate.add_argument("evidence", help="Evidence file saved by 'certifier check --evidence'.")
    evaluate.add_argument("--profile", default="default", help="Bundled profile name or a TOML file.")
    add_output_options(evaluate)

    serve = sub.add_parser("serve", help="Serve a course on this machine over an emulated network link.")
    serve.add_argument("path", nargs="?", help="The course .zip or folder (default: the sample course).")
    serve.add_argument("--network", help="A network preset of the profile (e.g. branch-office, dsl, 3g).")
    serve.add_argument("--profile", default="default", help="Profile whose network presets to use.")
    serve.add_argument("--port", type=int, default=0, help="Port on 127.0.0.1 (default: any free port).")
    serve.add_argument("--seconds", type=float, help="Stop after this many seconds (default: until Ctrl-C).")

    signoff = sub.add_parser("signoff", help="Record and sign a reviewer's decision on a report.")
    signoff.add_argument("report", help="The report JSON (updated in place).")
    signoff.add_argument("--reviewer", required=True, help="The reviewer's name.")
    signoff.add_argument("--role", default="", help="e.g. network, desktop, security.")
    signoff.add_argument("--decision", required=True, choices=["approve", "reject", "conditional"])
    signoff.add_argument("--comment", default="")
    signoff.add_argument("--conditions", default="", help="Required with --decision conditional.")
    signoff.add_argument("--requested-on", metavar="YYYY-MM-DD", help="When the review was requested (default: the run's date).")
    signoff.add_argument("--due-by", metavar="YYYY-MM-DD", help="Review deadline (default: requested + the profile's review_sla_days).")
    add_output_options(signoff, json_option=False)

    verify = sub.add_parser("verify", help="Check a signed report: valid, or exactly what does not match.")
    verify.add_argument("report")
    verify.add_argument("--trust", action="append", metavar="FINGERPRINT",
                        help="Accept only signatures by these key fingerprints (repeatable).")

    history = sub.add_parser("history", help="List recorded runs (of one course).")
    history.add_argument("course", nargs="?", help="Part of a course title, package name or SHA-256.")

    compare = sub.add_parser("compare", help="Compare two runs: fixed, new, still failing, values that moved.")
    compare.add_argument("old", help="A report file or a history id.")
    compare.add_argument("new", help="A report file or a history id.")
    compare.add_argument("--json", metavar="FILE", help="Write the comparison as JSON.")

    sub.add_parser("key", help="Show this reviewer's signing-key fingerprint (creating the key if needed).")

    loadplan = sub.add_parser("loadplan", help="Write a Locust file that replays the course for a full-scale load test.")
    loadplan.add_argument("path", help="The course .zip or folder.")
    loadplan.add_argument("--out", required=True, metavar="FILE", help="Where to write the Locust file.")
    loadplan.add_argument("--profile", default="default", help="Profile whose think time to use.")

    probes = sub.add_parser("probes", help="List the installed probes.")
    probes.add_argument("--rules", action="store_true",
                        help="Also list each probe's rules: id, severity, title and failing title.")
    sub.add_parser("profiles", help="List the bundled policy profiles.")
    return parser


def add_output_options(parser: argparse.ArgumentParser, json_option: bool = True) -> None:
    if json_option:
        parser.add_argument("--json", metavar="FILE", help="Write the report as JSON.")
    parser.add_argument("--html", metavar="FILE", help="Write the report as a self-contained HTML page.")
    parser.add_argument("--pdf", metavar="FILE", help="Write the report as PDF.")
    parser.add_argument("--junit", metavar="FILE", help="Write the findings as JUnit XML.")


OUTPUT_OPTIONS = ("json", "html", "pdf", "junit", "evidence", "out")


def _check_outputs(args: argparse.Namespace) -> None:
    """Refuse, before any work, an output path that names a folder (the run would be lost)."""
    for option in OUTPUT_OPTIONS:
        target = getattr(args, option, None)
        if isinstance(target, str) and target and Path(target).is_dir():
            raise CertifierError(f"--{option} {target}: is a folder; give a file name, e.g. "
                                 f"{Path(target) / ('report.' + ('json' if option == 'evidence' else option))}.")


def write_outputs(report: dict[str, Any], args: argparse.Namespace) -> list[str]:
    from certifier.exporters import export

    written = []
    for fmt in ("json", "html", "pdf", "junit"):
        target = getattr(args, fmt, None)
        if target:
            export(report, target, fmt)
            written.append(target)
    return written


def _terminate_as_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if hasattr(signal, "SIGTERM") and threading.current_thread() is threading.main_thread():
        # A service manager's or a CI runner's stop: cancel like Ctrl-C, so temp folders are cleaned.
        signal.signal(signal.SIGTERM, _terminate_as_interrupt)
    try:
        _check_outputs(args)
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
        path = Path(args.path)
        if not path.exists():
            raise CertifierError(f"No course package at {path}.")
    else:
        raise CertifierError("Give a course package PATH, or --demo for the bundled sample course.")
    profile = load_profile(args.profile)
    if args.sites:
        if not Path(args.sites).exists():
            raise CertifierError(f"No sites file at {args.sites}.")
        profile.values.setdefault("capacity", {})["sites_file"] = str(Path(args.sites).resolve())
    progress = ProgressBar(sys.stderr) if sys.stderr.isatty() else None
    runner = Runner(on_event=progress.update if progress else None)
    auth = (args.staging_user, os.environ.get(PASSWORD_VARIABLE, "")) if args.staging_user else None
    probe_ids = args.probe
    if args.machine:
        probe_ids = (probe_ids or [p for p, cls in runner.probes.items() if cls.default_enabled]) + ["machine"]
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


def cmd_evaluate(args: argparse.Namespace) -> int:
    from certifier.run.evidence_shape import require_shape

    try:
        data = json.loads(Path(args.evidence).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CertifierError(f"Cannot read evidence from {args.evidence}: {exc}") from exc
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
    unreadable = [f for f in report["findings"] if f["rule_id"].endswith(".probe-error")
                  and f["message"].startswith("Rules failed:")]
    if unreadable:
        raise CertifierError(f"{args.evidence}: the evidence of " + "; ".join(
            f"probe '{f['rule_id'].split('.')[0]}' does not have the shape its rules read "
            f"({f['message'].removeprefix('Rules failed: ')})" for f in unreadable) + ".")
    return _finish(report, args, cancelled=record.cancelled)


def _run_interruptibly(runner: Runner, path: Path, profile, probe_ids, staging, auth=None) -> RunRecord:
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
    return result["record"]


def _finish(report: dict[str, Any], args: argparse.Namespace, cancelled: bool) -> int:
    written = write_outputs(report, args)
    print(printable(format_summary(report)))
    for path in written:
        print(f"Report written to {path}")
    return EXIT_CANCELLED if cancelled else EXIT_CODES[report["verdict"]]


def load_report(path: str, validate: bool = True) -> dict[str, Any]:
    """A report file, checked against the published schema before anything renders or signs it
    (``verify`` reads it unchecked: it must explain what was edited, not refuse it)."""
    from certifier.run.report import report_problems

    try:
        report = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        raise CertifierError(f"Cannot read the report {path}: {exc}") from exc
    if not isinstance(report, dict) or "findings" not in report or "verdict" not in report:
        raise CertifierError(f"{path} is not a Course Certifier report.")
    if validate:
        problems = report_problems(report)
        if problems:
            raise CertifierError(f"{path} is not a valid Course Certifier report: " + "; ".join(problems) + ".")
    return report


def cmd_signoff(args: argparse.Namespace) -> int:
    from certifier.records.signoff import sign_off

    report = load_report(args.report)
    signed = sign_off(report, args.reviewer, args.decision, comment=args.comment, conditions=args.conditions,
                      role=args.role, requested_on=args.requested_on, due_by=args.due_by)
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
                result.lines.append(f"Truncated: this machine recorded decision {missing['decision_index'] + 1} "
                                    f"({missing['decision']} by {missing['reviewer']}, key {missing['fingerprint']}); "
                                    "the report no longer holds it.")
    print("\n".join(result.lines))
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
        print(f"{run['id']:>5}  {run['finished_at']:<25}  {run['verdict']:<13}  {run['failed']:>6}  {run['profile']:<14}  "
              f"{run['course_title']} ({(run['package_sha256'] or '')[:12]})")
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
    if args.course:
        if not Path(args.course).exists():
            raise CertifierError(f"No course package at {args.course}.")
        record = _run_interruptibly(runner, Path(args.course), profile,
                                    ["conformance", "media", "plugins", "machine"], None)
    else:
        record = _run_interruptibly(runner, None, profile, ["machine"], None)
    report = assess(record, profile, runner.probes)
    facts = next((r.evidence or {} for r in record.probe_runs if r.probe_id == "machine"), {}).get("facts", {})
    if facts:
        browsers = ", ".join(f"{b['name']} {b['version'] or '?'}" for b in facts["browsers"]) or "none found"
        print(f"Machine:  {facts['os']}; {facts['cpu_cores']} cores, {facts['ram_gb']} GB RAM, "
              f"{facts['free_disk_gb']} GB free; browsers: {browsers}")
    return _finish(report, args, cancelled=record.cancelled)


def cmd_capacity(args: argparse.Namespace) -> int:
    import datetime as dt

    from certifier.planning.capacity import describe_fix, load_sites, plan_rollout, resolve_sites_file

    profile = load_profile(args.profile)
    share = args.online_share if args.online_share is not None else profile.section("capacity")["expected_online_share"]
    if not 0 < share <= 1:
        raise CertifierError("--online-share must be above 0 and at most 1 (e.g. 0.05 for 5 %).")
    try:
        start = dt.date.fromisoformat(args.start) if args.start else dt.date.today()
    except ValueError as exc:
        raise CertifierError(f"--start: {exc}") from exc
    plan = plan_rollout(load_sites(resolve_sites_file(args.sites)), args.demand_kbps, share, start)
    print(plan.summary)
    print(f"{'site':<16} {'learners':>8} {'at once':>8} {'expected':>8} {'waves':>5} {'done':>11} {'deadline':>11}  fix")
    for site in plan.sites:
        note = describe_fix(site.fix)
        print(f"{site.name:<16} {site.learners:>8,} {site.max_concurrent:>8,} {site.peak_concurrent_needed:>8,} "
              f"{site.waves:>5} {site.completion or 'never':>11} {site.deadline:>11}  {note}")
    for wave in plan.waves:
        print(f"wave {wave['wave']:>2}: {wave['from']} – {wave['to']}: {wave['learners']:,} learners in "
              f"{len(wave['sites'])} sites")
    if args.json:
        write_json_atomic(args.json, plan.to_dict())
    return 0 if all(s.meets_deadline for s in plan.sites) else EXIT_CODES[NOT_CERTIFIED]


def cmd_loadplan(args: argparse.Namespace) -> int:
    from certifier.exporters.files import write_atomic
    from certifier.planning.loadplan import render_locustfile, request_sequence

    path = Path(args.path)
    if not path.exists():
        raise CertifierError(f"No course package at {path}.")
    profile = load_profile(args.profile)
    record = Runner().run(path, profile, ["conformance"])
    if record.package.get("rejected"):
        raise CertifierError(f"The package was rejected: {record.package['rejected']['message']}")
    launch_map = (record.probe_runs[0].evidence or {}).get("outputs", {}).get("launch_map", [])
    media_types = {f.path: f.media_type for f in record.inventory.files}
    lessons = [{"lesson": unit["id"], "steps": [{"path": s["path"], "range": s["range"]}
                                                for s in request_sequence([unit], media_types)]}
               for unit in launch_map]
    lessons = [lesson for lesson in lessons if lesson["steps"]]
    if not lessons:
        raise CertifierError("The course has no launch page inside the package to replay.")
    think = profile.section("load")["think_time_s"]
    text = render_locustfile(record.package.get("title") or path.name, __version__, lessons, think, think * 5,
                             Path(args.out).name)
    write_atomic(args.out, text.encode("utf-8"))
    steps = sum(len(lesson["steps"]) for lesson in lessons)
    print(f"Wrote {args.out}: {len(lessons)} lessons, {steps} requests per learner. See its header for how to run it.")
    return 0


def cmd_key(args: argparse.Namespace) -> int:
    from certifier.records.signoff import key_path, public_fingerprint

    print(f"{public_fingerprint()}  ({key_path()})")
    return 0


def format_summary(report: dict[str, Any]) -> str:
    package = report["package"]
    counts = report["summary"]["by_status"]
    failed = report["summary"]["failed_by_severity"]
    counted = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    failed_text = ", ".join(f"{n} {s}" for s, n in failed.items() if n)
    cancelled = "  (run cancelled: incomplete)" if report["run"]["status"] == "cancelled" else ""
    course = (f"{package.get('title') or package.get('name')} — {package.get('name')} "
              f"({package.get('standard', 'not read')})" if package.get("path") else "none (machine check only)")
    lines = [
        f"Course:   {course}",
        f"Profile:  {report['profile']['name']}",
        f"VERDICT:  {report['verdict']}{cancelled}",
        f"Findings: {counted}" + (f"  |  failed: {failed_text}" if failed_text else ""),
    ]
    top = [f for f in report["findings"] if f["status"] in ("fail", "error", "warn")][:TOP_FINDINGS_SHOWN]
    if top:
        lines.append("")
        lines.append("Top findings:")
    for f in top:
        where = ", ".join(_evidence_text(e) for e in f["evidence"][:2])
        value = f" [{f['measured']} vs {f['limit']} {f['unit'] or ''}]".rstrip() if f.get("limit") is not None else ""
        lines.append(f"  {f['severity'].upper():<7} {f['status']:<5} {f['rule_id']}{value}")
        lines.append(f"          {f['message']}")
        if where:
            lines.append(f"          at {where}")
        if f["remediation"]:
            lines.append(f"          fix: {f['remediation']}")
    lines.append("")
    lines.append(f"Rule: {report['verdict_rule']}")
    return "\n".join(lines)


def _evidence_text(evidence: dict[str, Any]) -> str:
    return evidence_label(evidence)


class ProgressBar:
    """A one-line progress bar on a terminal."""

    def __init__(self, stream):
        self.stream = stream

    def update(self, event: RunEvent) -> None:
        if event.kind not in ("step-started", "step-progress", "step-finished"):
            return
        filled = int(event.overall * BAR_WIDTH)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        self.stream.write(f"\r[{bar}] {event.overall:4.0%} {event.step:<14} {event.message[:40]:<40}")
        self.stream.flush()

    def finish(self) -> None:
        self.stream.write("\r" + " " * (BAR_WIDTH + 64) + "\r")
        self.stream.flush()


def cmd_serve(args: argparse.Namespace) -> int:
    import time

    from certifier.package.archive import open_package
    from certifier.staging.network import network_profiles
    from certifier.staging.server import StagingServer
    from certifier.package.workdir import WorkDir

    path = Path(args.path) if args.path else sample_course_path()
    if not path.exists():
        raise CertifierError(f"No course package at {path}.")
    profile = load_profile(args.profile)
    networks = network_profiles(profile.values)
    if args.network and args.network not in networks:
        raise CertifierError(f"No network preset '{args.network}' in profile {profile.name} "
                             f"(presets: {', '.join(networks)}).")
    record = Runner().run(path, profile, ["conformance"])
    conformance = record.probe_runs[0].evidence or {}
    units = conformance.get("outputs", {}).get("launch_map", [])
    network = networks.get(args.network) if args.network else None
    with WorkDir() as workdir, open_package(path, archive_limits(profile)) as package:
        root = workdir.extract_all(package)
        with StagingServer(root, network, launch_units=units, port=args.port) as server:
            print(f"Serving {path.name} at {server.url}" + (f" over '{network.name}' ({network.down_kbps:,.0f} kbps, "
                                                             f"{network.rtt_ms:g} ms)" if network else ""))
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


COMMANDS = {"check": cmd_check, "evaluate": cmd_evaluate, "probes": cmd_probes, "profiles": cmd_profiles,
            "serve": cmd_serve, "signoff": cmd_signoff, "verify": cmd_verify, "history": cmd_history,
            "compare": cmd_compare, "key": cmd_key, "machine": cmd_machine, "capacity": cmd_capacity,
            "loadplan": cmd_loadplan}

if __name__ == "__main__":
    sys.exit(main())
