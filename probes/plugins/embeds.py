"""Where a page a learner reaches really *runs* a plug-in, as opposed to mentioning one.

A plug-in is required when a reachable page embeds it with no HTML5 path: an ``<object>`` or
``<embed>`` of a plug-in type (or naming a ``.swf``/``.xap``/… that exists), an ActiveX
``classid``, a Java ``<applet>``, a ``.swf`` as launch file or frame target, a script call that
embeds an existing ``.swf`` (swfobject) when the course has no HTML5 runtime, VBScript. Markup in
comments (``<!--[if IE]>``) and strings inside scripts are not embeds.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Mapping
from typing import Any

from certifier.package.markup import blank_comments_and_scripts
from certifier.package.reference_targets import resolve
from certifier.package.references import _Lines

from .signals import (
    FLASH_CLSID,
    KNOWN_CLSIDS,
    QUICKTIME_CLSID,
    REAL_CLSID,
    SHOCKWAVE_CLSID,
    WMP_CLSIDS,
    literal_alternation,
)

_EMBED_TAG = re.compile(r"<(object|embed|applet)\b((?:[^>\"']|\"[^\">]*\"|'[^'>]*')*)>", re.IGNORECASE)
_FRAME_TAG = re.compile(r"<i?frame\b((?:[^>\"']|\"[^\">]*\"|'[^'>]*')*)>", re.IGNORECASE)
_ATTR = re.compile(
    r"""\b(type|data|src|classid|code|archive|codebase|value|name)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""",
    re.IGNORECASE,
)
_OBJECT_END = re.compile(r"</object\s*>", re.IGNORECASE)
_HTML5_FALLBACK = re.compile(r"<(video|audio|img|canvas|picture|iframe)\b", re.IGNORECASE)
_PARAM_MOVIE = re.compile(
    r"""<param\b[^>]*\bname\s*=\s*["']?(?:movie|src)["']?[^>]*\bvalue\s*=\s*["']([^"']+)["']""", re.IGNORECASE
)
_VBSCRIPT = re.compile(r"""<script\b[^>]*(?:language|type)\s*=\s*["']?(?:text/)?vbscript""", re.IGNORECASE)
_SCRIPT_OPEN = re.compile(r"<script\b", re.IGNORECASE)
_SCRIPT_EMBED = re.compile(
    r"""(?:swfobject\.embedSWF|new\s+SWFObject|AC_FL_RunContent|UFO\.create)\s*\(\s*(?:["']([^"']+)["'])?""",
    re.IGNORECASE,
)
# Any call in a page's own script that is handed a movie by name (Adobe Presenter's
# showFlash("viewer.swf", …), a tool's own loader): the page plays it whatever the loader is called.
_SCRIPT_MOVIE = re.compile(r"""\b[\w$.]+\s*\(\s*["']([^"']+\.swf)(?:\?[^"']*)?["']""", re.IGNORECASE)
# What an HTML5 path looks like from the page: media or canvas markup, or another page it may send
# the browser to instead (a tool's index_html5.html, multiscreen.html…).
# A quoted page name is a path: bounded, on one line, without markup in it (an unbounded run from
# one quote to the next spans a page's whole text and costs a backtrack over it per quote).
_QUOTED_PAGE = re.compile(r"""["'][^"'<>\n]{1,512}?\.html?(?:[?#][^"'<>\n]{0,512})?["']""", re.IGNORECASE)
HTML5_TAGS = ("<video", "<audio", "<canvas")
# Every embed below needs one of these in the page's text (any case): a page with none, as most
# pages are, is not parsed. On the text-heavy bench course (4,200 pages, 126 MB) the parsing took
# 0.75 s; one RE2 pass for the literals takes 0.2 s.
EMBED_TRIGGERS = literal_alternation(["<object", "<embed", "<applet", "<frame", "<iframe", "vbscript", ".swf"])
PAGE_NAME_WINDOW = 520  # characters either side of ".htm" that can hold the quoted name around it


def has_html5_path(text: str) -> bool:
    """Media or canvas markup, or a quoted page name the page may send the learner to. Found from
    the literal parts first: a regex tried at every position of a long page's text costs seconds."""
    lowered = text.lower()
    if any(tag in lowered for tag in HTML5_TAGS):
        return True
    start = 0
    while (at := lowered.find(".htm", start)) >= 0:
        if _QUOTED_PAGE.search(text, max(0, at - PAGE_NAME_WINDOW), at + PAGE_NAME_WINDOW):
            return True
        start = at + 4
    return False


TYPES = {
    "application/x-shockwave-flash": "flash",
    "application/futuresplash": "flash",
    "application/x-director": "shockwave",
    "application/x-java-applet": "java-applet",
    "application/x-java-bean": "java-applet",
    "application/x-silverlight": "silverlight",
    "application/x-silverlight-2": "silverlight",
    "application/x-mplayer2": "windows-media",
    "video/x-ms-wmv": "windows-media",
    "video/x-ms-asf": "windows-media",
    "video/quicktime": "quicktime",
    "audio/x-pn-realaudio-plugin": "realplayer",
    "audio/x-pn-realaudio": "realplayer",
    "application/vnd.unity": "unity-web-player",
}
EXTENSIONS = {
    ".swf": "flash",
    ".dcr": "shockwave",
    ".jar": "java-applet",
    ".class": "java-applet",
    ".xap": "silverlight",
    ".unity3d": "unity-web-player",
    ".wmv": "windows-media",
    ".asx": "windows-media",
    ".rm": "realplayer",
    ".ram": "realplayer",
}
CLSIDS = {
    FLASH_CLSID: "flash",
    SHOCKWAVE_CLSID: "shockwave",
    QUICKTIME_CLSID: "quicktime",
    REAL_CLSID: "realplayer",
    **dict.fromkeys(WMP_CLSIDS, "windows-media"),
}
assert set(CLSIDS) == set(KNOWN_CLSIDS)


def _attrs(text: str) -> dict[str, str]:
    return {m.group(1).lower(): next(g for g in m.groups()[1:] if g is not None) for m in _ATTR.finditer(text)}


def _technology_of(attrs: Mapping[str, str], tag: str) -> str | None:
    mime = attrs.get("type", "").split(";")[0].strip().lower()
    if mime in TYPES:
        return TYPES[mime]
    classid = attrs.get("classid", "").lower()
    if classid.startswith("clsid:"):
        return CLSIDS.get(classid[6:], "activex")
    if tag == "applet" or classid.startswith("java:"):
        return "java-applet"
    for name in ("data", "src", "code", "archive"):
        ext = posixpath.splitext(attrs.get(name, "").split("?")[0].lower())[1]
        if ext in EXTENSIONS:
            return EXTENSIONS[ext]
    return None


def embeds_in_page(path: str, text: str, files: Mapping[str, int], html5_runtime: bool) -> list[dict[str, Any]]:
    """Plug-in embeds in one reachable page, each with ``required`` and the reason."""
    if not EMBED_TRIGGERS.search(text):
        return []
    found: list[dict[str, Any]] = []

    @functools.cache
    def lines() -> _Lines:
        return _Lines(text)

    def add(technology: str, offset: int, target: str | None, required: bool, reason: str) -> None:
        found.append(
            {
                "technology": technology,
                "path": path,
                "line": lines().at(offset),
                "column": lines().column(offset),
                "target": target,
                "required": required,
                "reason": reason,
            }
        )

    # Conditional comments and dead markup go; a script hidden in a comment inside <script> stays.
    markup, scripts = blank_comments_and_scripts(text)
    vbscript = list(_VBSCRIPT.finditer(markup))
    other_scripts = len(_SCRIPT_OPEN.findall(markup)) - len(vbscript)
    for match in vbscript:
        if other_scripts:  # the page's JavaScript does the same job; VBScript is IE's path
            add("ie-only", match.start(), None, False, "VBScript beside JavaScript: Internet Explorer's fallback path")
        else:
            add(
                "ie-only",
                match.start(),
                None,
                True,
                "the page's only scripts are VBScript, which only Internet Explorer runs",
            )
    for match in _EMBED_TAG.finditer(markup):
        tag, attrs = match.group(1).lower(), _attrs(match.group(2))
        inner = ""
        if tag == "object":
            end = _OBJECT_END.search(markup, match.end())
            inner = markup[match.end() : end.start()] if end else ""
            movie = _PARAM_MOVIE.search(inner)
            if movie and "data" not in attrs:
                attrs["data"] = movie.group(1)
        technology = _technology_of(attrs, tag)
        if not technology:
            continue
        target = attrs.get("data") or attrs.get("src") or attrs.get("code") or attrs.get("archive")
        if target and target.lower().startswith("data:"):
            target = None  # Silverlight's idiom: the type in a data: URL, the application in a <param>
        if target and "://" not in target:
            exists = resolve(path, target) in files
            if not exists:
                add(technology, match.start(), target, False, f"<{tag}> names '{target}', which is not in the package")
                continue
        if _HTML5_FALLBACK.search(inner):
            add(technology, match.start(), target, False, f"<{tag}> holds an HTML5 fallback inside it")
            continue
        add(technology, match.start(), target, True, f"the page embeds it with <{tag}>")
    for match in _FRAME_TAG.finditer(markup):
        src = _attrs(match.group(1)).get("src", "")
        ext = posixpath.splitext(src.split("?")[0].lower())[1]
        if ext in EXTENSIONS and "://" not in src and resolve(path, src) in files:
            add(EXTENSIONS[ext], match.start(), src, True, "a frame loads the plug-in file directly")

    @functools.cache
    def html5_path() -> bool:  # asked only when a script plays a movie: finding it costs a page's read
        return html5_runtime or any(has_html5_path(part) for part in (markup, *(b for _, b in scripts)))

    for start, body in scripts:
        embedded = {m.start() for m in _SCRIPT_EMBED.finditer(body)}
        for match in _SCRIPT_MOVIE.finditer(body):
            target = match.group(1)
            if match.start() in embedded or resolve(path, target) not in files:
                continue  # the known embedders are judged below; a movie not in the package is no player
            if html5_path():
                add("flash", start + match.start(), target, False, "a script plays a Flash movie beside an HTML5 path")
            else:
                add(
                    "flash",
                    start + match.start(),
                    target,
                    True,
                    "the page's only player is the Flash movie its script plays",
                )
        for match in _SCRIPT_EMBED.finditer(body):
            target = match.group(1)
            offset = start + match.start()
            if not target or not target.lower().split("?")[0].endswith(".swf"):
                continue  # the movie is built at run time: detection or a fallback path
            if resolve(path, target) not in files:
                add("flash", offset, target, False, f"a script embeds '{target}', which is not in the package")
            elif html5_runtime:
                add("flash", offset, target, False, "a script embeds Flash as the fallback of an HTML5 runtime")
            else:
                add("flash", offset, target, True, "a script embeds the Flash movie")
    return found


def launched_plugin_files(launches: list[str], files: Mapping[str, int]) -> list[dict[str, Any]]:
    """A launch file that is itself a plug-in file (a SCO whose href is a .swf)."""
    found = []
    for launch in launches:
        ext = posixpath.splitext(launch.lower())[1]
        if ext in EXTENSIONS and launch in files:
            found.append(
                {
                    "technology": EXTENSIONS[ext],
                    "path": launch,
                    "line": None,
                    "column": None,
                    "target": launch,
                    "required": True,
                    "reason": "the LMS launches the plug-in file itself",
                }
            )
    return found
