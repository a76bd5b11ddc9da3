"""The report's appendices: the plan's reference tables aside, what was checked and passed, the
package's inventory (by folder when it is long) and the policy profile's departures from the default."""

from __future__ import annotations

import json
from collections.abc import Mapping
from html import escape
from typing import Any

from certifier.errors import CertifierError
from certifier.policy.findings import PROBLEM_STATUSES, counted
from certifier.policy.registry import load_profile
from certifier.run.consequences import is_consequence

DEFAULT_PROFILE = "default"
SHORT_VALUE_CHARS = 120
INVENTORY_FOLDER_DEPTH = 2  # "html5/lib/" rather than one row per sub-folder of a player


def checks_appendix(report: dict[str, Any]) -> str:
    """The checks that passed, per probe by rule id (their messages are in the JSON report), and
    those not applicable with the reason: a reviewer sees what was checked without a page per probe."""
    others = [f for f in report["findings"] if f["status"] not in PROBLEM_STATUSES and not is_consequence(f)]
    passed: dict[str, list[str]] = {}
    for f in others:
        if f["status"] == "pass":
            probe, _, rule = f["rule_id"].partition(".")
            passed.setdefault(probe, []).append(rule)
    rows = "".join(
        f"<tr><td style='white-space:nowrap'>{escape(probe)} ({len(rules)})</td>"
        f"<td class='small'>{escape(', '.join(rules))}</td></tr>"
        for probe, rules in passed.items()
    )
    skipped = "".join(
        f"<tr><td><code>{escape(f['rule_id'])}</code></td><td>{escape(f['message'])}</td></tr>"
        for f in others
        if f["status"] != "pass"
    )
    return (
        f"<section id='appendix-checks'><h2>Appendix — Checks passed or not applicable ({len(others)})</h2>"
        f"<table class='data' width='100%'><thead><tr><th>Probe (passed)</th><th>Rules passed</th></tr></thead>"
        f"{rows}</table>"
        + (
            f"<table class='data' width='100%'><thead><tr><th>Not applicable</th><th>Why</th></tr></thead>{skipped}</table>"
            if skipped
            else ""
        )
        + "</section>"
    )


def folder_rows(inventory: list[dict[str, Any]]) -> list[tuple[str, int, int, str]]:
    """The inventory summed per folder (two levels deep): folder, files, bytes, the commonest types."""
    folders: dict[str, list[dict[str, Any]]] = {}
    for f in inventory:
        parts = f["path"].split("/")[:-1][:INVENTORY_FOLDER_DEPTH]
        folders.setdefault("/".join(parts) + "/" if parts else "(top level)", []).append(f)
    rows = []
    for folder, files in sorted(folders.items()):
        types: dict[str, int] = {}
        for f in files:
            types[f["media_type"]] = types.get(f["media_type"], 0) + 1
        common = sorted(types, key=lambda t: -types[t])[:3]
        rows.append((folder, len(files), sum(f["size"] for f in files), ", ".join(common)))
    return rows


def inventory_table(inventory: list[dict[str, Any]], inventory_rows: int | None) -> str:
    """Every file with its SHA-256; past ``inventory_rows`` files, a table per folder instead."""
    if inventory_rows is not None and len(inventory) > inventory_rows:
        rows = "".join(
            f"<tr><td><code>{escape(folder)}</code></td><td class='num'>{count:,}</td>"
            f"<td class='num'>{size:,}</td><td>{escape(types)}</td></tr>"
            for folder, count, size, types in folder_rows(inventory)
        )
        return (
            "<p class='meta'>Per folder; each file with its size, type and SHA-256 is in the HTML and JSON "
            "reports.</p><table class='data' width='100%'><thead><tr><th>Folder</th><th>Files</th><th>Bytes</th>"
            f"<th>Types</th></tr></thead>{rows}</table>"
        )
    files = "".join(
        f"<tr><td><code>{escape(f['path'])}</code></td><td class='num'>{f['size']:,}</td>"
        f"<td>{escape(f['media_type'])}</td><td class='small'>{escape(f['sha256'])}</td></tr>"
        for f in inventory
    )
    return (
        "<table class='data' width='100%'><thead><tr><th>Path</th><th>Bytes</th><th>Type</th><th>SHA-256</th>"
        f"</tr></thead>{files}</table>"
    )


def appendices(report: dict[str, Any], inventory_rows: int | None = None) -> str:
    """The inventory (every file, or per folder past ``inventory_rows`` files) and the profile."""
    profile = report["profile"]
    return (
        f"<section id='appendix-inventory'><h2>Appendix — Package inventory ({counted(len(report['inventory']), 'file')})</h2>"
        f"{inventory_table(report['inventory'], inventory_rows)}</section>"
        f"<section id='appendix-profile'><h2>Appendix — Policy profile</h2>"
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
