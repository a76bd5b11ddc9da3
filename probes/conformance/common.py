"""What the conformance rules share: a problem with its place, the file index, path helpers."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from certifier.package.references import CSS_IMAGE, FONT, IMAGE, MEDIA
from certifier.policy.findings import Evidence, Finding
from certifier.policy.rules import Rule

MIB = 1024 * 1024
CMI5_LAUNCH_METHODS = {"AnyWindow", "OwnWindow"}
CMI5_MOVE_ON = {"NotApplicable", "Passed", "Completed", "CompletedAndPassed", "CompletedOrPassed"}
SCORM_TYPES = {"sco", "asset"}
SCORM_12_NAMESPACES = ("imscp_rootv1p1p2", "adlcp_rootv1p2")
SCORM_2004_NAMESPACES = ("imscp_v1p1", "adlcp_v1p3")
SCORM_2004_VERSIONS = {"cam 1.3", "2004 2nd edition", "2004 3rd edition", "2004 4th edition"}
# Files an operating system leaves in a folder it zips: a __MACOSX/ folder, resource forks (._name)
# and these names, in any case.
OS_JUNK_NAMES = {".ds_store", "thumbs.db", "desktop.ini", "icon\r"}
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
CMI5_ROOT_SPEC = "cmi5 test suite 14.1.0.0-2 (cmi5.xml at the root of the zip)"


@dataclass(frozen=True)
class Problem:
    message: str
    path: str | None = None
    line: int | None = None
    url: str | None = None
    column: int | None = None

    @property
    def evidence(self) -> Evidence:
        return Evidence(self.path, self.line, self.url, self.column)


def outcome(rule: Rule, problems: list[Problem], ok: str, **kwargs: Any) -> Finding:
    """One finding for a rule: fail (listing every problem, with their count) or pass."""
    return rule.outcome([(p.message, p.evidence) for p in problems], ok, count_prefix=True, **kwargs)


class FileIndex:
    """Exact and case-insensitive lookup of package paths."""

    def __init__(self, sizes: Mapping[str, int]):
        self.sizes = dict(sizes)
        self.folded: dict[str, list[str]] = {}
        for path in self.sizes:
            self.folded.setdefault(path.casefold(), []).append(path)

    def exists(self, path: str) -> bool:
        return path in self.sizes

    def case_variant(self, path: str) -> str | None:
        variants = [p for p in self.folded.get(path.casefold(), []) if p != path]
        return variants[0] if variants else None


PASSIVE_KINDS = (IMAGE, MEDIA, CSS_IMAGE, FONT)


def is_os_junk(path: str) -> bool:
    """Compared by name rather than searched with a pattern: several rules ask this of every file."""
    folded = "/" + path.lower()
    name = folded.rsplit("/", 1)[1]
    return bool(
        "/__macosx/" in folded
        or name in OS_JUNK_NAMES
        or (name.startswith("._") and len(name) > 2)
        or CONTROL_CHARACTERS.search(path)
    )


def escaped(path: str) -> str:
    """A file name as a person can read it: control characters shown as \\r, \\x1b…"""
    return CONTROL_CHARACTERS.sub(lambda m: repr(m.group(0))[1:-1], path)


def _visible_name(path: str) -> str:
    return CONTROL_CHARACTERS.sub("", path).strip()


def _why_junk(path: str) -> str:
    return " (its name contains a control character)" if CONTROL_CHARACTERS.search(path) else ""


def strip_query(href: str) -> str:
    return href.split("#", 1)[0].split("?", 1)[0]


def missing_or_case(
    files: FileIndex, path: str, where: Problem, what: str, missing: list[Problem], case: list[Problem]
) -> None:
    """Sort a reference into missing / case-only mismatch / fine. Manifest hrefs are URLs, so a
    percent-encoded name ('a%20b.pdf') names the file 'a b.pdf'."""
    if files.exists(path) or ("%" in path and files.exists(unquote(path))):
        return
    variant = files.case_variant(path)
    if variant:
        case.append(Problem(f"{what} '{path}' exists only as '{variant}'", where.path, where.line))
    elif path.startswith("../") or path == "..":
        missing.append(Problem(f"{what} '{path}' points outside the package", where.path, where.line))
    else:
        missing.append(Problem(f"{what} '{path}' is not in the package", where.path, where.line))
