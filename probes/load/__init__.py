"""The ``load`` probe: a bounded concurrency test — virtual learners replaying the course's requests.

A ramp of concurrent learners (e.g. 1, 5, 10, 25, 50), each replaying every lesson's request
sequence (launch page, its files, a byte range of each media file) with think time, against IT's
staging URL or the embedded server over the profile's target network. Hard bounds on requests and
seconds; the ramp stops when the next step would pass either. Full-scale tests belong to Locust
(``certifier loadplan``).
"""

from __future__ import annotations

import math
import sys
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from certifier.planning.loadplan import request_sequence
from certifier.policy import evidence_kinds as kinds
from certifier.policy.findings import Finding, Severity, Status
from certifier.policy.presentation import Table
from certifier.policy.probe_api import Need, Probe, ProbeContext
from certifier.policy.profiles import LimitSpec
from certifier.policy.rules import Rule, declared_in
from certifier.staging.http_files import page_url
from certifier.staging.network import network_profiles
from certifier.staging.server import StagingServer

from .command import LOADPLAN_COMMAND

READ_CHUNK = 64 * 1024


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


P95_LATENCY = Rule(
    "load.p95-latency",
    "Response time under load",
    "Response time under load over budget",
    Severity.MAJOR,
    it_risk="Server load and bandwidth: learners wait, retry and call the helpdesk as concurrency grows.",
)
ERRORS = Rule(
    "load.errors",
    "Errors under load",
    "Errors under load",
    Severity.MAJOR,
    remediation="Check the server's connection limits and logs at that concurrency.",
    it_risk="Server load: failed requests mean broken lessons for learners.",
)
BOUNDS = Rule("load.bounds", "The test stayed within its bounds", "The load test reached its bounds", Severity.INFO)


class LoadProbe(Probe):
    id = "load"
    title = "Bounded concurrency test"
    description = "A ramp of virtual learners replaying the course's requests: latency percentiles and errors per step."
    needs = frozenset({Need.PACKAGE, Need.UNPACKED})
    uses = (kinds.LAUNCH_MAP,)
    reads_sections = ("network",)
    default_enabled = False  # seconds of traffic: asked for explicitly
    limits = {
        "ramp_learners": LimitSpec("string-list", 'Concurrent learners per step, e.g. ["1", "5", "10"].'),
        "think_time_s": LimitSpec("number", "Pause between a learner's requests.", "s"),
        "max_requests": LimitSpec("integer", "Requests the whole test may make.", "requests"),
        "max_seconds": LimitSpec("number", "Time the whole test may take.", "s"),
        "request_timeout_s": LimitSpec("number", "Timeout of one request.", "s"),
        "max_p95_ms": LimitSpec("number", "Slowest 95th-percentile request time at any step.", "ms"),
        "max_error_rate": LimitSpec("number", "Largest share of failed requests at any step."),
        "emulate_network": LimitSpec("boolean", "Run the embedded server over the profile's target network."),
        "stream_chunk_s": LimitSpec(
            "number", "Seconds of media a streaming learner asks for at once (load plans).", "s"
        ),
        "stream_startup_s": LimitSpec("number", "Seconds of media a player buffers before playback starts.", "s"),
    }
    commands = (LOADPLAN_COMMAND,)
    # Generated from the rule declarations.
    rules = declared_in(sys.modules[__name__])

    def gather(self, ctx: ProbeContext) -> dict[str, Any]:
        limits = ctx.limits(self.id)
        launch_map = ctx.shared(kinds.LAUNCH_MAP)
        if launch_map is None:
            return {
                "skipped": "The load test needs the course's launch map (published by the conformance probe); "
                "run both together."
            }
        sequence = request_sequence(launch_map, {f.path: f.media_type for f in ctx.course_inventory.files})
        if not sequence:
            return {"skipped": "The package has no launch page inside it to request."}
        ramp = [int(n) for n in limits["ramp_learners"]]
        server = None
        network_name = None
        if ctx.staging_url:
            base = ctx.staging_url if ctx.staging_url.endswith("/") else ctx.staging_url + "/"
        else:
            network = None
            if limits["emulate_network"]:
                network_name = ctx.profile.section("network")["target_network"]
                network = network_profiles(ctx.profile.values)[network_name]
            server = StagingServer(ctx.workdir.course_folder(ctx.course_package), network).start()
            base = server.url
        try:
            steps, stopped = run_ramp(ctx, base, sequence, ramp, limits)
        finally:
            if server is not None:
                server.stop()
        total_requests = sum(s["requests"] for s in steps)
        total_seconds = round(sum(s["seconds"] for s in steps), 2)
        return {
            "target": "embedded" if server else base,
            "network": network_name,
            "sequence_length": len(sequence),
            "steps": steps,
            "stopped": stopped,
            "total_requests": total_requests,
            "total_seconds": total_seconds,
            "outputs": {
                "steps": [{k: s[k] for k in ("learners", "p50_ms", "p95_ms", "p99_ms", "error_rate")} for s in steps]
            },
        }

    @classmethod
    def tables(cls, report: Mapping[str, Any]) -> list[Table]:
        """Latency percentiles and errors per step of the ramp."""
        steps = cls.outputs_in(report).get("steps") or []
        rows = tuple(
            (
                f"{s['learners']:,}",
                f"{s['p50_ms']:,.0f}",
                f"{s['p95_ms']:,.0f}",
                f"{s['p99_ms']:,.0f}",
                f"{s['error_rate']:.1%}",
            )
            for s in steps
        )
        return (
            [
                Table(
                    "load-steps",
                    "Bounded concurrency test: request times per step",
                    ("Learners at once", "p50 (ms)", "p95 (ms)", "p99 (ms)", "Errors"),
                    rows,
                )
            ]
            if rows
            else []
        )

    def evaluate(self, evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> list[Finding]:
        if evidence.get("skipped"):
            return [P95_LATENCY.finding(Status.SKIPPED, evidence["skipped"])]
        steps = evidence["steps"]
        budget, error_budget = limits["max_p95_ms"], limits["max_error_rate"]
        slow = next((s for s in steps if s["p95_ms"] > budget), None)
        failing = next((s for s in steps if s["error_rate"] > error_budget), None)
        table = "; ".join(
            f"{s['learners']} learners: p50 {s['p50_ms']:,.0f} / p95 {s['p95_ms']:,.0f} / "
            f"p99 {s['p99_ms']:,.0f} ms, {s['error_rate']:.0%} errors"
            for s in steps
        )
        where = f"the embedded server over '{evidence['network']}'" if evidence.get("network") else evidence["target"]
        highest_ok = max((s["learners"] for s in steps if s["p95_ms"] <= budget), default=0)
        return [
            P95_LATENCY.finding(
                Status.FAIL if slow else Status.PASS,
                (
                    f"At {slow['learners']} concurrent learners the 95th-percentile request took "
                    f"{slow['p95_ms']:,.0f} ms (budget {budget:,.0f} ms) on {where}. "
                    if slow
                    else f"Within {budget:,.0f} ms up to {steps[-1]['learners'] if steps else 0} learners on {where}. "
                )
                + table,
                measured=slow["p95_ms"] if slow else max((s["p95_ms"] for s in steps), default=0),
                limit=budget,
                unit="ms",
                remediation=(
                    f"Serve this course to at most {highest_ok} learners at once per link like "
                    "this one, or lighten its heaviest files; confirm at full scale with the "
                    "Locust plan (certifier loadplan)."
                )
                if slow
                else None,
                details={"highest_concurrency_within_budget": highest_ok},
            ),
            ERRORS.finding(
                Status.FAIL if failing else Status.PASS,
                (
                    f"At {failing['learners']} learners {failing['error_rate']:.1%} of requests failed "
                    f"(budget {error_budget:.1%}): {failing['errors_sample']}"
                )
                if failing
                else "No step exceeded the error budget.",
                measured=failing["error_rate"] if failing else max((s["error_rate"] for s in steps), default=0),
                limit=error_budget,
            ),
            BOUNDS.finding(
                Status.PASS,
                f"{evidence['total_requests']:,} requests in {evidence['total_seconds']:g} s "
                f"(bounds {limits['max_requests']:,} requests, {limits['max_seconds']:g} s)."
                + (f" Ramp stopped: {evidence['stopped']}" if evidence.get("stopped") else ""),
                measured=evidence["total_requests"],
                limit=limits["max_requests"],
                unit="requests",
            ),
        ]


def run_ramp(
    ctx: ProbeContext, base: str, sequence: list[dict[str, Any]], ramp: list[int], limits: Mapping[str, Any]
) -> tuple[list[dict[str, Any]], str]:
    steps: list[dict[str, Any]] = []
    started = time.monotonic()
    deadline = started + limits["max_seconds"]
    budget = limits["max_requests"]
    stop = threading.Event()
    for index, learners in enumerate(ramp):
        needed = learners * len(sequence)
        if needed > budget:
            return steps, f"{learners} learners would need {needed:,} requests; {budget:,} remain of the bound."
        if time.monotonic() >= deadline:
            return steps, f"the {limits['max_seconds']:g} s bound was reached."
        ctx.progress(index / len(ramp), f"{learners} virtual learners")
        step_start = time.monotonic()
        with ThreadPoolExecutor(max_workers=learners, thread_name_prefix="learner") as pool:
            results = list(pool.map(lambda _n: replay(base, sequence, limits, deadline, stop, ctx), range(learners)))
        timings = [t for r in results for t in r["times_ms"]]
        errors = [e for r in results for e in r["errors"]]
        made = sum(r["requests"] for r in results)
        budget -= made
        steps.append(
            {
                "learners": learners,
                "requests": made,
                "seconds": round(time.monotonic() - step_start, 2),
                "p50_ms": round(percentile(timings, 0.50), 1),
                "p95_ms": round(percentile(timings, 0.95), 1),
                "p99_ms": round(percentile(timings, 0.99), 1),
                "error_rate": round(len(errors) / made, 4) if made else 0.0,
                "errors_sample": errors[:3],
            }
        )
        if any(r["cut_short"] for r in results):
            return steps, f"the {limits['max_seconds']:g} s bound was reached during {learners} learners."
    return steps, ""


def replay(
    base: str,
    sequence: list[dict[str, Any]],
    limits: Mapping[str, Any],
    deadline: float,
    stop: threading.Event,
    ctx: ProbeContext,
) -> dict[str, Any]:
    """One virtual learner: the sequence once, with think time, stopping at the deadline."""
    session = requests.Session()
    session.trust_env = False
    if ctx.staging_auth:
        session.auth = ctx.staging_auth
    times: list[float] = []
    errors: list[str] = []
    made = 0
    try:
        for index, step in enumerate(sequence):
            if time.monotonic() >= deadline or ctx.stop_event.is_set():
                return {"times_ms": times, "errors": errors, "requests": made, "cut_short": True}
            if index and limits["think_time_s"]:
                stop.wait(limits["think_time_s"])
            headers = {"Range": step["range"]} if step["range"] else {}
            start = time.monotonic()
            made += 1
            try:
                with session.get(
                    page_url(base, step["path"]), headers=headers, stream=True, timeout=limits["request_timeout_s"]
                ) as response:
                    for _ in response.iter_content(READ_CHUNK):
                        if time.monotonic() >= deadline:
                            break
                    if response.status_code >= 400:
                        errors.append(f"HTTP {response.status_code} for {step['path']}")
            except requests.RequestException as exc:
                errors.append(f"{type(exc).__name__} for {step['path']}")
            times.append((time.monotonic() - start) * 1000)
    finally:
        session.close()
    return {"times_ms": times, "errors": errors, "requests": made, "cut_short": False}
