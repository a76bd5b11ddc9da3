"""The plug-in probe's rules and how each is graded: plug-ins by where a page runs them and the
policy, browser features by the policy where the course's own files use them (the tool's stock
player's capabilities are information), fallbacks and the requirements bill."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from certifier.package.authoring_tools import in_stock_player
from certifier.policy.findings import Evidence, Finding, Severity, Status
from certifier.policy.rules import Rule

from .signals import END_OF_LIFE, REPLACEMENTS, SIGNALS, Signal

POLICIES = ("allowed", "needs_approval", "blocked")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


# One declaration per technology, generated from the signal table (plugin_signals.SIGNALS).
PLUGIN_RULES = {
    s.technology: Rule(
        f"plugins.{s.technology}",
        f"No {s.what.removeprefix('the ')}",
        f"{_capital(s.what)} required",
        Severity.BLOCKER,
        remediation=REPLACEMENTS.get(s.technology, ""),
        it_risk=f"Desktop support: {s.what} does not run in current browsers; every learner would need an unsupported "
        "plug-in, and the helpdesk would get the calls.",
    )
    for s in SIGNALS
    if s.kind == END_OF_LIFE
}
FEATURE_RULES = {
    s.technology: Rule(
        f"plugins.{s.technology}",
        f"{_capital(s.what)} (needs of the course)",
        f"The course needs {s.what}",
        Severity.MINOR,
        remediation="Ask IT to approve this browser feature for the rollout, or remove it from the course.",
        it_risk=f"Desktop support: the learner's browser and IT policy must allow {s.what}.",
    )
    for s in SIGNALS
    if s.kind != END_OF_LIFE
}
FALLBACK_ONLY = Rule(
    "plugins.fallback-only",
    "Plug-in code that never runs",
    "Plug-in code that never runs (fallback / detection only)",
    Severity.INFO,
    it_risk="None for desktops: listed so a reviewer who searches the files for 'Flash' or 'ActiveX' sees why they "
    "do not count.",
)
REQUIREMENTS = Rule(
    "plugins.requirements",
    "What the course needs of a learner's desktop",
    "What the course needs of a learner's desktop",
    Severity.INFO,
    it_risk="Desktop support: the image learners use must provide all of this.",
)


POLICY_OUTCOME = {
    "blocked": (Severity.BLOCKER, Status.FAIL),
    "needs_approval": (Severity.MINOR, Status.WARN),
    "allowed": (Severity.INFO, Status.PASS),
}


def plugin_finding(
    signal: Signal, required: list[dict[str, Any]], mentions: list[dict[str, Any]], policy: str
) -> Finding:
    """An end-of-life plug-in: judged by the policy only where a reachable page runs it."""
    rule = PLUGIN_RULES[signal.technology]
    if not required:
        extra = (
            f" {len(mentions)} mention{'s' if len(mentions) != 1 else ''} in the files are fallback or detection "
            "code only (listed under plugins.fallback-only)."
            if mentions
            else ""
        )
        return rule.finding(
            Status.PASS, f"No page the course launches runs {signal.what}.{extra}", measured=0, unit="pages"
        )
    severity, status = POLICY_OUTCOME[policy]
    where = ", ".join(f"{e['path']}:{e['line']}" if e.get("line") else e["path"] for e in required[:3])
    message = (
        f"{signal.what} is required: {len(required)} place{'s' if len(required) != 1 else ''} where a page the "
        f"course launches runs it ({where}{', …' if len(required) > 3 else ''}). Policy: {policy.replace('_', ' ')}."
    )
    return rule.finding(
        status,
        message,
        severity=severity,
        measured=len(required),
        unit="places",
        evidence=tuple(
            Evidence(
                path=e["path"],
                line=e.get("line"),
                column=e.get("column"),
                note=e["reason"] + (f" ('{e['target']}')" if e.get("target") else ""),
            )
            for e in required
        ),
        details={"policy": policy},
    )


def course_own(hits: list[dict[str, Any]], player: Sequence[str]) -> bool:
    """Whether any mention is in the course's own files rather than the tool's stock player."""
    return any(not in_stock_player(h["path"], player) for h in hits)


def technology_finding(
    signal: Signal, hits: list[dict[str, Any]], policy: str, player: Sequence[str] = (), tool: str = ""
) -> Finding:
    """A modern browser feature the course's reachable files use: IT's policy decides. Found only in
    the tool's stock player (the same files in every course it publishes), it is what the player can
    do, not what this course asks: information, as the player's weight is."""
    rule = FEATURE_RULES[signal.technology]
    if hits and not course_own(hits, player):
        where = ", ".join(f"{h['path']}:{h['line']}" if h.get("line") else h["path"] for h in hits[:3])
        allowed = POLICY_OUTCOME[policy][1] == Status.PASS  # never graded above what the course's own use is
        return rule.finding(
            Status.PASS if allowed else Status.WARN,
            f"Only {tool or 'the authoring tool'}'s stock player can use {signal.what.removeprefix('the ')} "
            f"({where}); no file of this course's own does. The player uses it when the course asks (a "
            "trigger that opens a web page in a new window, say): check the course's triggers against "
            f"the policy ({policy.replace('_', ' ')}).",
            severity=Severity.INFO,
            measured=len(hits),
            unit="occurrences",
            evidence=tuple(Evidence(path=h["path"], line=h.get("line"), note=h.get("snippet")) for h in hits),
            details={"policy": policy, "player_only": True},
        )
    if not hits:
        return rule.finding(
            Status.PASS,
            f"No {signal.what.removeprefix('the ')} found.",
            severity=Severity.INFO,
            measured=0,
            unit="occurrences",
        )
    where = ", ".join(f"{h['path']}:{h['line']}" if h.get("line") else h["path"] for h in hits[:3])
    message = f"{signal.what} found {len(hits)} time{'s' if len(hits) != 1 else ''} ({where}{', …' if len(hits) > 3 else ''})."
    severity, status = POLICY_OUTCOME[policy]
    return rule.finding(
        status,
        message + f" Policy: {policy.replace('_', ' ')}.",
        severity=severity,
        measured=len(hits),
        unit="occurrences",
        evidence=tuple(Evidence(path=h["path"], line=h.get("line"), note=h.get("snippet")) for h in hits),
        details={"policy": policy},
    )


def fallback_finding(evidence: Mapping[str, Any]) -> Finding:
    """Plug-in words and embeds that never run: information for the requirements bill."""
    signals_by_tech = {s.technology: s for s in SIGNALS}
    items: list[Evidence] = []
    counts: dict[str, int] = {}
    for tech, hits in sorted(evidence["signals"].items()):
        if signals_by_tech.get(tech) is None or signals_by_tech[tech].kind != END_OF_LIFE:
            continue
        counts[tech] = counts.get(tech, 0) + len(hits)
        items += [
            Evidence(
                path=h["path"],
                line=h.get("line"),
                note=f"{signals_by_tech[tech].what}: fallback / detection only"
                + (f" — `{h['snippet']}`" if h.get("snippet") else ""),
            )
            for h in hits
        ]
    for embed in evidence.get("embeds", []):
        if not embed["required"]:
            counts[embed["technology"]] = counts.get(embed["technology"], 0) + 1
            items.append(
                Evidence(
                    path=embed["path"],
                    line=embed.get("line"),
                    column=embed.get("column"),
                    note=f"{embed['technology']}: not required — {embed['reason']}",
                )
            )
    if not items:
        return FALLBACK_ONLY.finding(Status.PASS, "No file mentions an end-of-life plug-in.")
    summary = ", ".join(f"{tech} ×{n}" for tech, n in sorted(counts.items()))
    required = sorted({e["technology"] for e in evidence.get("embeds", []) if e["required"]})
    return FALLBACK_ONLY.finding(
        Status.WARN,
        f"Fallback or detection code only, never run by a page the course launches: {summary}. "
        + (
            f"These need nothing, but the course does need {', '.join(required)} elsewhere (see its finding)."
            if required
            else "Current browsers take the HTML5 path; nothing to install."
        ),
        measured=len(items),
        unit="occurrences",
        evidence=tuple(items),
        details={"counts": counts},
    )


def requirements_finding(evidence: Mapping[str, Any]) -> Finding:
    bill = evidence["outputs"]["requirements"]
    runtime = evidence.get("runtime") or {}
    parts = [f"plugins: {', '.join(bill['plugins']) or 'none'}"]
    if bill.get("fallback_only"):
        parts.append(f"fallback / detection only (not required): {', '.join(bill['fallback_only'])}")
    if runtime.get("runtime"):
        parts.append(
            f"runtime: {', '.join(runtime['runtime'])}"
            + (
                f" ({runtime['tool']}" + (f", {runtime['evidence']})" if runtime.get("evidence") else ")")
                if runtime.get("tool")
                else ""
            )
        )
    parts += [
        f"browser features: {', '.join(bill['browser_features']) or 'none'}",
        f"external hosts: {', '.join(bill['external_hosts']) or 'none'}",
        f"media codecs: {', '.join(bill['media_codecs']) or 'none'}",
    ]
    if bill["min_screen"]:
        parts.append(f"screen at least {bill['min_screen']['width']}×{bill['min_screen']['height']}")
    stage = evidence.get("stage")
    return REQUIREMENTS.finding(
        Status.PASS,
        "; ".join(parts) + ".",
        evidence=(Evidence(path=stage["path"], line=stage["line"]),) if stage else (),
        details=dict(bill),
    )
