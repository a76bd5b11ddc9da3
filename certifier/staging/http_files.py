"""What a static file server answers about a file: its URL, its media type, and the byte range asked for."""

from __future__ import annotations

from urllib.parse import quote, urljoin

from certifier.package.media_types import guess_by_name

TEXT_TYPES = (
    "text/",
    "application/javascript",
    "application/json",
    "application/xml",
    "image/svg+xml",
    "application/wasm",
)


def content_type(path: str) -> str:
    kind = guess_by_name(path)
    if kind.startswith("text/") or kind in ("application/json", "application/xml"):
        return f"{kind}; charset=utf-8"
    return kind


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) byte of a single 'bytes=' range, or None when it cannot be satisfied."""
    if not header.startswith("bytes=") or "," in header:
        return None
    first, _, last = header[6:].strip().partition("-")
    try:
        if first == "":
            length = int(last)
            if length <= 0:
                return None
            return max(size - length, 0), size - 1
        start = int(first)
        end = int(last) if last else size - 1
    except ValueError:
        return None
    if start >= size or end < start:
        return None
    return start, min(end, size - 1)


def page_url(base: str, package_path: str) -> str:
    """The URL of a package file on a staging server whose course root is ``base``."""
    return urljoin(base, quote(package_path))
