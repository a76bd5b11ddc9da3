"""The ``linktest`` probe: the capacity model's learners-at-once checked by measurement.

For the narrowest site links of the sites file (link × training share), the embedded staging
server runs over that link and learners do what one learner's demand was measured from: where a
clip drives it, they play the media with the Locust plan's player and without pauses ("this link
carries N learners while media plays"); where pages or the player's first load drive it, they
replay the walked session's busiest window, request by request (``replay``). The
search finds the most learners the link carries without stalls, reported beside the model's
figure with their ratio; a disagreement beyond the tolerance is a finding that says which is off.
It belongs to the load family. Its trials take seconds, so it runs when asked (``--also linktest``,
the app's probe list) and in the demo; its time is bounded by the profile.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from certifier.planning.demand import busiest_window
from certifier.planning.loadplan import streamable_clips
from certifier.policy import evidence_kinds as kinds
from certifier.policy.findings import Finding, Severity, Status, counted
from certifier.policy.presentation import SummaryRow, Table
from certifier.policy.probe_api import Need, Probe, ProbeContext
from certifier.policy.profiles import LimitSpec
from certifier.policy.rules import Rule, declared_in
from certifier.staging.network import NetworkProfile
from certifier.staging.server import StagingServer

from .outcomes import disagreement, link_outcome, outcome_sentence, why_cautious, workload_sentence
from .replay import START_SPREAD_SHARE, ReplayTrial, scaled_requests
from .trials import Trial, search, time_scaled

OPTIMISTIC = Rule(
    "linktest.model-optimistic",
    "The capacity model holds on a measured link",
    "The capacity model promises more learners than the link carries",
    Severity.MAJOR,
    remediation="Plan with the measured figure: lower the course's bitrate or plan more waves for these sites.",
    it_risk="Bandwidth: the rollout plan would put more learners on these links than play without stalling.",
)
CONSERVATIVE = Rule(
    "linktest.model-conservative",
    "The capacity model is not far too cautious",
    "The capacity model is far more cautious than the link",
    Severity.INFO,
    remediation="The plan is safe but slower than needed: its waves could be larger on these links.",
    it_risk="Schedule only: the plan is safe, but the rollout may take more waves than the links need.",
)
MEASURED = Rule(
    "linktest.measured",
    "Learners at once measured on emulated site links",
    "Learners at once could not be measured",
    Severity.INFO,
)


class LinkTestProbe(Probe):
    id = "linktest"
    title = "Capacity measured on emulated site links"
    description = (
        "Learners streaming the course over a site's emulated link until it stalls: measured "
        "learners at once beside the capacity model's figure."
    )
    needs = frozenset({Need.PACKAGE, Need.UNPACKED})
    uses = (kinds.PLANNED_DEMAND, kinds.MEDIA_FILES, kinds.SITE_LINKS, kinds.SESSION_TRAFFIC)
    # Learners behave as in the load plan: its think time, chunk, start-up buffer and failure budget.
    reads_sections = ("load", "session")
    limits = {
        "max_site_links": LimitSpec(
            "integer", "Site links measured, narrowest first (each takes a few trials).", "links"
        ),
        "min_model_learners": LimitSpec(
            "integer",
            "Links whose model figure is below this are not measured: one learner there is more than the tolerance.",
            "learners",
        ),
        "max_learners": LimitSpec("integer", "Most learners one trial runs (threads on this machine).", "learners"),
        "trial_s": LimitSpec("number", "How long each trial streams.", "s"),
        "max_seconds": LimitSpec("number", "Time all trials may take together.", "s"),
        "link_rtt_ms": LimitSpec("number", "Round trip of the emulated site links.", "ms"),
        "time_scale": LimitSpec(
            "number",
            "Trials run this many times faster than real time: link, bitrate, "
            "chunks and round trip scaled together, so demand ÷ link is unchanged.",
        ),
        "max_emulated_mbps": LimitSpec("number", "Fastest scaled link this machine's embedded server paces.", "Mbps"),
        "model_tolerance": LimitSpec("number", "Largest share by which model and measurement may differ."),
    }
    default_enabled = False  # seconds of trials: asked for, or shown in the demo
    in_demo = True
    rules = declared_in(sys.modules[__name__])

    def gather(self, ctx: ProbeContext) -> dict[str, Any]:
        limits, load = ctx.limits(self.id), ctx.profile.section("load")
        links = ctx.shared(kinds.SITE_LINKS)
        if not links:
            return {"skipped": "No site links: give a sites file (--sites) so the capacity probe plans the rollout."}
        planned = ctx.shared(kinds.PLANNED_DEMAND) or {}
        workload = self._workload(ctx, planned)
        if isinstance(workload, str):
            return {"skipped": workload}
        chosen, passed_over = choose_links(links, limits)
        if not chosen:
            return {"skipped": "No site link measured: " + passed_over}
        course = ctx.workdir.course_folder(ctx.course_package)
        deadline = time.monotonic() + limits["max_seconds"]
        measured = []
        for index, link in enumerate(chosen):
            ctx.progress(index / max(1, len(chosen)), f"{link['training_kbps']:,.0f} kbps link")
            scale = time_scale(link["training_kbps"], limits)
            network = NetworkProfile(
                f"site link {link['training_kbps']:g} kbps",
                link["training_kbps"] * scale,
                link["training_kbps"] * scale,
                limits["link_rtt_ms"] / scale,
            )
            with StagingServer(course, network) as server:
                trial, trial_s = self._trial(workload, server.url, scale, limits, load, ctx)
                trials, stopped = search(
                    link["model_learners"],
                    limits["max_learners"],
                    load["max_error_rate"],
                    trial,
                    lambda: deadline - time.monotonic(),
                    trial_s,
                )
            measured.append({**link, "trials": trials, "stopped": stopped, "time_scale": scale})
        rows = [link_outcome(link, load["max_error_rate"]) for link in measured]
        return {
            "links": measured,
            "passed_over": passed_over,
            "stall_budget": load["max_error_rate"],
            "mode": workload["mode"],
            "clips": [clip["path"] for clip in workload.get("clips", [])],
            "replayed": workload.get("replayed"),
            "outputs": {
                "links": rows,
                "workload": workload_sentence(workload),
                "cautious_because": why_cautious(workload),
            },
        }

    @staticmethod
    def _workload(ctx: ProbeContext, planned: Mapping[str, Any]) -> dict[str, Any] | str:
        """What each learner does in a trial: stream the clips that drive the demand, or replay the
        session's busiest window where pages or the first load drive it; or why neither can run."""
        driver = planned.get("driver") or {}
        streamable = streamable_clips(ctx.shared(kinds.MEDIA_FILES) or [])
        clips = [{"path": path, **streamable[path]} for path in driver.get("files", []) if path in streamable]
        if driver.get("kind") == "clip" and clips:
            return {"mode": "stream", "clips": clips, "demand_kbps": float(planned.get("kbps") or 0)}
        traffic = {t["launch"]: t for t in ctx.shared(kinds.SESSION_TRAFFIC) or []}
        lesson = traffic.get(planned.get("lesson") or "")
        if planned.get("basis") != "measured" or lesson is None:
            what = f"{driver.get('kind')} {driver.get('name')}" if driver.get("name") else "no demand was measured"
            return (
                f"One learner's demand ({what}) was not measured from a walked session, and is not driven by a "
                "clip this test can stream: there is nothing measured to replay over the link."
            )
        screen_s = float(ctx.profile.section("session").get("learner_screen_s") or 0)
        window = busiest_window(lesson, ctx.shared(kinds.MEDIA_FILES) or [], float(planned["window_s"]), screen_s)
        if not window:
            return f"The busiest window of {lesson['launch']} moved no byte to replay."
        return {
            "mode": "replay",
            "window": window,
            "window_s": float(planned["window_s"]),
            "replayed": {
                "lesson": lesson["launch"],
                "requests": len(window),
                "kilobytes": round(sum(size for _, size, _ in window) / 1024, 1),
                "window_s": float(planned["window_s"]),
            },
        }

    @staticmethod
    def _trial(
        workload: Mapping[str, Any],
        base: str,
        scale: float,
        limits: Mapping[str, Any],
        load: Mapping[str, Any],
        ctx: ProbeContext,
    ) -> tuple[Callable[[int], dict[str, Any]], float]:
        """One trial of N learners on the link at ``base``, and how long it may take."""
        if workload["mode"] == "replay":
            window_s = workload["window_s"] / scale
            replayed = scaled_requests(workload["window"], scale)
            last = max((at for at, _, _ in replayed), default=0.0)

            def replay(learners: int) -> dict[str, Any]:
                return ReplayTrial(base, replayed, window_s, ctx.stop_event).run(learners)

            return replay, last + window_s * (1 + START_SPREAD_SHARE)
        faster, player = time_scaled(workload["clips"], load, scale)

        def stream(learners: int) -> dict[str, Any]:
            return Trial(base, faster, player, limits["trial_s"], ctx.stop_event).run(learners)

        return stream, float(limits["trial_s"])

    def evaluate(self, evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> list[Finding]:
        if evidence.get("skipped"):
            return [MEASURED.finding(Status.SKIPPED, evidence["skipped"])]
        outcomes = [link_outcome(link, evidence["stall_budget"]) for link in evidence["links"]]
        measured = [o for o in outcomes if o["trials"]]
        if not measured:
            return [
                MEASURED.finding(
                    Status.SKIPPED,
                    "No site link could be measured: " + (evidence["passed_over"] or "the time bound came first") + ".",
                )
            ]
        tolerance = limits["model_tolerance"]
        off = {
            kind: [o for o in measured if disagreement(o["measured"], o["model"], tolerance) == kind]
            for kind in ("optimistic", "conservative")
        }
        workload = (evidence.get("outputs") or {}).get("workload")
        summary = "; ".join(outcome_sentence(o) for o in measured) + (f" ({workload})" if workload else "")
        worst = min(measured, key=lambda o: o["ratio"] if o["ratio"] is not None else 1.0)
        passed_over = f" {evidence['passed_over']}" if evidence.get("passed_over") else ""
        return [
            MEASURED.finding(
                Status.PASS,
                summary + "." + passed_over,
                measured=worst["measured"],
                limit=worst["model"],
                unit="learners",
                details={"links": outcomes},
            ),
            OPTIMISTIC.finding(
                Status.FAIL if off["optimistic"] else Status.PASS,
                (
                    "; ".join(outcome_sentence(o) for o in off["optimistic"])
                    + f": the model is off by more than {tolerance:.0%}."
                    if off["optimistic"]
                    else f"On every measured link the model is within {tolerance:.0%} or one learner, or cautious."
                ),
                measured=min(o["ratio"] for o in measured),
                limit=round(1 - tolerance, 3),
                unit="measured ÷ model",
            ),
            CONSERVATIVE.finding(
                Status.FAIL if off["conservative"] else Status.PASS,
                (
                    "; ".join(outcome_sentence(o) for o in off["conservative"])
                    + f": the link carries more than {tolerance:.0%} beyond the model"
                    + (
                        f", because {because}."
                        if (because := (evidence.get("outputs") or {}).get("cautious_because"))
                        else "."
                    )
                    if off["conservative"]
                    else f"On every measured link the model is within {tolerance:.0%} or one learner, or optimistic."
                ),
                measured=max(o["ratio"] for o in measured),
                limit=round(1 + tolerance, 3),
                unit="measured ÷ model",
            ),
        ]

    @classmethod
    def tables(cls, report: Mapping[str, Any]) -> list[Table]:
        """Model and measured learners at once, per measured site link."""
        rows = tuple(
            (
                f"{o['training_kbps']:,.0f} kbps ({o['link_mbps']:g} Mbps × {o['training_share']:.0%})",
                f"{len(o['sites']):,}",
                f"{o['model']:,}",
                ("≥ " if o.get("at_least") else "") + f"{o['measured']:,}",
                f"{o['ratio']:.2f}" if o["ratio"] is not None else "—",
                o["trials_text"],
            )
            for o in cls.outputs_in(report).get("links") or []
        )
        return (
            [
                Table(
                    "linktest-links",
                    "Capacity model vs measurement on emulated site links",
                    ("Link for training", "Sites", "Model", "Measured", "Ratio", "Trials: learners (stalls / chunks)"),
                    rows,
                    wrap_column=5,
                )
            ]
            if rows
            else []
        )

    @classmethod
    def summary_rows(cls, report: Mapping[str, Any]) -> list[SummaryRow]:
        outcomes = cls.outputs_in(report).get("links") or []
        return (
            [SummaryRow("Capacity — measured", "; ".join(outcome_sentence(o) for o in outcomes), 52)]
            if outcomes
            else []
        )

    @classmethod
    def text_lines(cls, report: Mapping[str, Any]) -> list[str]:
        return [f"Measured: {outcome_sentence(o)}" for o in cls.outputs_in(report).get("links") or []]


def time_scale(training_kbps: float, limits: Mapping[str, Any]) -> float:
    """How much faster than real time a link's trials run: the profile's scale, less when the scaled
    link would pass what this machine's embedded server paces reliably."""
    return max(1.0, min(float(limits["time_scale"]), float(limits["max_emulated_mbps"]) * 1000 / training_kbps))


def choose_links(
    links: Sequence[Mapping[str, Any]], limits: Mapping[str, Any]
) -> tuple[Sequence[Mapping[str, Any]], str]:
    """The narrowest links whose model figure is measurable here; with a sentence on those left out."""
    fit = [link for link in links if limits["min_model_learners"] <= link["model_learners"] <= limits["max_learners"]]
    chosen = fit[: limits["max_site_links"]]
    left = len(links) - len(chosen)
    if not left:
        return chosen, ""
    return chosen, (
        f"{counted(left, 'site link')} not measured (measured: the {limits['max_site_links']} narrowest whose "
        f"model is {limits['min_model_learners']}–{limits['max_learners']} learners; "
        "see linktest.max_site_links, min_model_learners, max_learners)."
    )
