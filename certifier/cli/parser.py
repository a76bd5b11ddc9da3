"""The command line's grammar: subcommands, options and their help."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from certifier import __version__
from certifier.policy.presentation import CheckOption, Command

PASSWORD_VARIABLE = "CERTIFIER_STAGING_PASSWORD"
# Options that name a file a command writes: refused up front when they name a folder.
OUTPUT_OPTIONS = ("json", "html", "pdf", "junit", "evidence", "out")


def check_option_dest(probe_id: str, option: CheckOption) -> str:
    return f"probe_option__{probe_id}__{option.key}"


def build_parser(
    probe_commands: Sequence[Command] = (), check_options: Sequence[tuple[str, CheckOption]] = ()
) -> argparse.ArgumentParser:
    """The command line: the core's subcommands, and the subcommands and ``check`` options that
    installed probes bring along."""
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
    check.add_argument(
        "--staging",
        metavar="URL",
        help="Staging server URL where the course is deployed (default: the embedded staging server on this machine).",
    )
    check.add_argument(
        "--staging-user",
        metavar="NAME",
        help=f"User for the staging server; the password is read "
        f"from the {PASSWORD_VARIABLE} environment variable, never from the command line.",
    )
    check.add_argument("--probe", action="append", metavar="ID", help="Run only this probe (repeatable).")
    check.add_argument(
        "--also",
        action="append",
        metavar="ID",
        help="Run this probe besides the default ones (repeatable), e.g. --also linktest with --sites.",
    )
    add_output_options(check)
    check.add_argument("--evidence", metavar="FILE", help="Save the gathered evidence for 'certifier evaluate'.")
    check.add_argument("--no-history", action="store_true", help="Do not record this run in the run history.")
    check.add_argument("--machine", action="store_true", help="Also check this machine against the desktop baseline.")
    for probe_id, option in check_options:
        check.add_argument(
            option.flag,
            metavar=option.metavar,
            dest=check_option_dest(probe_id, option),
            help=f"{option.help} (overrides the profile's {probe_id}.{option.key}).",
        )

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
    signoff.add_argument(
        "--requested-on", metavar="YYYY-MM-DD", help="When the review was requested (default: the run's date)."
    )
    signoff.add_argument(
        "--due-by", metavar="YYYY-MM-DD", help="Review deadline (default: requested + the profile's review_sla_days)."
    )
    signoff.add_argument(
        "--approve-despite-verdict",
        action="store_true",
        help="Approve a report that is not CERTIFIED (say why in --comment).",
    )
    signoff.add_argument(
        "--rename-reviewer",
        action="store_true",
        help="Sign under a new name: this machine's key is bound to the name it first signed with.",
    )
    add_output_options(signoff, json_option=False)

    verify = sub.add_parser("verify", help="Check a signed report: valid, or exactly what does not match.")
    verify.add_argument("report")
    verify.add_argument(
        "--trust",
        action="append",
        metavar="FINGERPRINT",
        help="Accept only signatures by these key fingerprints (repeatable). Without it, "
        "this machine's key and those in trusted-keys.txt in the configuration folder "
        "establish who signed; other intact signatures exit 6.",
    )

    history = sub.add_parser("history", help="List recorded runs (of one course).")
    history.add_argument("course", nargs="?", help="Part of a course title, package name or SHA-256.")

    compare = sub.add_parser("compare", help="Compare two runs: fixed, new, still failing, values that moved.")
    compare.add_argument("old", help="A report file or a history id.")
    compare.add_argument("new", help="A report file or a history id.")
    compare.add_argument("--json", metavar="FILE", help="Write the comparison as JSON.")

    sub.add_parser("key", help="Show this reviewer's signing-key fingerprint (creating the key if needed).")

    probes = sub.add_parser("probes", help="List the installed probes.")
    probes.add_argument(
        "--rules", action="store_true", help="Also list each probe's rules: id, severity, title and failing title."
    )
    sub.add_parser("profiles", help="List the bundled policy profiles.")
    for command in probe_commands:
        command.configure(sub.add_parser(command.name, help=command.help))
    return parser


def add_output_options(parser: argparse.ArgumentParser, json_option: bool = True) -> None:
    if json_option:
        parser.add_argument("--json", metavar="FILE", help="Write the report as JSON.")
    parser.add_argument("--html", metavar="FILE", help="Write the report as a self-contained HTML page.")
    parser.add_argument("--pdf", metavar="FILE", help="Write the report as PDF.")
    parser.add_argument("--junit", metavar="FILE", help="Write the findings as JUnit XML.")
