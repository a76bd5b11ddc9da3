"""What HTML and CSS pages in a package load or link to, with the line where they say so.

Regular expressions rather than a full HTML parser: they are an order of magnitude faster on
packages with thousands of pages, and every reference an LMS or browser would follow from static
markup is an attribute value or a CSS ``url()``/``@import``.
"""

from __future__ import annotations

import bisect
import posixpath
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

_ATTR = re.compile(
    r"""<(?P<tag>[a-zA-Z][\w-]*)\b[^>]*?\s(?P<name>src|href|poster|data|background|srcset)\s*=\s*"""
    r"""(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s>"']+))""",
    re.IGNORECASE | re.DOTALL,
)
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)""", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"""@import\s+(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_JS_ABSOLUTE = re.compile(r"""["'`]((?:https?:)?//[A-Za-z0-9.-]+(?::\d+)?[^"'`\s]*)["'`]""")
_BASE = re.compile(r"""<base\b[^>]*\shref\s*=\s*["']([^"']*)["']""", re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
IGNORED_SCHEMES = ("data:", "javascript:", "mailto:", "tel:", "about:", "blob:", "#")
# Tags whose href is a link the learner may follow, not a resource the page loads.
NAVIGATION_TAGS = {"a", "area", "base", "form"}
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
TEXT_SUFFIXES = HTML_SUFFIXES + (".css", ".js", ".mjs", ".json", ".xml", ".svg", ".txt", ".vtt")


@dataclass(frozen=True)
class Reference:
    source: str   # the package file that contains the reference
    line: int
    kind: str     # resource, link, css, js-absolute
    target: str   # as written
    resolved: str | None  # package path it points to, for relative references
    scheme: str   # '', 'http', 'https', 'file', 'drive', 'protocol-relative'
    host: str = ""

    def to_dict(self) -> dict:
        # Explicit rather than dataclasses.asdict, whose deep copy dominated large scans.
        return {"source": self.source, "line": self.line, "kind": self.kind, "target": self.target,
                "resolved": self.resolved, "scheme": self.scheme, "host": self.host}


class _Lines:
    def __init__(self, text: str):
        self.starts = [m.end() for m in re.finditer("\n", text)]

    def at(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset) + 1


def classify(target: str) -> tuple[str, str]:
    """(scheme, host) of a reference: '' for a path inside the package."""
    if ":" not in target and not target.startswith(("//", "\\\\")):
        return "", ""  # the common case: a plain relative path
    if re.match(r"^[A-Za-z]:[\\/]", target) or target.startswith("\\\\"):
        return "drive", ""
    lowered = target.lower()
    if lowered.startswith("file:"):
        return "file", ""
    if target.startswith("//"):
        return "protocol-relative", urlsplit("http:" + target).hostname or ""
    parts = urlsplit(target)
    if parts.scheme in ("http", "https"):
        return parts.scheme, parts.hostname or ""
    if parts.scheme and len(parts.scheme) > 1:
        return parts.scheme, ""
    return "", ""


def resolve(source: str, target: str, base: str | None = None) -> str:
    """The package path a relative reference points to (query and fragment removed)."""
    path = target.replace("\\", "/")
    if "?" in path or "#" in path:
        path = urlsplit(path).path
    if "%" in path:
        path = unquote(path)
    if path.startswith("/"):
        return posixpath.normpath(path.lstrip("/"))
    folder = posixpath.dirname(source)
    if base:
        folder = posixpath.normpath(posixpath.join(folder, base if base.endswith("/") else posixpath.dirname(base)))
    joined = posixpath.normpath(posixpath.join(folder, path)) if path else source
    return "" if joined == "." else joined


def _make(source: str, line: int, kind: str, target: str, base: str | None) -> Reference | None:
    target = target.strip()
    if not target or target.lower().startswith(IGNORED_SCHEMES) or target.startswith("{{") or "${" in target:
        return None
    scheme, host = classify(target)
    resolved = resolve(source, target, base) if scheme == "" else None
    return Reference(source, line, kind, target, resolved, scheme, host)


def html_references(source: str, text: str) -> list[Reference]:
    # Blank out comments and script bodies (keeping newlines, so lines stay right): markup in
    # comments is dead, and markup inside script strings is built at run time, not static.
    if "<!--" in text:
        text = _COMMENT.sub(_blank, text)
    scripts = [(m.start(1), m.group(1)) for m in _SCRIPT.finditer(text) if m.group(1).strip()]
    if scripts:
        text = _SCRIPT.sub(lambda m: m.group(0).replace(m.group(1), _blank_text(m.group(1))), text)
    lines = _Lines(text)
    base_match = _BASE.search(text)
    base = base_match.group(1) if base_match and classify(base_match.group(1))[0] == "" else None
    found: list[Reference] = []
    for match in _ATTR.finditer(text):
        tag = match.group("tag").lower()
        name = match.group("name").lower()
        if tag == "base":
            continue
        value = match.group("dq") if match.group("dq") is not None else match.group("sq") or match.group("bare") or ""
        line = lines.at(match.start("name"))
        kind = "link" if tag in NAVIGATION_TAGS and name == "href" else "resource"
        candidates = [c.strip().split(" ")[0] for c in value.split(",")] if name == "srcset" else [value]
        for candidate in candidates:
            ref = _make(source, line, kind, candidate, base)
            if ref:
                found.append(ref)
    found.extend(css_references(source, text, base, lines))
    for start, body in scripts:
        found.extend(js_absolute_references(source, body, lines, start))
    return found


def _blank_text(text: str) -> str:
    return re.sub(r"[^\n]", " ", text)


def _blank(match: re.Match) -> str:
    return _blank_text(match.group(0))


def css_references(source: str, text: str, base: str | None = None, lines: _Lines | None = None) -> list[Reference]:
    lines = lines or _Lines(text)
    found = []
    lowered = text.lower()
    # Case-insensitive patterns cannot use a literal prefilter; a plain 'in' check is far cheaper.
    patterns = [p for p, literal in ((_CSS_URL, "url("), (_CSS_IMPORT, "@import")) if literal in lowered]
    for pattern in patterns:
        for match in pattern.finditer(text):
            value = next((g for g in match.groups() if g is not None), "")
            ref = _make(source, lines.at(match.start()), "css", value, base)
            if ref:
                found.append(ref)
    return found


def js_absolute_references(source: str, text: str, lines: _Lines | None = None, offset: int = 0) -> list[Reference]:
    """Absolute URLs in scripts: the hosts a course contacts at run time."""
    lines = lines or _Lines(text)
    found = []
    for match in _JS_ABSOLUTE.finditer(text):
        ref = _make(source, lines.at(offset + match.start()), "js-absolute", match.group(1), None)
        if ref and ref.host and "." in ref.host:
            found.append(ref)
    return found


def references_in(path: str, text: str) -> list[Reference]:
    lowered = path.lower()
    if lowered.endswith(HTML_SUFFIXES):
        return html_references(path, text)
    if lowered.endswith(".css"):
        return css_references(path, text)
    if lowered.endswith((".js", ".mjs")):
        return js_absolute_references(path, text)
    return []


def decode_text(data: bytes) -> str:
    """Text of a package file for scanning; undecodable bytes never stop the scan."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")
