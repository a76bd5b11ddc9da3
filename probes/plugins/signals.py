"""The technology signals the plugins probe looks for, and how each is recognised.

Each signal has cheap literal hints (lower-case bytes, searched first) and a regular expression
run only on chunks where a hint occurs. Hints keep a 1 GB scan close to the speed of reading it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

END_OF_LIFE = "end-of-life"
MODERN = "modern"


@dataclass(frozen=True)
class Signal:
    technology: str
    kind: str  # END_OF_LIFE or MODERN
    hints: tuple[bytes, ...]
    pattern: re.Pattern[bytes]
    what: str


def _re(pattern: str) -> re.Pattern[bytes]:
    return re.compile(pattern.encode(), re.IGNORECASE)


FLASH_CLSID = "d27cdb6e-ae6d-11cf-96b8-444553540000"
SHOCKWAVE_CLSID = "166b1bca-3f9c-11cf-8075-444553540000"
QUICKTIME_CLSID = "02bf25d5-8c17-4b23-bc80-d3488abddc6b"
WMP_CLSIDS = ("6bf52a52-394a-11d3-b153-00c04f79faa6", "22d6f312-b0f6-11d0-94ab-0080c74c7e95")
REAL_CLSID = "cfcdaa03-8be4-11cf-b84b-0020afbbccfa"
KNOWN_CLSIDS = (FLASH_CLSID, SHOCKWAVE_CLSID, QUICKTIME_CLSID, *WMP_CLSIDS, REAL_CLSID)

SIGNALS: tuple[Signal, ...] = (
    Signal(
        "flash",
        END_OF_LIFE,
        (b".swf", b"swfobject", b"shockwave-flash", FLASH_CLSID.encode()),
        _re(r"""["'/\w-]+\.swf\b|swfobject|application/x-shockwave-flash|""" + FLASH_CLSID),
        "Adobe Flash content",
    ),
    Signal(
        "shockwave",
        END_OF_LIFE,
        (b".dcr", SHOCKWAVE_CLSID.encode(), b"x-director"),
        _re(r"""["'/\w-]+\.dcr\b|application/x-director|""" + SHOCKWAVE_CLSID),
        "Adobe Shockwave (Director) content",
    ),
    Signal(
        "java-applet",
        END_OF_LIFE,
        (b"<applet", b"deployjava", b"x-java-applet", b".jar", b".class"),
        _re(
            r"""<applet\b|deployjava|application/x-java-applet|\barchive\s*=\s*["'][^"']+\.jar|"""
            r"""\bcode\s*=\s*["'][^"']+\.class["']"""
        ),
        "a Java applet",
    ),
    Signal(
        "silverlight",
        END_OF_LIFE,
        (b".xap", b"x-silverlight"),
        _re(r"""["'/\w-]+\.xap\b|application/x-silverlight"""),
        "Microsoft Silverlight",
    ),
    Signal(
        "activex",
        END_OF_LIFE,
        (b"clsid:", b"activexobject"),
        _re(r"""new\s+activexobject\s*\(|classid\s*=\s*["']clsid:(?!""" + "|".join(KNOWN_CLSIDS) + ")"),
        "an ActiveX control",
    ),
    Signal(
        "quicktime",
        END_OF_LIFE,
        (QUICKTIME_CLSID.encode(), b"qtactivex", b"qtplugin"),
        _re(QUICKTIME_CLSID + r"|qtactivex|qtplugin"),
        "the QuickTime plug-in",
    ),
    Signal(
        "windows-media",
        END_OF_LIFE,
        (*(c.encode() for c in WMP_CLSIDS), b"x-mplayer2", b"x-ms-wmv", b".asx"),
        _re("|".join(WMP_CLSIDS) + r"""|application/x-mplayer2|video/x-ms-wmv|["'/\w-]+\.asx\b"""),
        "the Windows Media Player plug-in",
    ),
    Signal(
        "realplayer",
        END_OF_LIFE,
        (REAL_CLSID.encode(), b"x-pn-realaudio", b".ram"),
        _re(REAL_CLSID + r"""|audio/x-pn-realaudio|["'/\w-]+\.ram\b"""),
        "the RealPlayer plug-in",
    ),
    Signal(
        "unity-web-player",
        END_OF_LIFE,
        (b".unity3d", b"unityobject"),
        _re(r"""["'/\w-]+\.unity3d\b|unityobject2?\b"""),
        "the Unity Web Player plug-in",
    ),
    Signal(
        "ie-only",
        END_OF_LIFE,
        (b"document.all", b"[if ", b"msie", b"attachevent"),
        _re(r"""document\.all\b|<!--\[if\s+(?:lt\s+|lte\s+|gt\s+|gte\s+)?ie\b|\bmsie\b|\.attachevent\s*\("""),
        "Internet Explorer-only code",
    ),
    Signal("webgl", MODERN, (b"webgl",), _re(r"""getcontext\s*\(\s*["'](?:experimental-)?webgl2?["']"""), "WebGL"),
    Signal(
        "webassembly",
        MODERN,
        (b"webassembly", b".wasm"),
        _re(r"""webassembly\.(?:instantiate|compile)(?:streaming)?\s*\(|["'/\w-]+\.wasm\b"""),
        "WebAssembly",
    ),
    Signal(
        "camera-microphone", MODERN, (b"getusermedia",), _re(r"""getusermedia\s*\("""), "camera or microphone access"
    ),
    # Not a pop-up: a window opened into itself, its parent or the top frame (window.open("", "_self")
    # is how a lesson closes its own window), nor a SCORM driver's "Debug" log window, which opens
    # only when its debug mode is switched on.
    Signal(
        "popups",
        MODERN,
        (b"window.open",),
        _re(r"""window\.open\s*\((?![^,;]*,\s*["'](?:_self|_parent|_top|debug)["'])"""),
        "pop-up windows",
    ),
    Signal(
        "cross-origin-frames",
        MODERN,
        (b"<iframe",),
        _re(r"""<iframe\b[^>]*\bsrc\s*=\s*["']?(?:https?:)?//[^"'\s>]+"""),
        "frames from other sites (third-party cookies)",
    ),
    Signal(
        "autoplay-with-sound",
        MODERN,
        (b"autoplay",),
        _re(r"""<(?:video|audio)\b(?=[^>]*\bautoplay\b)(?![^>]*\bmuted\b)[^>]*>"""),
        "media that plays by itself with sound",
    ),
    Signal(
        "service-worker",
        MODERN,
        (b"serviceworker",),
        _re(r"""serviceworker\s*\.\s*register\s*\("""),
        "a service worker",
    ),
    Signal(
        "fullscreen",
        MODERN,
        (b"fullscreen",),
        _re(r"""requestfullscreen\s*\(|\ballowfullscreen\b"""),
        "full-screen mode",
    ),
    Signal("downloads", MODERN, (b"download",), _re(r"""<a\b[^>]*\sdownload\b"""), "file downloads"),
    Signal(
        "mixed-content",
        MODERN,
        (b"http://",),
        _re(r"""(?:\bsrc|<link\b[^>]*\bhref)\s*=\s*["']http://[^"']+"""),
        "resources over plain http (mixed content)",
    ),
)

# Fixed-size stages (iframes, canvases, embedded objects): the smallest screen the content assumes.
STAGE_SIZE = _re(
    r"""<(?:iframe|canvas|object|embed|video)\b[^>]*?\bwidth\s*=\s*["']?(\d{3,4})["']?[^>]*?\bheight\s*=\s*["']?(\d{3,4})"""
)
STAGE_HINTS = (b"<iframe", b"<canvas", b"<object", b"<embed", b"<video")

# Files whose mere presence is the signal (by extension or sniffed type).
FILE_SIGNALS = {
    ".swf": "flash",
    ".dcr": "shockwave",
    ".jar": "java-applet",
    ".class": "java-applet",
    ".xap": "silverlight",
    ".unity3d": "unity-web-player",
    ".wasm": "webassembly",
}

REPLACEMENTS = {
    "flash": "Re-publish the module as HTML5 from the authoring tool; deliver video as MP4 (H.264/AAC).",
    "shockwave": "Rebuild the interaction in HTML5/JavaScript; Shockwave Player was retired in 2019.",
    "java-applet": "Replace the applet with an HTML5/JavaScript interaction; browsers removed Java plug-in support.",
    "silverlight": "Replace with HTML5 video or a JavaScript interaction; Silverlight support ended in 2021.",
    "activex": "Use standard web APIs instead of ActiveX; only Internet Explorer ever ran it.",
    "quicktime": "Use an HTML5 <video> element with MP4 (H.264/AAC) instead of the QuickTime plug-in.",
    "windows-media": "Use an HTML5 <video>/<audio> element with MP4 or MP3 instead of the Windows Media plug-in.",
    "realplayer": "Use an HTML5 <audio>/<video> element with MP3 or MP4 instead of RealPlayer.",
    "unity-web-player": "Rebuild with Unity's WebGL export; the Unity Web Player plug-in no longer runs.",
    "ie-only": "Replace browser sniffing and IE-only APIs (document.all, attachEvent, conditional comments) with "
    "standard code and feature detection.",
}
SCANNED_SUFFIXES = (".html", ".htm", ".xhtml", ".js", ".mjs", ".css", ".xml", ".json", ".svg")


def literal_alternation(alternatives: list[bytes] | list[str]) -> Any:  # an re2 or re pattern
    """One case-insensitive pass for any of the literals: RE2 scans a gigabyte in about two seconds,
    Python's re takes some fifty times longer on a large alternation (kept as a fallback)."""
    source: Any = (
        (b"(?i)" + b"|".join(re.escape(h) for h in alternatives))
        if isinstance(alternatives[0], bytes)
        else ("(?i)" + "|".join(re.escape(h) for h in alternatives))
    )
    try:
        import re2

        return re2.compile(source)
    except ImportError:  # google-re2 has wheels for the usual platforms; correctness does not depend on it
        return re.compile(source)


HINTS = literal_alternation(sorted({h for signal in SIGNALS for h in signal.hints} | set(STAGE_HINTS)))
SIGNALS_BY_HINT: dict[bytes, tuple[Signal, ...]] = {}
for _signal in SIGNALS:
    for _hint in _signal.hints:
        SIGNALS_BY_HINT[_hint] = (*SIGNALS_BY_HINT.get(_hint, ()), _signal)
