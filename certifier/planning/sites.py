"""Sites from a CSV or TOML file (bundled by name, or a path), each field checked against the range a real site can take, and written back as CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import tomllib
from pathlib import Path
from typing import Any

from certifier.errors import CertifierError
from certifier.planning.capacity import SITE_FIELDS, Site

# The range each field of a site may take: beyond them a figure is a typo, not a site.
SITE_FIELD_RANGES: dict[str, tuple[float, float]] = {
    "learners": (0, 10_000_000),
    "link_mbps": (0, 1_000_000),  # 1 Tbps
    "hours_per_day": (0, 24),
    "learning_minutes": (0.1, 100_000),  # a course of about 200 working days
}


def _plain(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,g}"


def _field(row: dict[str, Any], field: str, where: str, whole: bool = False) -> float:
    low, high = SITE_FIELD_RANGES[field]
    text = str(row[field]).strip()
    expected = f"{'a whole number' if whole else 'a number'} from {_plain(low)} to {_plain(high)}"
    try:
        value = float(text)
    except ValueError:
        raise CertifierError(f"{where}: {field} must be {expected}, found '{text}'.") from None
    if not math.isfinite(value) or not low <= value <= high or (whole and value != int(value)):
        raise CertifierError(f"{where}: {field} must be {expected}, found '{text}'.")
    return value


def _site_from(row: dict[str, Any], where: str) -> Site:
    missing = [f for f in SITE_FIELDS if row.get(f) in (None, "")]
    if missing:
        raise CertifierError(f"{where}: missing {', '.join(missing)}.")
    shown_share = str(row["training_share"]).strip()
    try:
        share = float(shown_share.rstrip("%"))
    except ValueError:
        raise CertifierError(
            f"{where}: training_share must be a percentage from 0 to 100 %, found '{shown_share}'."
        ) from None
    if shown_share.endswith("%") or share > 1:
        share /= 100
    if not (math.isfinite(share) and 0 <= share <= 1):
        raise CertifierError(f"{where}: training_share must be a percentage from 0 to 100 %, found '{shown_share}'.")
    deadline = row["deadline"]
    if not isinstance(deadline, dt.date):
        try:
            deadline = dt.date.fromisoformat(str(deadline).strip())
        except ValueError:
            raise CertifierError(f"{where}: deadline must be a date as YYYY-MM-DD, found '{deadline}'.") from None
    return Site(
        str(row["name"]),
        int(_field(row, "learners", where, whole=True)),
        _field(row, "link_mbps", where),
        share,
        _field(row, "hours_per_day", where),
        _field(row, "learning_minutes", where),
        deadline,
    )


SITES_SUFFIXES = (".csv", ".toml")


def resolve_sites_file(name: str) -> Path:
    """A sites file by path, or a bundled one by name with or without its suffix ('example-60-sites').

    A file the user names that exists always wins over a bundled file of the same name."""
    from certifier.host.resources_path import resource_path

    if Path(name).is_file():
        return Path(name)
    for candidate in [name] + [name + suffix for suffix in SITES_SUFFIXES if not name.endswith(suffix)]:
        bundled = resource_path("sites", candidate)
        if bundled.is_file():
            return bundled
    return Path(name)


def bundled_sites_files() -> list[str]:
    from certifier.host.resources_path import resource_path

    return sorted(p.name for p in resource_path("sites").iterdir() if p.suffix in SITES_SUFFIXES)


def load_sites(path: str | Path) -> list[Site]:
    """Sites from a CSV (a header row naming the fields) or a TOML file ([[site]] tables)."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise CertifierError(f"Cannot read the sites file {source}: {exc}") from exc
    if source.suffix.lower() == ".toml":
        try:
            rows = tomllib.loads(text).get("site", [])
        except tomllib.TOMLDecodeError as exc:
            raise CertifierError(f"{source}: not valid TOML ({exc}).") from exc
        return [_site_from(row, f"{source} site {n + 1}") for n, row in enumerate(rows)]
    reader = csv.DictReader(io.StringIO(text))
    unknown = set(reader.fieldnames or ()) - set(SITE_FIELDS)
    if unknown:
        raise CertifierError(
            f"{source}: unknown columns {', '.join(sorted(unknown))}; expected {', '.join(SITE_FIELDS)}."
        )
    return [_site_from(row, f"{source} line {n + 2}") for n, row in enumerate(reader)]


def sites_csv(sites: list[Site]) -> str:
    """Sites as the CSV ``load_sites`` reads (shares as percentages)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SITE_FIELDS)
    for s in sites:
        writer.writerow(
            [
                s.name,
                s.learners,
                f"{s.link_mbps:g}",
                f"{s.training_share * 100:g}%",
                f"{s.hours_per_day:g}",
                f"{s.learning_minutes:g}",
                s.deadline.isoformat(),
            ]
        )
    return out.getvalue()


def sites_from_rows(rows: list[dict[str, Any]]) -> list[Site]:
    """Sites from edited rows (field → text), each checked as a file's row would be."""
    return [_site_from(row, f"row {index}") for index, row in enumerate(rows, 1)]
