"""What HTML, CSS and script files in a package load or link to, with line and column.

Regular expressions rather than a full HTML parser: they are an order of magnitude faster on
packages with thousands of pages, and every reference an LMS or browser follows from static
markup is an attribute value or a CSS ``url()``/``@import``. Each reference says what *kind* of
thing it loads (a script, a stylesheet, media, an image in a CSS rule…), because the harm of a
missing file depends on it. Scripts add *candidates*: string literals naming a file, which is
how players load their data (Storyline's ``data.js``, a runtime order's page); a candidate only
counts when the file exists, since a script may build or never use the string.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from certifier.package.markup import blank_comments_and_scripts, blank_match
from certifier.package.reference_targets import classify, is_identifier, resolve

# A quoted value stops at '>' too: an unclosed quote must not send every '<' scanning to the end
# of a large page (quadratic); a value holding '>' is rare and costs only that tag.
_TAG = re.compile(r"""<(?P<tag>[a-zA-Z][\w-]*)\b(?P<attrs>(?:[^>"']|"[^">]*"|'[^'>]*')*)>""", re.DOTALL)
_ATTR = re.compile(
    r"""\s(?P<name>src|href|poster|data|background|srcset)\s*=\s*"""
    r"""(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s>"']+))""",
    re.IGNORECASE,
)
_REL = re.compile(r"""\brel\s*=\s*["']?([^"'>]+)""", re.IGNORECASE)
_AS = re.compile(r"""\bas\s*=\s*["']?([\w-]+)""", re.IGNORECASE)
# <link> relations a browser loads (icons, preloads, the web app manifest); every other relation
# (license, author, alternate, canonical, help, next…) names a page a reader may follow: a link.
ICON_RELS = ("icon", "apple-touch-icon", "apple-touch-icon-precomposed", "mask-icon")
LOADING_LINK_RELS = frozenset((*ICON_RELS, "preload", "prefetch", "modulepreload", "manifest", "prerender"))
_BRACE = re.compile(r"[{}]")
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)""", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"""@import\s+(?:url\(\s*)?(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_JS_ABSOLUTE = re.compile(r"""["'`]((?:https?:)?//[A-Za-z0-9.-]+(?::\d+)?[^"'`\s]*)["'`]""")
# A string literal naming a file by a known extension: how players name the data they load.
LOADABLE_EXTENSIONS = (
    "js",
    "json",
    "html",
    "htm",
    "css",
    "xml",
    "mp4",
    "m4v",
    "webm",
    "mp3",
    "m4a",
    "wav",
    "ogg",
    "png",
    "jpg",
    "jpeg",
    "gif",
    "svg",
    "webp",
    "vtt",
    "woff",
    "woff2",
    "ttf",
    "pdf",
    "swf",
)
_JS_FILE_LITERAL = re.compile(
    r"""["']((?:\.{0,2}/)?[\w][\w.\-/]*\.(?:""" + "|".join(LOADABLE_EXTENSIONS) + r"""))(?:[?#][^"'\s]*)?["']""",
    re.IGNORECASE,
)
_BASE = re.compile(r"""<base\b[^>]*\shref\s*=\s*["']([^"']*)["']""", re.IGNORECASE)
IGNORED_SCHEMES = ("data:", "javascript:", "mailto:", "tel:", "about:", "blob:", "#")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
TEXT_SUFFIXES = (*HTML_SUFFIXES, ".css", ".js", ".mjs", ".json", ".xml", ".svg", ".txt", ".vtt")

# What each kind loads, for grading a missing file (see conformance_rules.missing_reference_rules).
PAGE, SCRIPT, STYLESHEET, MEDIA, IMAGE, OBJECT, LINK = (
    "page",
    "script",
    "stylesheet",
    "media",
    "image",
    "object",
    "link",
)
CSS_IMPORT, CSS_IMAGE, FONT, DATA, JS_ABSOLUTE, SCRIPT_CANDIDATE = (
    "css-import",
    "css-image",
    "font",
    "data",
    "js-absolute",
    "script-candidate",
)
MEDIA_TAGS = {"video", "audio", "source", "track"}
FRAME_TAGS = {"iframe", "frame"}
NAVIGATION_TAGS = {"a", "area", "form"}
IMAGE_PROPERTIES = (
    "background",
    "background-image",
    "list-style",
    "list-style-image",
    "border-image",
    "border-image-source",
    "cursor",
    "content",
    "mask",
    "mask-image",
)


@dataclass(frozen=True)
class Reference:
    source: str  # the package file that contains the reference
    line: int
    kind: str  # one of the kinds above
    target: str  # as written
    resolved: str | None  # package path it points to, for relative references
    scheme: str  # '', 'http', 'https', 'file', 'drive', 'protocol-relative'
    host: str = ""
    column: int = 1
    rooted: bool = False  # written with a leading '/': the LMS server's root, never the package
    overridden: bool = False  # CSS: a later rule with the same selector sets the same property again
    selector: str = ""  # CSS: the rule's selector

    def to_dict(self) -> dict[str, Any]:
        # Explicit rather than dataclasses.asdict, whose deep copy dominated large scans.
        data = {
            "source": self.source,
            "line": self.line,
            "column": self.column,
            "kind": self.kind,
            "target": self.target,
            "resolved": self.resolved,
            "scheme": self.scheme,
            "host": self.host,
        }
        if self.rooted:
            data["rooted"] = True
        if self.overridden:
            data["overridden"] = True
        if self.selector:
            data["selector"] = self.selector
        return data


class _Lines:
    def __init__(self, text: str):
        self.starts = [m.end() for m in re.finditer("\n", text)]

    def at(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset) + 1

    def column(self, offset: int) -> int:
        index = bisect.bisect_right(self.starts, offset)
        return offset - (self.starts[index - 1] if index else 0) + 1


def _make(
    source: str, line: int, kind: str, target: str, base: str | None, column: int = 1, **extra: Any
) -> Reference | None:
    target = target.strip()
    if not target or target.lower().startswith(IGNORED_SCHEMES) or target.startswith("{{") or "${" in target:
        return None
    scheme, host = classify(target)
    resolved = resolve(source, target, base) if scheme == "" else None
    rooted = scheme == "" and target.replace("\\", "/").startswith("/")
    return Reference(source, line, kind, target, resolved, scheme, host, column, rooted, **extra)


def _html_kind(tag: str, name: str, attrs: str) -> str:
    if name == "href":
        if tag in NAVIGATION_TAGS:
            return LINK
        if tag == "link":
            return _link_kind(attrs)
        return LINK
    if tag == "script":
        return SCRIPT
    if tag in FRAME_TAGS:
        return PAGE
    if tag in ("object", "embed", "applet"):
        return OBJECT
    if tag in MEDIA_TAGS and name in ("src", "data"):
        return MEDIA
    return IMAGE  # img, input, poster, background, srcset


def _link_kind(attrs: str) -> str:
    """What a <link href> loads: a stylesheet, a preloaded script or style, an icon; or nothing (a link)."""
    rel = _REL.search(attrs)
    relations = set(rel.group(1).lower().split()) if rel else set()
    if "stylesheet" in relations:
        return STYLESHEET
    if not relations & LOADING_LINK_RELS:
        return LINK
    preloaded = _AS.search(attrs)
    loads = preloaded.group(1).lower() if preloaded else ""
    if "modulepreload" in relations or loads == "script":
        return SCRIPT
    return STYLESHEET if loads == "style" else IMAGE


def html_references(source: str, text: str) -> list[Reference]:
    # Blank out comments and script bodies (keeping offsets, so lines and columns stay right):
    # markup in comments is dead, and markup inside script strings is built at run time.
    text, scripts = blank_comments_and_scripts(text)
    lines = _Lines(text)
    base_match = _BASE.search(text)
    base = base_match.group(1) if base_match and classify(base_match.group(1))[0] == "" else None
    found: list[Reference] = []
    for tag_match in _TAG.finditer(text):
        tag = tag_match.group("tag").lower()
        attrs = tag_match.group("attrs")
        if tag == "base" or "=" not in attrs:
            continue
        for match in _ATTR.finditer(attrs):
            name = match.group("name").lower()
            group = "dq" if match.group("dq") is not None else "sq" if match.group("sq") is not None else "bare"
            value, start = match.group(group), tag_match.start("attrs") + match.start(group)
            kind = _html_kind(tag, name, attrs)
            candidates = [c.strip().split(" ")[0] for c in value.split(",")] if name == "srcset" else [value]
            for candidate in candidates:
                ref = _make(source, lines.at(start), kind, candidate, base, lines.column(start))
                if ref:
                    found.append(ref)
    found.extend(_inline_style_references(source, text, base, lines))
    for start, body in scripts:
        found.extend(script_references(source, body, lines, start))
    return found


_STYLE_BLOCK = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.IGNORECASE | re.DOTALL)


def _inline_style_references(source: str, text: str, base: str | None, lines: _Lines) -> list[Reference]:
    found = []
    blocks = [(m.start(1), m.group(1)) for m in _STYLE_BLOCK.finditer(text)] if "<style" in text.lower() else []
    for start, body in blocks:
        found.extend(css_references(source, body, base, lines, start))
    # style="…url(…)" attributes: an image on an element the page shows.
    if "url(" in text.lower():
        inside_blocks = [(s, s + len(b)) for s, b in blocks]
        for match in _CSS_URL.finditer(text):
            if any(s <= match.start() < e for s, e in inside_blocks):
                continue
            value = next((g for g in match.groups() if g is not None), "")
            ref = _make(source, lines.at(match.start()), IMAGE, value, base, lines.column(match.start()))
            if ref:
                found.append(ref)
    return found


def css_references(
    source: str, text: str, base: str | None = None, lines: _Lines | None = None, offset: int = 0
) -> list[Reference]:
    """``@import``s, fonts and images of a stylesheet, each with its rule's selector; an image
    is ``overridden`` when a later declaration for the same selector sets the same property
    again (in the same rule — the old-browser fallback pattern — or in a later one)."""
    lowered = text.lower()
    if "url(" not in lowered and "@import" not in lowered:
        return []  # a plain 'in' check is far cheaper than the case-insensitive patterns
    lines = lines or _Lines(text if not offset else " " * offset + text)
    if "/*" in text:
        text = _CSS_COMMENT.sub(blank_match, text)
    found: list[Reference] = []
    for match in _CSS_IMPORT.finditer(text):
        value = next((g for g in match.groups() if g is not None), "")
        at_offset = offset + match.start()
        ref = _make(source, lines.at(at_offset), CSS_IMPORT, value, base, lines.column(at_offset))
        if ref:
            found.append(ref)
    rules = []  # (declaration order, selector, property group, url match start, value)
    last_set: dict[tuple[str, str], int] = {}
    order = 0
    for selector_text, body, body_start in _css_rules(text):
        selector = " ".join(selector_text.split())
        selector = selector.rsplit(";", 1)[-1].strip()  # text after an @import or @charset line
        position = 0
        for declaration in body.split(";"):
            name = declaration.split(":", 1)[0].strip().lower()
            group = _property_group(name)
            order += 1
            last_set[(selector, group)] = order
            for url in _CSS_URL.finditer(declaration):
                rules.append(
                    (
                        order,
                        selector,
                        group,
                        body_start + position + url.start(),
                        next((g for g in url.groups() if g is not None), ""),
                    )
                )
            position += len(declaration) + 1
    for index, selector, group, start, value in rules:
        is_font = selector.lower().startswith("@font-face")
        kind = FONT if is_font else CSS_IMAGE
        overridden = not is_font and last_set.get((selector, group), index) > index
        at_offset = offset + start
        ref = _make(
            source,
            lines.at(at_offset),
            kind,
            value,
            base,
            lines.column(at_offset),
            overridden=overridden,
            selector=selector[:200],
        )
        if ref:
            found.append(ref)
    return found


def _css_rules(text: str) -> Iterator[tuple[str, str, int]]:
    """(selector, declarations, offset of the declarations) of each innermost ``{…}`` block, in
    one linear walk over the braces (a regex would go quadratic on an unclosed brace)."""
    previous, opened = -1, None
    for brace in _BRACE.finditer(text):
        position = brace.start()
        if text[position] == "{":
            opened = (previous, position)
        elif opened is not None:
            before, start = opened
            yield text[before + 1 : start], text[start + 1 : position], start + 1
            opened = None
        previous = position


def _property_group(name: str) -> str:
    """Properties that replace each other's image: background and background-image are one."""
    for prefix in ("background", "list-style", "border-image", "mask"):
        if name.startswith(prefix):
            return prefix
    return name


def script_references(source: str, text: str, lines: _Lines | None = None, offset: int = 0) -> list[Reference]:
    """Absolute URLs in scripts (the hosts a course contacts at run time) and candidates: string
    literals naming a file, resolved from the script's folder (a page may resolve them again)."""
    lines = lines or _Lines(text if not offset else " " * offset + text)
    found = []
    for match in _JS_ABSOLUTE.finditer(text):
        at_offset = offset + match.start()
        if is_identifier(match.group(1)):
            continue
        ref = _make(source, lines.at(at_offset), JS_ABSOLUTE, match.group(1), None, lines.column(at_offset))
        if ref and ref.host and "." in ref.host:
            found.append(ref)
    seen: set[str] = set()
    for match in _JS_FILE_LITERAL.finditer(text):
        value = match.group(1)
        if value in seen:
            continue
        seen.add(value)
        at_offset = offset + match.start(1)
        ref = _make(source, lines.at(at_offset), SCRIPT_CANDIDATE, value, None, lines.column(at_offset))
        if ref:
            found.append(ref)
    return found


def js_absolute_references(source: str, text: str, lines: _Lines | None = None, offset: int = 0) -> list[Reference]:
    return [r for r in script_references(source, text, lines, offset) if r.kind == JS_ABSOLUTE]


def references_in(path: str, text: str) -> list[Reference]:
    lowered = path.lower()
    if lowered.endswith(HTML_SUFFIXES):
        return html_references(path, text)
    if lowered.endswith(".css"):
        return css_references(path, text)
    if lowered.endswith((".js", ".mjs")):
        return script_references(path, text)
    return []
