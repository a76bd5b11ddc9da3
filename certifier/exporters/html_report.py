"""The HTML certification report: one self-contained file (inline CSS and SVG, no network).

Every piece of text that comes from the package, the run or a reviewer is escaped: a course
titled ``<script>`` is shown, never run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from html import escape
from typing import Any

from certifier.errors import CertifierError
from certifier.exporters.svg_charts import render_chart
from certifier.policy.findings import EVIDENCE_SHOWN, SEVERITY_ORDER, Severity, counted, evidence_label, value_with_unit
from certifier.policy.probe_api import Probe
from certifier.policy.registry import load_profile
from certifier.run.consequences import is_consequence
from certifier.run.presentation import Contributions, contributions

DEFAULT_PROFILE = "default"
SHORT_VALUE_CHARS = 120
VERDICT_CLASS = {"CERTIFIED": "ok", "CONDITIONAL": "cond", "NOT CERTIFIED": "no"}
PROBLEM_STATUSES = ("fail", "error", "warn")

CSS = """
body { font-family: "DejaVu Sans", "Segoe UI", Arial, sans-serif; color: #1d2733; margin: 0 auto; max-width: 980px;
       padding: 0 24px 40px; font-size: 14px; line-height: 1.45; }
header.verdict { color: #fff; padding: 18px 24px; margin: 0 -24px 20px; }
header.verdict h1 { margin: 0 0 4px; font-size: 30px; letter-spacing: .5px; }
header.ok { background: #1e7d32; } header.cond { background: #b26a00; } header.no { background: #b3261e; }
h2 { border-bottom: 2px solid #1f4e79; padding-bottom: 3px; margin-top: 28px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid #dde2e7; vertical-align: top; }
td.num { text-align: right; white-space: nowrap; }
table.data td, table.data th { font-size: 12px; }
.finding { border-left: 5px solid #b3261e; padding: 6px 12px; margin: 10px 0; background: #fafbfc; page-break-inside: avoid; }
.finding.warn { border-color: #b26a00; } .finding.error { border-color: #8e24aa; }
.finding h4 { margin: 0 0 4px; } .meta { color: #5f6368; font-size: 12px; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 12px; }
.badge { display: inline-block; padding: 0 6px; border-radius: 3px; color: #fff; font-size: 12px; }
.blocker { background: #7f0000; } .major { background: #b3261e; } .minor { background: #b26a00; } .info { background: #5f6368; }
.decision { border: 1px solid #1f4e79; padding: 8px 12px; margin: 8px 0; }
.small { font-size: 12px; color: #5f6368; word-break: break-all; }
@media print { header.verdict { -webkit-print-color-adjust: exact; print-color-adjust: exact; } a { color: inherit; } }
"""


def _value(value: Any, unit: str | None) -> str:
    return escape(value_with_unit(value, unit))


def _evidence(e: dict[str, Any]) -> str:
    note = f" — {escape(e['note'])}" if e.get("note") else ""
    return f"<code>{escape(evidence_label(e))}</code>{note}"


def _consequences(f: dict[str, Any], by_rule: dict[str, dict[str, Any]]) -> str:
    """The findings this one explains: one defect, listed once with what it causes."""
    items = "".join(
        f"<li><code>{escape(rule_id)}</code> ({escape(by_rule[rule_id]['severity'])}): "
        f"{escape(by_rule[rule_id]['message'][:300])}</li>"
        for rule_id in (f.get("details") or {}).get("consequences", [])
        if rule_id in by_rule
    )
    return f"<p><b>Also caused by this defect</b> (not counted again):</p><ul>{items}</ul>" if items else ""


def _finding(f: dict[str, Any], consequences: str = "") -> str:
    measured = ""
    if f.get("measured") is not None or f.get("limit") is not None:
        measured = (
            f"<p><b>Measured:</b> {_value(f.get('measured'), f.get('unit'))}"
            + (f" · <b>Limit:</b> {_value(f.get('limit'), f.get('unit'))}" if f.get("limit") is not None else "")
            + "</p>"
        )
    evidence = ""
    if f["evidence"]:
        items = "".join(f"<li>{_evidence(e)}</li>" for e in f["evidence"][:EVIDENCE_SHOWN])
        more = (
            f"<li>… and {len(f['evidence']) - EVIDENCE_SHOWN} more (all are in the JSON report)</li>"
            if len(f["evidence"]) > EVIDENCE_SHOWN
            else ""
        )
        evidence = f"<p><b>Evidence:</b></p><ul>{items}{more}</ul>"
    spec = f"<p class='meta'>Specification: {escape(f['spec_ref'])}</p>" if f.get("spec_ref") else ""
    return (
        f"<div class='finding {escape(f['status'])}'><h4><span class='badge {escape(f['severity'])}'>"
        f"{escape(f['severity'])}</span> {escape(f['title'])}</h4>"
        f"<p class='meta'>{escape(f['status'].upper())} · <code>{escape(f['rule_id'])}</code></p>"
        f"<p>{escape(f['message'])}</p>{measured}{evidence}{consequences}"
        + (f"<p><b>Fix:</b> {escape(f['remediation'])}</p>" if f.get("remediation") else "")
        + (f"<p><b>IT risk:</b> {escape(f['it_risk'])}</p>" if f.get("it_risk") else "")
        + f"{spec}</div>"
    )


def executive_summary(report: dict[str, Any], contributed: Contributions) -> str:
    """What the course needs from network, servers and desktops, in IT's terms (rows from the probes)."""
    risks = [
        f
        for f in report["findings"]
        if f["status"] in PROBLEM_STATUSES and f["severity"] != Severity.INFO.value and not is_consequence(f)
    ]
    risk_items = "".join(
        f"<li><span class='badge {escape(f['severity'])}'>{escape(f['severity'])}</span> "
        f"{escape(f['title'])}: {escape(f['it_risk'] or f['message'])}</li>"
        for f in risks[:15]
    )
    table = "".join(
        f"<tr><th>{escape(row.topic)}</th><td>{escape(row.text)}</td></tr>" for row in contributed.summary_rows
    )
    problems = "".join(f"<p class='meta'>{escape(problem)}</p>" for problem in contributed.problems)
    return (
        f"<section id='summary'><h2>Summary for IT</h2><table>{table}</table>{problems}"
        f"<h3>Risks</h3><ul>{risk_items or '<li>No failing check.</li>'}</ul></section>"
    )


def decisions_block(report: dict[str, Any]) -> str:
    decisions = report.get("decisions", [])
    signatures = {s["decision_index"]: s for s in report.get("signatures", [])}
    if not decisions:
        return (
            "<section id='decisions'><h2>Sign-off</h2><p>No reviewer has signed this report yet "
            "(<code>certifier signoff REPORT.json --reviewer NAME --decision approve|reject|conditional</code>).</p></section>"
        )
    blocks = []
    for index, d in enumerate(decisions):
        signature = signatures.get(index)
        signed = (
            f"Signed with Ed25519 key <code>{escape(signature['fingerprint'])}</code> at {escape(signature['signed_at'])}"
            if signature
            else "<b>Not signed.</b>"
        )
        blocks.append(
            f"<div class='decision'><b>{escape(d['decision'].upper())}</b> by {escape(d['reviewer'])}"
            + (f" ({escape(d['role'])})" if d.get("role") else "")
            + f" on {escape(d['decided_at'])}"
            + (f"<br>Comment: {escape(d['comment'])}" if d.get("comment") else "")
            + (f"<br>Conditions: {escape(d['conditions'])}" if d.get("conditions") else "")
            + f"<br><span class='small'>Requested on {escape(d.get('requested_on', ''))}, due by "
            f"{escape(d.get('due_by', ''))}. {signed}</span></div>"
        )
    return f"<section id='decisions'><h2>Sign-off</h2>{''.join(blocks)}</section>"


def findings_section(report: dict[str, Any]) -> str:
    by_rule = {f["rule_id"]: f for f in report["findings"]}
    problems = [f for f in report["findings"] if f["status"] in PROBLEM_STATUSES and not is_consequence(f)]
    parts = []
    for severity in sorted({f["severity"] for f in problems}, key=lambda s: SEVERITY_ORDER[Severity(s)]):
        in_severity = [f for f in problems if f["severity"] == severity]
        parts.append(f"<h3>{escape(severity.capitalize())} ({len(in_severity)})</h3>")
        for probe in sorted({f["rule_id"].split(".")[0] for f in in_severity}):
            parts.append(f"<h4 class='meta'>{escape(probe)}</h4>")
            parts.extend(
                _finding(f, _consequences(f, by_rule)) for f in in_severity if f["rule_id"].startswith(probe + ".")
            )
    others = [f for f in report["findings"] if f["status"] not in PROBLEM_STATUSES and not is_consequence(f)]
    rows = "".join(
        f"<tr><td><code>{escape(f['rule_id'])}</code></td><td>{escape(f['status'])}</td>"
        f"<td>{escape(f['message'])}</td></tr>"
        for f in others
    )
    return (
        f"<section id='findings'><h2>Findings to act on ({len(problems)})</h2>"
        f"{''.join(parts) or '<p>None.</p>'}"
        f"<h3>Checks passed or not applicable ({len(others)})</h3>"
        f"<table><tr><th>Rule</th><th>Status</th><th>Result</th></tr>{rows}</table></section>"
    )


def grading_section(report: dict[str, Any]) -> str:
    """How each probe that ran decides what fails and how badly, in its own words."""
    items = "".join(
        f"<li><b>{escape(p['title'])}.</b> {escape(p['grading'])}</li>" for p in report["probes"] if p.get("grading")
    )
    return f"<section id='grading'><h2>How findings are graded</h2><ul>{items}</ul></section>" if items else ""


def tables_section(contributed: Contributions) -> str:
    """The probes' table sections (e.g. the runtime log: SCORM calls or statements per lesson, in order)."""
    sections = []
    for table in contributed.tables:
        head = "".join(
            f"<th>{escape(c)}</th>" if i == table.wrap_column else f"<th style='white-space:nowrap'>{escape(c)}</th>"
            for i, c in enumerate(table.columns)
        )
        rows = "".join(
            "<tr>"
            + "".join(_cell(cell, i in table.code_columns, wrap=i == table.wrap_column) for i, cell in enumerate(row))
            + "</tr>"
            for row in table.rows
        )
        sections.append(
            f"<section id='{escape(table.anchor)}'><h2>{escape(table.title)}</h2>"
            f"<table class='data' width='100%'><tr>{head}</tr>{rows}</table></section>"
        )
    return "".join(sections)


def _cell(text: str, code: bool, wrap: bool) -> str:
    """A table cell; only a table's text column wraps, so dates, figures and names stay whole (in PDF too)."""
    body = f"<code>{escape(text)}</code>" if code else escape(text)
    return f"<td>{body}</td>" if wrap else f"<td style='white-space:nowrap'>{body}</td>"


def charts_section(contributed: Contributions) -> str:
    charts = "".join(f"<h3>{escape(chart.title)}</h3>{render_chart(chart)}" for chart in contributed.charts)
    return f"<section id='charts'><h2>Charts</h2>{charts}</section>" if charts else ""


def appendices(report: dict[str, Any], inventory_rows: int | None = None) -> str:
    shown = report["inventory"] if inventory_rows is None else report["inventory"][:inventory_rows]
    files = "".join(
        f"<tr><td><code>{escape(f['path'])}</code></td><td class='num'>{f['size']:,}</td>"
        f"<td>{escape(f['media_type'])}</td><td class='small'>{escape(f['sha256'])}</td></tr>"
        for f in shown
    )
    if len(shown) < len(report["inventory"]):
        files += (
            f"<tr><td colspan='4'>… {len(report['inventory']) - len(shown):,} more files: see the exported "
            "report.</td></tr>"
        )
    profile = report["profile"]
    return (
        f"<section id='appendix-inventory'><h2>Appendix A — Package inventory ({counted(len(report['inventory']), 'file')})</h2>"
        f"<table><tr><th>Path</th><th>Bytes</th><th>Type</th><th>SHA-256</th></tr>{files}</table></section>"
        f"<section id='appendix-profile'><h2>Appendix B — Policy profile</h2>"
        f"<p>{escape(profile['name'])} — {escape(profile.get('description', ''))}<br>"
        f"<span class='small'>SHA-256 {escape(profile['sha256'])}. Every value is in the JSON report.</span></p>"
        f"{profile_changes_table(profile['values'])}</section>"
    )


def profile_changes_table(values: Mapping[str, Any]) -> str:
    """The keys where this profile departs from the bundled default: what a reviewer needs to know."""
    changes = profile_changes(values)
    if changes is None:
        return "<p>The bundled default profile is not available here to compare with.</p>"
    if not changes:
        return "<p>Every limit is the bundled default's.</p>"
    rows = "".join(
        f"<tr><td><code>{escape(key)}</code></td><td>{escape(_short(value))}</td>"
        f"<td>{escape(_short(default))}</td></tr>"
        for key, value, default in changes
    )
    return (
        f"<p>{len(changes)} {'limit differs' if len(changes) == 1 else 'limits differ'} from the bundled "
        f"default:</p><table><tr><th>Key</th><th>This profile</th><th>Default</th></tr>{rows}</table>"
    )


def profile_changes(values: Mapping[str, Any]) -> list[tuple[str, Any, Any]] | None:
    try:
        default = load_profile(DEFAULT_PROFILE).values
    except CertifierError:
        return None
    keys = sorted(
        {
            (s, k)
            for source in (default, values)
            for s, section in source.items()
            if isinstance(section, dict)
            for k in section
        }
    )
    return [
        (f"{s}.{k}", values.get(s, {}).get(k, "—"), default.get(s, {}).get(k, "—"))
        for s, k in keys
        if values.get(s, {}).get(k) != default.get(s, {}).get(k)
    ]


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= SHORT_VALUE_CHARS else text[:SHORT_VALUE_CHARS] + "…"


def render_html(
    report: dict[str, Any], inventory_rows: int | None = None, probes: Mapping[str, type[Probe]] | None = None
) -> str:
    """The whole report; ``inventory_rows`` shortens the inventory appendix (for on-screen previews).
    ``probes`` draw their own rows, charts and tables (default: the installed probes)."""
    contributed = contributions(report, probes)
    package = report["package"]
    title = package.get("title") or package.get("name") or "course"
    verdict = report["verdict"]
    cancelled = " (run cancelled: incomplete)" if report["run"]["status"] == "cancelled" else ""
    failed = ", ".join(f"{n} {s}" for s, n in report["summary"]["failed_by_severity"].items() if n) or "no failed check"
    probe_rows = "".join(
        f"<tr><td>{escape(p['title'])}</td><td>{escape(p['status'])}</td>"
        f"<td class='num'>{p['duration_s']:.2f} s</td><td>{escape(p['reason'])}</td></tr>"
        for p in report["probes"]
    )
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Certification report — {escape(title)}</title><style>{CSS}</style></head><body>"
        f"<header class='verdict {VERDICT_CLASS.get(verdict, 'no')}'><h1>{escape(verdict)}{escape(cancelled)}</h1>"
        f"<div>{escape(title)} — {escape(package.get('standard', 'package not read'))} — {escape(failed)}</div>"
        f"<div class='small' style='color:#fff'>Profile {escape(report['profile']['name'])} · run "
        f"{escape(report['run']['finished_at'])} · package SHA-256 {escape(package.get('sha256', '—'))}</div></header>"
        f"{executive_summary(report, contributed)}{decisions_block(report)}{findings_section(report)}"
        f"{grading_section(report)}{tables_section(contributed)}{charts_section(contributed)}"
        f"<section id='probes'><h2>Probes run</h2><table><tr><th>Probe</th><th>Status</th><th>Time</th><th>Note</th></tr>"
        f"{probe_rows}</table><p class='meta'>Verdict rule: {escape(report['verdict_rule'])}</p></section>"
        f"{appendices(report, inventory_rows)}"
        f"<footer class='small'>{escape(report['tool']['name'])} {escape(report['tool']['version'])} · report schema "
        f"{escape(report['schema_version'])} · run {escape(report['run']['id'])} · machine "
        f"{escape(report['machine'].get('os', ''))}</footer></body></html>"
    )
