"""Credentials written into a course's files: every learner's browser downloads them.

Authoring tools let a course report straight to an LRS with a key and secret in a config file
(Adapt's ``_xapi._user``/``_password``, a script's ``auth: "Basic …"``). Found values are shown
redacted: the report must not spread the secret further.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from certifier.package.references import _Lines

_USERINFO = re.compile(r"""\bhttps?://([^/\s:@"'<>]{1,128}):([^/\s@"'<>]{1,256})@[\w.-]+""", re.IGNORECASE)
# "Basic <token>" as a string literal (or after Authorization), the token looking like base64.
_BASIC = re.compile(
    r"""(?:["'`]|authorization["']?\s*[:=]\s*["']?)Basic\s+((?=[A-Za-z0-9+/]*[0-9+/=])"""
    r"""[A-Za-z0-9+/]{12,}={0,2})(?![A-Za-z0-9+/=])""",
    re.IGNORECASE,
)
_KEY_VALUE = re.compile(
    r"""(?<![A-Za-z0-9_])["']?_?(?P<key>password|passwd|secret|api_?key|token|auth|authorization|user(?:name)?)["']?"""
    r"""\s*[:=]\s*["'](?P<value>[A-Za-z0-9][A-Za-z0-9._~+/=@-]{2,255})["']""",
    re.IGNORECASE,
)
_LRS_CONTEXT = re.compile(r"endpoint|\blrs\b|_xapi|tincan|xapi", re.IGNORECASE)
_PLACEHOLDERS = {
    "null",
    "undefined",
    "none",
    "password",
    "username",
    "user",
    "secret",
    "token",
    "key",
    "auth",
    "string",
    "true",
    "false",
    "xxx",
    "xxxx",
    "changeme",
}
# Keys that are a secret on their own; user names only count beside one of these.
_SECRET_KEYS = {"password", "passwd", "secret", "apikey", "api_key", "token", "auth", "authorization"}
PREFILTER = ("password", "passwd", "secret", "basic ", "token", "@", "auth", "key")


def split_url_credentials(url: str | None) -> tuple[str | None, str | None, tuple[str, str] | None]:
    """(URL to request, URL to show and store, credentials) for a URL that may carry
    ``user:password@``: the credentials become the request's, and never reach a report."""
    if not url:
        return url, url, None
    parts = urlsplit(url)
    if not (parts.username or parts.password):
        return url, url, None
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    netloc = host + (f":{parts.port}" if parts.port else "")
    clean = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    shown = urlunsplit(
        (parts.scheme, f"{unquote(parts.username or '')}:***@{netloc}", parts.path, parts.query, parts.fragment)
    )
    return clean, shown, (unquote(parts.username or ""), unquote(parts.password or ""))


def redact(value: str) -> str:
    return value[:2] + "***" if len(value) > 4 else "***"


def find_credentials(path: str, text: str) -> list[dict[str, Any]]:
    """Credentials in one file: URL user:password, HTTP Basic tokens, and secret keys given a
    literal value in a file that talks to an LRS (endpoint/xAPI context)."""
    lowered = text.lower()
    if not any(word in lowered for word in PREFILTER):
        return []
    lines = _Lines(text)
    found: list[dict[str, Any]] = []

    def add(offset: int, what: str, value: str) -> None:
        found.append(
            {
                "path": path,
                "line": lines.at(offset),
                "column": lines.column(offset),
                "what": what,
                "value": redact(value),
            }
        )

    for match in _USERINFO.finditer(text):
        add(match.start(), "a URL with a user name and password", match.group(2))
    for match in _BASIC.finditer(text):
        add(match.start(), "an HTTP Basic authorization token", match.group(1))
    if _LRS_CONTEXT.search(text):
        for match in _KEY_VALUE.finditer(text):
            key, value = match.group("key").lower(), match.group("value")
            if key not in _SECRET_KEYS or value.lower() in _PLACEHOLDERS or value.startswith(("{{", "$", "%")):
                continue
            if key in ("auth", "authorization") and value.lower().startswith("basic"):
                continue  # the Basic pattern reports it
            add(match.start(), f"a literal '{match.group('key')}' value", value)
    return found
