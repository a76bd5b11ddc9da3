"""Guessing a file's media type from its name and, where it matters, its first bytes."""

from __future__ import annotations

import mimetypes

SNIFF_BYTES = 377  # an MPEG-TS stream shows its sync byte at 0, 188 and 376
TS_PACKET_BYTES = 188
TS_SYNC = 0x47

# Types browsers and LMSs get wrong or that the standard table lacks.
_EXTRA_TYPES = {
    ".vtt": "text/vtt",
    ".wasm": "application/wasm",
    ".webm": "video/webm",
    ".mkv": "video/x-matroska",
    ".m4v": "video/mp4",
    ".m4a": "audio/mp4",
    ".opus": "audio/ogg",
    ".flv": "video/x-flv",
    ".swf": "application/x-shockwave-flash",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".json": "application/json",
    ".xsd": "application/xml",
    ".crs": "text/plain",
    ".au": "text/plain",  # AICC assignable-unit table, not Sun audio, inside course packages
    ".des": "text/plain",
    ".cst": "text/plain",
}


def sniff(head: bytes) -> str | None:
    """Media type from magic bytes, for the formats a course may mislabel."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand.startswith(b"qt"):
            return "video/quicktime"
        if brand in (b"M4A ", b"M4B "):
            return "audio/mp4"
        return "video/mp4"
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free"):
        return "video/quicktime"
    if head.startswith(b"\x1aE\xdf\xa3"):  # EBML: the DocType says WebM or full Matroska
        return "video/webm" if b"webm" in head else "video/x-matroska"
    if len(head) > 2 * TS_PACKET_BYTES and all(head[i * TS_PACKET_BYTES] == TS_SYNC for i in range(3)):
        return "video/mp2t"  # MPEG-TS (HLS segments): '.ts' by name is also TypeScript or a Qt translation
    if head.startswith(b"FLV"):
        return "video/x-flv"
    if head.startswith(b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"):
        return "video/x-ms-asf"
    if head.startswith(b".RMF"):
        return "application/vnd.rn-realmedia"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "audio/mpeg"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return "video/x-msvideo"
    if head.startswith((b"FWS", b"CWS", b"ZWS")):
        return "application/x-shockwave-flash"
    if head.startswith(b"\x89PNG"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
        return "text/html"
    return None


def guess_by_name(path: str) -> str:
    dot = path.rfind(".")
    ext = path[dot:].lower() if dot > path.rfind("/") else ""
    return _EXTRA_TYPES.get(ext) or mimetypes.guess_type(path, strict=False)[0] or "application/octet-stream"


def guess_media_type(path: str, head: bytes = b"") -> str:
    """The sniffed type when the content says so, else the type the name implies."""
    return sniff(head[:SNIFF_BYTES]) or guess_by_name(path)


def is_audio_or_video(media_type: str) -> bool:
    return media_type.startswith(("audio/", "video/")) or media_type in (
        "application/vnd.rn-realmedia",
        "application/x-shockwave-flash",
    )
