"""What a link test found, in the report's words: each measured link's outcome from its trials (pure, so evaluate recomputes it), model and measurement compared, and what each learner did."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from certifier.policy.findings import counted

from .trials import highest_sustained, sustained


def ratio(measured: int, model: int) -> float | None:
    return round(measured / model, 3) if model > 0 else None


def disagreement(measured: int, model: int, tolerance: float) -> str:
    """'optimistic', 'conservative' or '' — beyond the tolerance and by more than one learner, since a
    learner is more than the tolerance of a small figure."""
    if model <= 0 or abs(measured - model) <= 1 or abs(measured - model) <= tolerance * model:
        return ""
    return "optimistic" if measured < model else "conservative"


def link_outcome(link: Mapping[str, Any], stall_budget: float) -> dict[str, Any]:
    """One measured link as the report shows it (pure: recomputed from the trials)."""
    measured = highest_sustained(link["trials"], stall_budget)
    trials_text = ", ".join(
        f"{t['learners']} ({t['stalls'] + t['errors']} / {t['chunks'] + t['requests']})"
        for t in sorted(link["trials"], key=lambda t: t["learners"])
    )
    # No trial above the figure failed (the search stopped at its ceiling or its time): a lower bound.
    open_ended = measured > 0 and not any(
        t["learners"] > measured and not sustained(t, stall_budget) for t in link["trials"]
    )
    return {
        "training_kbps": link["training_kbps"],
        "link_mbps": link["link_mbps"],
        "at_least": open_ended,
        "training_share": link["training_share"],
        "sites": link["sites"],
        "model": link["model_learners"],
        "measured": measured,
        "ratio": ratio(measured, link["model_learners"]),
        "trials": len(link["trials"]),
        "trials_text": trials_text + (f"; {link['stopped']}" if link.get("stopped") else ""),
    }


def outcome_sentence(outcome: Mapping[str, Any]) -> str:
    share = f"{outcome['link_mbps']:g} Mbps × {outcome['training_share']:.0%}"
    return (
        f"{outcome['training_kbps']:,.0f} kbps ({share}, {counted(len(outcome['sites']), 'site')}): "
        f"model {outcome['model']:,}, measured {'at least ' if outcome.get('at_least') else ''}"
        f"{outcome['measured']:,} learners at once"
        + (f" (×{outcome['ratio']:.2f})" if outcome["ratio"] is not None else "")
    )


def workload_sentence(workload: Mapping[str, Any]) -> str:
    """What each learner did in the trials, in the report's words."""
    if workload["mode"] == "replay":
        replayed = workload["replayed"]
        return (
            f"each learner replayed the walked session's busiest {replayed['window_s']:g} s of {replayed['lesson']} "
            f"({counted(replayed['requests'], 'request')}, {replayed['kilobytes']:,.0f} KB), every request due "
            f"within {replayed['window_s']:g} s"
        )
    return "each learner streamed " + ", ".join(clip["path"] for clip in workload["clips"]) + " without pauses"


def why_cautious(workload: Mapping[str, Any]) -> str:
    """Why the model may count fewer learners than a trial carries, for this workload."""
    if workload["mode"] == "replay":
        return (
            "the model counts the busiest window's bytes as if they all moved within the window for every learner at "
            "once, while a learner's requests spread over it and each only has to arrive within a window of being "
            "asked"
        )
    streamed = sum(float(clip["kbps"]) for clip in workload["clips"])
    rest = float(workload.get("demand_kbps") or 0) - streamed
    if rest <= 0.05 * streamed:
        return ""
    return (
        f"the model counts {workload['demand_kbps']:,.0f} kbps a learner: the clip's {streamed:,.0f} plus "
        f"{rest:,.0f} of first load or pages in the same window, which the trial does not fetch (learners' first "
        "loads rarely coincide)"
    )
