"""The HTML certification report: one self-contained file (inline CSS and SVG, no network).

Every piece of text that comes from the package, the run or a reviewer is escaped: a course
titled ``<script>`` is shown, never run.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from certifier.exporters.appendices import appendices, checks_appendix
from certifier.exporters.svg_charts import render_chart
from certifier.policy.findings import (
    EVIDENCE_SHOWN,
    PROBLEM_STATUSES,
    SEVERITY_ORDER,
    Severity,
    evidence_label,
    value_with_unit,
)
from certifier.policy.presentation import Table
from certifier.policy.probe_api import Probe
from certifier.run.consequences import is_consequence
from certifier.run.presentation import Contributions, contributions

DEFAULT_PROFILE = "default"
SHORT_VALUE_CHARS = 120
VERDICT_CLASS = {"CERTIFIED": "ok", "CONDITIONAL": "cond", "NOT CERTIFIED": "no"}
FIX_FIRST_SHOWN = 8  # findings page one lists; the rest follow under "Findings to act on"
WRAP_COLUMN_SHARE = "40%"  # the text column's share of a table: whole figures beside it, readable text in it
GROUP_EVIDENCE_FROM = 4  # places sharing one note are told once from this many on

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


def _evidence_items(items: list[dict[str, Any]]) -> str:
    """Evidence as list items; places that share one note are one item ("50 places: no learner fits — A, B, …")."""
    by_note: dict[str, list[dict[str, Any]]] = {}
    for e in items:
        by_note.setdefault(e.get("note") or f"\0{id(e)}", []).append(e)  # items without a note stay apart
    shown: list[str] = []
    for note, group in by_note.items():
        if len(group) < GROUP_EVIDENCE_FROM or note.startswith("\0"):
            shown.extend(f"<li>{_evidence(e)}</li>" for e in group)
            continue
        labels = ", ".join(escape(evidence_label(e)) for e in group[:EVIDENCE_SHOWN])
        more = f" and {len(group) - EVIDENCE_SHOWN} more" if len(group) > EVIDENCE_SHOWN else ""
        shown.append(f"<li><b>{len(group)} places:</b> {escape(note)} — {labels}{more}</li>")
    more = (
        f"<li>… and {len(shown) - EVIDENCE_SHOWN} more (all are in the JSON report)</li>"
        if len(shown) > EVIDENCE_SHOWN
        else ""
    )
    return "".join(shown[:EVIDENCE_SHOWN]) + more


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
    evidence = f"<p><b>Evidence:</b></p><ul>{_evidence_items(f['evidence'])}</ul>" if f["evidence"] else ""
    spec = f"<p class='meta'>Specification: {escape(f['spec_ref'])}</p>" if f.get("spec_ref") else ""
    return (
        f"<div class='finding {escape(f['status'])}' id='{finding_anchor(f)}'><h4><span class='badge {escape(f['severity'])}'>"
        f"{escape(f['severity'])}</span> {escape(f['title'])}</h4>"
        f"<p class='meta'>{escape(f['status'].upper())} · <code>{escape(f['rule_id'])}</code></p>"
        f"<p>{escape(f['message'])}</p>{measured}{evidence}{consequences}"
        + (f"<p><b>Fix:</b> {escape(f['remediation'])}</p>" if f.get("remediation") else "")
        + (f"<p><b>IT risk:</b> {escape(f['it_risk'])}</p>" if f.get("it_risk") else "")
        + f"{spec}</div>"
    )


def executive_summary(report: dict[str, Any], contributed: Contributions) -> str:
    """What the course needs from network, servers and desktops, in IT's terms (rows from the probes)."""
    table = "".join(
        f"<tr><th>{escape(row.topic)}</th><td>{escape(row.text)}</td></tr>" for row in contributed.summary_rows
    )
    problems = "".join(f"<p class='meta'>{escape(problem)}</p>" for problem in contributed.problems)
    return f"<section id='summary'><h2>Summary for IT</h2><table width='100%'>{table}</table>{problems}</section>"


def finding_anchor(f: Mapping[str, Any]) -> str:
    return "f-" + escape(str(f["rule_id"]).replace(".", "-"))


def fix_first(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The failing findings above info that are not another's consequence, worst first."""
    risks = [
        f
        for f in report["findings"]
        if f["status"] in PROBLEM_STATUSES and f["severity"] != Severity.INFO.value and not is_consequence(f)
    ]
    return sorted(risks, key=lambda f: SEVERITY_ORDER[Severity(f["severity"])])


def answer_section(report: dict[str, Any], contributed: Contributions) -> str:
    """Page one: what IT asked (learners at once per site type, waves, last day, the fix) and what to fix first."""
    tables = "".join(_table(t, heading="h3") for t in contributed.tables if t.placement == "answer")
    risks = fix_first(report)
    items = "".join(
        f"<li><span class='badge {escape(f['severity'])}'>{escape(f['severity'])}</span> "
        f"<a href='#{finding_anchor(f)}'>{escape(f['title'])}</a>: {escape(f['it_risk'] or f['message'])}</li>"
        for f in risks[:FIX_FIRST_SHOWN]
    )
    more = (
        f"<li>… and {len(risks) - FIX_FIRST_SHOWN} more under Findings to act on.</li>"
        if len(risks) > FIX_FIRST_SHOWN
        else ""
    )
    return (
        f"<section id='answer'>{tables}<h3>To fix first</h3>"
        f"<ul>{items + more or '<li>No failing check above info.</li>'}</ul></section>"
    )


def landing_html(report: dict[str, Any], contributed: Contributions) -> str:
    """The window's first view after a run: the answer and the summary for IT, as page one prints them."""
    return (
        f"<html><head><style>{CSS}body {{ padding: 0; }}</style></head><body>{answer_section(report, contributed)}"
        f"{executive_summary(report, contributed)}</body></html>"
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
    return (
        f"<section id='findings'><h2>Findings to act on ({len(problems)})</h2>"
        f"{''.join(parts) or '<p>None.</p>'}</section>"
    )


def grading_section(report: dict[str, Any]) -> str:
    """How each probe that ran decides what fails and how badly, in its own words."""
    items = "".join(
        f"<li><b>{escape(p['title'])}.</b> {escape(p['grading'])}</li>" for p in report["probes"] if p.get("grading")
    )
    return f"<section id='grading'><h2>How findings are graded</h2><ul>{items}</ul></section>" if items else ""


def tables_section(contributed: Contributions, placement: str = "body") -> str:
    """The probes' table sections placed in the body (e.g. the runtime log) or the appendix (e.g.
    the plan per site)."""
    prefix = "Appendix — " if placement == "appendix" else ""
    return "".join(_table(t, prefix=prefix) for t in contributed.tables if t.placement == placement)


def _table(table: Table, heading: str = "h2", prefix: str = "") -> str:
    head = "".join(
        f"<th width='{WRAP_COLUMN_SHARE}'>{escape(c)}</th>"
        if i == table.wrap_column
        else f"<th style='white-space:nowrap'>{escape(c)}</th>"
        for i, c in enumerate(table.columns)
    )
    rows = "".join(
        "<tr>"
        + "".join(_cell(cell, i in table.code_columns, wrap=i == table.wrap_column) for i, cell in enumerate(row))
        + "</tr>"
        for row in table.rows
    )
    note = f"<p class='meta'>{escape(table.note)}</p>" if table.note else ""
    return (
        f"<section id='{escape(table.anchor)}'><{heading}>{escape(prefix + table.title)}</{heading}>"
        f"<table class='data' width='100%'><thead><tr>{head}</tr></thead>{rows}</table>{note}</section>"
    )


def _cell(text: str, code: bool, wrap: bool) -> str:
    """A table cell; only a table's text column wraps, so dates, figures and names stay whole (in PDF too)."""
    body = f"<code>{escape(text)}</code>" if code else escape(text)
    return f"<td>{body}</td>" if wrap else f"<td style='white-space:nowrap'>{body}</td>"


def charts_section(contributed: Contributions) -> str:
    charts = "".join(f"<h3>{escape(chart.title)}</h3>{render_chart(chart)}" for chart in contributed.charts)
    return f"<section id='charts'><h2>Charts</h2>{charts}</section>" if charts else ""


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
        f"{answer_section(report, contributed)}{executive_summary(report, contributed)}{decisions_block(report)}"
        f"{findings_section(report)}{tables_section(contributed)}{charts_section(contributed)}"
        f"{grading_section(report)}"
        f"<section id='probes'><h2>Probes run</h2><table width='100%'><thead><tr><th>Probe</th><th>Status</th>"
        f"<th>Time</th><th>Note</th></tr></thead>"
        f"{probe_rows}</table><p class='meta'>Verdict rule: {escape(report['verdict_rule'])}</p></section>"
        f"{tables_section(contributed, 'appendix')}{checks_appendix(report)}{appendices(report, inventory_rows)}"
        f"<footer class='small'>{escape(report['tool']['name'])} {escape(report['tool']['version'])} · report schema "
        f"{escape(report['schema_version'])} · run {escape(report['run']['id'])} · machine "
        f"{escape(report['machine'].get('os', ''))}</footer></body></html>"
    )
