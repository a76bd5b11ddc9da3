"""Pure conformance rules of files: their names, files nothing uses, files too large to scan."""

from __future__ import annotations

import posixpath
import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

from certifier.package.authoring_tools import in_stock_player
from certifier.policy.findings import Finding, Severity, Status, quantity
from certifier.policy.rules import Rule

from .common import MIB, Problem, _why_junk, escaped, is_os_junk, outcome

PATH_CHARACTERS = Rule(
    "conformance.path-characters",
    "File names use safe characters",
    "File names with unsafe characters",
    Severity.MINOR,
    remediation="Rename the files as suggested and update the references to them.",
    it_risk="Support: such names are encoded differently by browsers, servers and CDNs and break links.",
)
OS_JUNK_FILES = Rule(
    "conformance.os-junk",
    "No operating-system clutter",
    "Operating-system clutter in the package",
    Severity.MINOR,
    remediation="Remove them: zip the course with a tool that leaves out __MACOSX/, .DS_Store and Icon\\r (and drop "
    "them from the manifest's <file> list).",
    it_risk="Storage: dead weight on the LMS and CDN; some LMSs refuse the import.",
)
SERVER_SIDE_FILES = Rule(
    "conformance.server-side-files",
    "No server-side or executable files",
    "Server-side or executable files in the package",
    Severity.MAJOR,
    remediation="Remove server-side scripts and executables; a course package must be static content.",
    it_risk="Security: LMSs refuse these files, and a server that ran them would execute the author's code.",
)
NAME_COLLISIONS = Rule(
    "conformance.name-collisions",
    "No two files whose names differ only by case or Unicode form",
    "Files whose names differ only by case or Unicode form",
    Severity.MINOR,
    remediation="Give each file a name of its own (and update the references); keep one copy where they are the same.",
    it_risk="Support: Windows and macOS servers store these as one file, so one overwrites the other when the "
    "course is unpacked and learners get whichever came last. Major when a page loads one of them.",
)
PATH_LENGTH = Rule(
    "conformance.path-length",
    "Longest path within the profile's limit",
    "Paths longer than the profile's limit",
    Severity.MINOR,
    remediation="Shorten folder and file names; Windows tools fail beyond 260 characters in all.",
    it_risk="Support: extraction on Windows servers fails or silently skips these files.",
)


# Names Windows refuses to create, whatever their extension (CON.html is the console device).
WINDOWS_DEVICE_NAMES = frozenset(
    ["con", "prn", "aux", "nul"] + [f"{d}{n}" for d in ("com", "lpt") for n in range(1, 10)]
)
WINDOWS_FORBIDDEN = re.compile(r'[<>:"|?*]')


def windows_name_problem(path: str) -> str | None:
    """Why Windows (and so a Windows LMS server or learner's download) cannot create this path, if it cannot."""
    for part in path.split("/"):
        if part.split(".", 1)[0].rstrip(" ").lower() in WINDOWS_DEVICE_NAMES:
            return f"'{part}', a device name Windows reserves"
        forbidden = WINDOWS_FORBIDDEN.search(part)
        if forbidden:
            return f"'{forbidden.group()}', which Windows forbids in names"
        if part.endswith((".", " ")):
            return "a name ending in a dot or space, which Windows drops"
    return None


def name_collisions(evidence: Mapping[str, Any]) -> Finding:
    """Paths that one Windows or macOS file system stores as one file: same letters ignoring case, or
    the same text in composed and decomposed Unicode (NFC/NFD)."""
    groups: dict[str, list[str]] = {}
    for path in evidence["files"]:
        groups.setdefault(unicodedata.normalize("NFC", path).casefold(), []).append(path)
    reachable = set(evidence.get("reachable") or [])
    everything = not evidence.get("outputs", {}).get("launch_map")
    problems, loaded = [], False
    for paths in sorted(sorted(g) for g in groups.values() if len(g) > 1):
        used = everything or any(p in reachable for p in paths)
        loaded = loaded or used
        problems.append(
            Problem(
                " and ".join(f"'{escaped(p)}'" for p in paths)
                + " are one file on Windows and macOS"
                + (" (a page loads it)" if used else ""),
                escaped(paths[0]),
            )
        )
    return outcome(
        NAME_COLLISIONS,
        problems,
        "No two file names differ only by case or Unicode form.",
        severity=Severity.MAJOR if loaded else None,
    )


def _suggested_name(path: str) -> str:
    parts = []
    for part in re.sub(r"[^A-Za-z0-9._/-]+", "-", path.replace("\\", "/")).split("/"):
        part = part.rstrip(". ") or "-"
        stem, dot, rest = part.partition(".")
        parts.append(f"{stem}-file{dot}{rest}" if stem.lower() in WINDOWS_DEVICE_NAMES else part)
    return "/".join(parts)


# .htaccess directives that only restrict or describe serving (switch handlers or scripts off, deny
# access, set types, headers or caching): such a file asks the server to run nothing.
_RESTRICTIVE_DIRECTIVE = re.compile(
    r"""^\s*(?:$|\#|</?(?:Files|FilesMatch|IfModule)\b|Options\s+(?:-\w+\s*)+$|"""
    r"""(?:RemoveHandler|RemoveType|AddType|AddCharset|AddDefaultCharset|AddEncoding|DefaultType|ForceType|"""
    r"""Header|ExpiresActive|ExpiresByType|ExpiresDefault|DirectoryIndex|Order|Deny|Allow|Satisfy|"""
    r"""FileETag)\b|Require\s+all\s+denied\s*$|SetHandler\s+(?:None|default-handler)\s*$|"""
    r"""php_(?:flag|value)\s+engine\s+(?:off|0)\s*$)""",
    re.IGNORECASE,
)


def active_server_directive(text: str | None) -> str | None:
    """The first directive of a .htaccess that asks the server to do something (run a handler,
    rewrite, proxy…), or None when every line only restricts or describes serving. A file that
    could not be read counts as active: it cannot be shown harmless."""
    if text is None:
        return "(unread)"
    for line in text.splitlines():
        if not _RESTRICTIVE_DIRECTIVE.match(line):
            return line.strip()[:80]
    return None


def file_name_rules(evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> list[Finding]:
    paths = list(evidence["files"])
    awkward = []
    for path in paths:
        windows = windows_name_problem(path)
        reasons = [
            label
            for label, bad in (
                ("a space", " " in path),
                ("'%'", "%" in path),
                ("a backslash", "\\" in path),
                ("non-ASCII letters", not path.isascii()),
                (windows or "", windows is not None),
            )
            if bad
        ]
        if reasons:
            suggestion = _suggested_name(path)
            awkward.append(Problem(f"'{path}' contains {', '.join(reasons)} (rename to '{suggestion}')", path))
    junk = [
        Problem(f"'{escaped(p)}' is operating-system clutter{_why_junk(p)}", escaped(p)) for p in paths if is_os_junk(p)
    ]
    blocked_ext = tuple(e.lower() for e in limits["blocked_file_extensions"])
    configs = evidence.get("server_configs") or {}
    server_side = [
        Problem(f"'{p}' is a server-side or executable file", p) for p in paths if p.lower().endswith(blocked_ext)
    ]
    for p in paths:
        if posixpath.basename(p).lower() == ".htaccess":
            active = active_server_directive(configs.get(p))
            if active is not None:
                server_side.append(Problem(f"'{p}' asks the web server for '{active}'", p))
    longest = max(paths, key=len, default="")
    max_len = limits["max_path_length_chars"]
    return [
        outcome(PATH_CHARACTERS, awkward, "All file names use letters, digits, '-', '_' and '.'."),
        name_collisions(evidence),
        outcome(
            OS_JUNK_FILES,
            junk,
            "No __MACOSX, .DS_Store, Thumbs.db, desktop.ini or Icon\\r files, and no control characters in names.",
        ),
        outcome(SERVER_SIDE_FILES, server_side, "No .php, .asp(x), .jsp, .htaccess or executable files."),
        outcome(
            PATH_LENGTH,
            [Problem(f"'{longest}' is {len(longest)} characters long", longest)] if len(longest) > max_len else [],
            f"The longest path has {len(longest)} characters.",
            measured=len(longest),
            limit=max_len,
            unit="characters",
        ),
    ]


UNREFERENCED_FILES = Rule(
    "conformance.unreferenced-files",
    "Files no page or manifest refers to",
    "Files no page or manifest refers to",
    Severity.INFO,
    remediation="Remove files the course does not use (files loaded only by scripts show up here too: check before "
    "deleting).",
    it_risk="Bandwidth and storage: dead weight stored on the LMS and possibly downloaded by learners.",
)


def loaded_by_the_tool(evidence: Mapping[str, Any]) -> Callable[[str], bool]:
    """Whether the authoring tool's player loads a file by its own logic: its stock player folders,
    and the files beside the data it starts from (Storyline's html5/data/js/*.js, Adapt's
    course/en/*.js): no markup names them and removing one breaks the course, so they are never
    'unused'. The data folder's sub-folders (a course's assets) are judged as any other file."""
    tool = evidence.get("authoring_tool") or {}
    player = tool.get("player") or []
    data_folders = {posixpath.dirname(root) for root in evidence.get("tool_roots") or [] if "/" in root}

    def loaded(path: str) -> bool:
        return in_stock_player(path, player) or posixpath.dirname(path) in data_folders

    return loaded


def unreferenced_files(evidence: Mapping[str, Any]) -> Finding:
    referenced = set(evidence.get("referenced", []))
    sizes = evidence["files"]
    by_tool = loaded_by_the_tool(evidence)
    unused = [p for p in sizes if p not in referenced and not is_os_junk(p) and not by_tool(p)]
    total = sum(sizes[p] for p in unused)
    problems = [
        Problem(f"'{escaped(p)}' ({quantity(sizes[p] / 1024, 'KB')})", escaped(p))
        for p in sorted(unused, key=lambda p: -sizes[p])
    ]
    return outcome(
        UNREFERENCED_FILES,
        problems,
        "Every file is referenced by the manifest or a page.",
        fail_status=Status.WARN,
        measured=round(total / MIB, 3),
        unit="MB",
        details={"count": len(unused), "bytes": total},
    )


UNSCANNED = Rule(
    "conformance.unscanned",
    "Text files too large to scan",
    "Text files too large to scan",
    Severity.INFO,
    remediation="Split or minify very large pages and scripts.",
    it_risk="References in these files were not checked.",
)


def unscanned_files(evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> list[Finding]:
    skipped = evidence.get("unscanned", [])
    if not skipped:
        return []
    return [
        outcome(
            UNSCANNED,
            [
                Problem(f"'{p}' is over the profile's max_scanned_file_mb of {limits['max_scanned_file_mb']} MB", p)
                for p in skipped
            ],
            "",
            fail_status=Status.WARN,
        )
    ]
