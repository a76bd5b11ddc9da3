"""IT policy profiles: every limit a rule compares against, read from TOML.

A profile may ``extends`` another (a bundled name or a path relative to the file). Keys are
checked against a schema (``registry.load_profile`` gives the installed probes' sections), so a
typo is an error naming the file and the key rather than a limit silently ignored.
"""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from certifier.errors import ProfileError
from certifier.host.resources_path import resource_path

KINDS = {
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "string": "a text string",
    "string-list": "a list of text strings",
    "table": "a table of names to values",
    "network-presets": "a table of named links, each with down_kbps, up_kbps and rtt_ms",
}
# A key a probe no longer reads: its description says where the limit lives now. A profile that
# still sets it is refused with that sentence, rather than the value being silently ignored.
RETIRED = "retired"
NETWORK_KEYS = ("down_kbps", "up_kbps", "rtt_ms")
TOP_LEVEL_KEYS = {"name", "description", "extends"}


@dataclass(frozen=True)
class LimitSpec:
    kind: str
    description: str
    unit: str | None = None
    choices: tuple[str, ...] = ()
    # Only for probes from other packages, whose keys the bundled profiles cannot know.
    default: Any = None


Schema = Mapping[str, Mapping[str, LimitSpec]]

CORE_SCHEMA: dict[str, dict[str, LimitSpec]] = {
    "archive": {
        "max_uncompressed_mb": LimitSpec("number", "Largest total size the package may expand to.", "MB"),
        "max_compression_ratio": LimitSpec("number", "Largest expansion ratio of one entry (zip-bomb guard)."),
        "min_size_for_ratio_check_mb": LimitSpec("number", "Entries smaller than this are not ratio-checked.", "MB"),
        "max_entry_count": LimitSpec("integer", "Most entries an archive may hold before it is refused."),
        "max_total_compression_ratio": LimitSpec(
            "number",
            "Largest expansion ratio of the whole archive (a bomb split into many small entries).",
            None,
            default=100,
        ),
        "min_size_for_total_ratio_check_mb": LimitSpec(
            "number", "Archives expanding to less than this are not checked for their whole ratio.", "MB", default=64
        ),
    },
    "certification": {
        "required_probes": LimitSpec("string-list", "Probes whose absence makes a run at best CONDITIONAL."),
        "probe_timeout_s": LimitSpec("number", "Time one probe may take before it is stopped.", "s"),
    },
    "signoff": {
        "review_sla_days": LimitSpec(
            "integer", "Days IT reviewers have to sign off after a review is requested.", "days"
        )
    },
    "lms": {
        "max_writes_per_s": LimitSpec(
            "number",
            "Writes a second the LMS (or LRS) is sized for at the rollout's peak; "
            "0: no limit, the figure is stated only.",
            "writes/s",
            default=0,
        )
    },
    "network": {
        "presets": LimitSpec("network-presets", "Named links: bandwidth down/up and round-trip time."),
        "target_network": LimitSpec("string", "The preset the page-load budget is judged on."),
    },
}


@dataclass
class Profile:
    name: str
    description: str
    source: str
    values: dict[str, dict[str, Any]] = field(default_factory=dict)

    def section(self, name: str) -> dict[str, Any]:
        return dict(self.values.get(name, {}))

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()

    def canonical_json(self) -> str:
        return json.dumps(self.values, sort_keys=True, separators=(",", ":"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "source": self.source,
            "sha256": self.sha256,
            "values": self.values,
        }


def bundled_profiles() -> dict[str, Path]:
    folder = resource_path("profiles")
    return {p.stem: p for p in sorted(folder.glob("*.toml"))}


def resolve_profile_path(name_or_path: str, relative_to: Path | None = None) -> Path:
    bundled = bundled_profiles()
    if name_or_path in bundled:
        return bundled[name_or_path]
    candidate = Path(name_or_path)
    if relative_to is not None and not candidate.is_absolute():
        candidate = relative_to / candidate
    if candidate.is_file():
        return candidate
    raise ProfileError(
        f"No profile named '{name_or_path}': not a bundled profile ({', '.join(bundled) or 'none'}) and no such file."
    )


@dataclass(frozen=True)
class ProfileSchema:
    """What a profile is checked against: every section's keys, and the probes that are installed
    (a required probe must be one; a section of a probe that failed to load says why)."""

    sections: Mapping[str, Mapping[str, LimitSpec]]
    installed_probes: frozenset[str] = frozenset()
    broken_probes: Mapping[str, str] = field(default_factory=dict)


def read_profile(name_or_path: str, schema: ProfileSchema) -> Profile:
    """Load, merge and validate a profile against ``schema`` (``registry.load_profile`` passes the
    schema of the installed probes)."""
    path = resolve_profile_path(name_or_path)
    raw = _load_chain(path, schema, seen=())
    own = tomllib.loads(path.read_text(encoding="utf-8"))  # name/description are not inherited
    values = {k: v for k, v in raw.items() if k not in TOP_LEVEL_KEYS}
    _check_complete(values, schema.sections, path)
    _check_required_probes(values, schema.installed_probes, path)
    network = values.get("network", {})
    if network.get("target_network") not in network.get("presets", {}):
        raise ProfileError(
            f"{path}: network.target_network '{network.get('target_network')}' is not one of the "
            f"presets ({', '.join(network.get('presets', {}))})."
        )
    return Profile(
        name=own.get("name", path.stem), description=own.get("description", ""), source=str(path), values=values
    )


def _load_chain(path: Path, schema: ProfileSchema, seen: tuple[Path, ...]) -> dict[str, Any]:
    resolved = path.resolve()
    if resolved in seen:
        chain = " → ".join(p.name for p in (*seen, resolved))
        raise ProfileError(f"{path}: 'extends' forms a loop ({chain}).")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: not valid TOML ({exc}).") from exc
    except RecursionError as exc:  # arrays or tables nested thousands deep
        raise ProfileError(f"{path}: nested too deeply to be a policy profile.") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: cannot be read ({exc}).") from exc
    _validate(data, schema, path)
    parent_name = data.get("extends")
    if not parent_name:
        return data
    try:
        parent_path = resolve_profile_path(parent_name, path.parent)
    except ProfileError as exc:
        raise ProfileError(f"{path}: extends = {parent_name!r}: {exc}") from exc
    parent = _load_chain(parent_path, schema, (*seen, resolved))
    return _merge(parent, data)


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = {k: (dict(v) if isinstance(v, dict) else v) for k, v in base.items()}
    for key, value in override.items():
        if key == "extends":
            continue
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            section = dict(merged[key])
            for name, item in value.items():
                # Tables of tables (network presets) merge by entry, so a child adds one preset.
                if isinstance(item, dict) and isinstance(section.get(name), dict):
                    section[name] = {**section[name], **item}
                else:
                    section[name] = item
            merged[key] = section
        else:
            merged[key] = value
    merged.pop("extends", None)
    return merged


def _validate(data: dict[str, Any], schema: ProfileSchema, path: Path) -> None:
    for key, value in data.items():
        if key in TOP_LEVEL_KEYS:
            if not isinstance(value, str):
                raise ProfileError(f"{path}: '{key}' must be a text string, found {_kind_of(value)}.")
            continue
        if key not in schema.sections:
            if key in schema.broken_probes:
                raise ProfileError(
                    f"{path}: section '[{key}]' belongs to the probe '{key}', which "
                    f"{schema.broken_probes[key]}. Reinstall Course Certifier."
                )
            raise ProfileError(
                f"{path}: unknown section '[{key}]'; known sections: {', '.join(sorted(schema.sections))}."
            )
        if not isinstance(value, dict):
            raise ProfileError(f"{path}: '{key}' must be a section ([{key}]), found {_kind_of(value)}.")
        known = schema.sections[key]
        for limit, limit_value in value.items():
            spec = known.get(limit)
            if spec is None:
                raise ProfileError(
                    f"{path}: unknown key '{key}.{limit}'; known keys in [{key}]: "
                    f"{', '.join(sorted(k for k, s in known.items() if s.kind != RETIRED))}."
                )
            if spec.kind == RETIRED:
                raise ProfileError(f"{path}: '{key}.{limit}' is no longer read: {spec.description}")
            problem = _type_problem(limit_value, spec)
            if problem:
                raise ProfileError(f"{path}: '{key}.{limit}' {problem}.")


def _type_problem(value: Any, spec: LimitSpec) -> str | None:
    expected = KINDS[spec.kind]
    if spec.kind in ("number", "integer"):
        ok = isinstance(value, int if spec.kind == "integer" else (int, float)) and not isinstance(value, bool)
        if not ok:
            return f"must be {expected}, found {_kind_of(value)}"
        if not math.isfinite(value):
            return f"must be a finite number, found {value}"
        if value < 0:
            return f"must not be negative, found {value}"
        return None
    if spec.kind == "boolean" and not isinstance(value, bool):
        return f"must be {expected}, found {_kind_of(value)}"
    if spec.kind == "string":
        if not isinstance(value, str):
            return f"must be {expected}, found {_kind_of(value)}"
        if spec.choices and value not in spec.choices:
            return f"must be one of {', '.join(spec.choices)}, found '{value}'"
    if spec.kind == "string-list" and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        return f"must be {expected}, found {_kind_of(value)}"
    if spec.kind == "network-presets":
        if not isinstance(value, dict):
            return f"must be {expected}, found {_kind_of(value)}"
        for name, link in value.items():
            if not isinstance(link, dict) or set(link) != set(NETWORK_KEYS):
                return f"entry '{name}' must have exactly {', '.join(NETWORK_KEYS)}"
            bad = [
                k
                for k in NETWORK_KEYS
                if isinstance(link[k], bool)
                or not isinstance(link[k], (int, float))
                or not math.isfinite(link[k])
                or link[k] < 0
            ]
            if bad:
                return f"entry '{name}' needs non-negative numbers for {', '.join(bad)}"
        return None
    if spec.kind == "table":
        if not isinstance(value, dict):
            return f"must be {expected}, found {_kind_of(value)}"
        if spec.choices:
            unknown = {k: v for k, v in value.items() if v not in spec.choices}
            if unknown:
                name, got = next(iter(unknown.items()))
                return f"entry '{name}' must be one of {', '.join(spec.choices)}, found '{got}'"
    return None


def _kind_of(value: Any) -> str:
    return {
        bool: "true/false",
        int: "a whole number",
        float: "a number",
        str: "text",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__) + f" ({value!r})"[:60]


def _check_required_probes(values: dict[str, Any], installed: frozenset[str], path: Path) -> None:
    """A required probe that is not installed would keep every verdict CONDITIONAL unexplained."""
    unknown = [p for p in values.get("certification", {}).get("required_probes", []) if p not in installed]
    if unknown:
        raise ProfileError(
            f"{path}: certification.required_probes names {', '.join(repr(p) for p in unknown)}, "
            f"which is not an installed probe (installed: {', '.join(sorted(installed))})."
        )


def _check_complete(values: dict[str, Any], schema: Schema, path: Path) -> None:
    for section, keys in schema.items():
        present = values.setdefault(section, {})
        keys = {k: s for k, s in keys.items() if s.kind != RETIRED}
        for key, spec in keys.items():
            if key not in present and spec.default is not None:
                present[key] = spec.default
        missing = [k for k in keys if k not in present]
        if missing:
            raise ProfileError(
                f"{path}: [{section}] lacks {', '.join(missing)}; set them or extend a profile "
                'that does (e.g. extends = "default").'
            )
