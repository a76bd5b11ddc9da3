"""Where a reference points and how a package file's text is read: the scheme and host of a target, the package path a relative target resolves to, and text decoding that never stops a scan."""

from __future__ import annotations

import posixpath
import re
from urllib.parse import unquote, urlsplit


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
        try:
            return parts.scheme, parts.hostname or ""
        except ValueError:  # a malformed port or host: still an external reference
            return parts.scheme, ""
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


def decode_text(data: bytes) -> str:
    """Text of a package file for scanning; undecodable bytes never stop the scan."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


# Absolute URLs in scripts under these roots are identifiers, not addresses a browser contacts:
# XML namespaces and schemas, and the xAPI/cmi5 vocabularies whose IRIs name verbs and activity types.
IDENTIFIER_ROOTS = (
    "//www.w3.org/",
    "//schemas.xmlsoap.org/",
    "//www.imsglobal.org/xsd/",
    "//www.imsproject.org/xsd/",
    "//www.adlnet.org/xsd/",
    "//ltsc.ieee.org/xsd/",
    "//adlnet.gov/expapi/",
    "//w3id.org/xapi/",
    "//id.tincanapi.com/",
    "//purl.org/dc/",
    "//ns.adobe.com/",
    "//xmlns.com/",
)


def is_identifier(url: str) -> bool:
    """A namespace, schema or vocabulary IRI: a name, never fetched (see IDENTIFIER_ROOTS)."""
    lowered = url.lower()
    return any(root in lowered[: len(root) + 8] for root in IDENTIFIER_ROOTS)
